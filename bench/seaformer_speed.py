"""Benchmark training speed: SeaFormer variants vs PP-LiteSeg-T, side by side in one run (CPU is shared: read ratios).

Each model is built from its arch file exactly as train mode builds it (loss, optimizer with parameter groups,
lr schedule), then trained on one fixed random batch (no data loading, so only the network is compared). Rounds
alternate between the models so background load hits all of them alike; medians of s/iter are printed with the
ratio to PP-LiteSeg-T.

Usage: python bench/seaformer_speed.py [--models SeaFormer_tiny PP-LiteSeg-T] [--size 256] [--batch 2]
                                       [--rounds 5] [--steps 3]
"""
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
BASELINE = "PP-LiteSeg-T"


def _trainer(model_name, data_dir, size, batch, num_classes):
    """A closure running one training step of `model_name` on a fixed batch."""
    import paddle
    from paddleseg.core.train import loss_computation

    from paddlex_train.backends.paddleseg.modeling import build

    builder, _, _ = build(model_name, data_dir, num_classes, iters=1000, batch_size=batch, learning_rate=None,
                          warmup_steps=0, input_shape=[size, size])
    model, losses, optimizer = builder.model, builder.loss, builder.optimizer
    model.train()
    x = paddle.rand([batch, 3, size, size])
    y = paddle.randint(0, num_classes, [batch, size, size], dtype="int64")

    def step():
        logits = model(x)
        loss = sum(loss_computation(logits, y, None, losses))
        loss.backward()
        optimizer.step()
        model.clear_gradients()
        return float(loss)

    return step


def main(argv=None):
    """Run the benchmark and print one line per model plus the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["SeaFormer_tiny", BASELINE])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=3)
    args = parser.parse_args(argv)
    import zlib  # noqa: F401  (before paddle: paddle's bundled zlib symbols break later zlib users)

    from dataset_tools.synthetic_seg import generate

    with tempfile.TemporaryDirectory() as tmp:
        data = generate(Path(tmp) / "data", num=4, size=32, seed=0, val_fraction=0.25)
        steps = {m: _trainer(m, data, args.size, args.batch, 4) for m in args.models}
        for fn in steps.values():  # warm-up (first iteration builds kernels and caches)
            fn()
        times = {m: [] for m in args.models}
        for _ in range(args.rounds):
            for name, fn in steps.items():
                start = time.perf_counter()
                for _ in range(args.steps):
                    fn()
                times[name].append((time.perf_counter() - start) / args.steps)
    medians = {m: statistics.median(v) for m, v in times.items()}
    print(f"training step, {args.batch}x3x{args.size}x{args.size}, median of {args.rounds} rounds x "
          f"{args.steps} steps:")
    for name, sec in medians.items():
        ratio = f"  ({sec / medians[BASELINE]:.2f}x {BASELINE})" if BASELINE in medians else ""
        print(f"  {name:16s} {sec:.3f} s/iter{ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
