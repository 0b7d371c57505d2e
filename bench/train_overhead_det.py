"""Training overhead of the instance-segmentation path: s/iter through `main.py` vs ppdet's own Trainer.

Both sides train the same ppdet config (built by paddlex_train.backends.paddledet.config.build_config from the same
settings) on the same generated COCO set, in separate processes, alternating A/B for --rounds rounds. Per-step
time is ppdet's own `batch_time` (data loading + forward + backward + optimizer step) in both: main.py logs it on
every iteration (log_interval=1), the ppdet side records it with a measuring callback on top of ppdet's default
LogPrinter/Checkpointer callbacks. The first --skip steps of each run (warm-up) are dropped; medians are compared.

    python bench/train_overhead_det.py [--model MaskRCNN-ResNet50-FPN] [--size 128] [--iters 12] [--rounds 2]

Target: ratio (main.py / ppdet) <= 1.03.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

_LINE = re.compile(r"\[TRAIN\] epoch: \d+/\d+, iter: \d+/\d+, .*batch_cost: ([0-9.]+) s")


def _settings(args, out):
    return dict(epochs=1, batch_size=args.batch_size, learning_rate=0.0005, warmup_steps=1, log_interval=1,
                eval_interval=1, num_classes=3, target_size=[args.size, args.size], save_dir=str(out))


def ppdet_worker(args):
    """Run ppdet's Trainer.train() (its own loop and default callbacks) and print the per-step times as JSON."""
    import paddlex_train.backends.paddledet  # noqa: F401  (paddle + compat patches, as main.py uses them)
    from ppdet.engine import Trainer
    from ppdet.engine.callbacks import Callback, ComposeCallback

    from paddlex_train.backends.paddledet.config import DetSettings, build_config

    out = Path(args.out)
    cfg = build_config(args.model, args.data, DetSettings(**_settings(args, out)))
    trainer = Trainer(cfg, mode="train")
    times = []

    class Measure(Callback):
        def on_step_end(self, status):
            if status.get("mode") == "train":
                times.append(status["batch_time"].value)

    trainer._callbacks.append(Measure(trainer))
    trainer._compose_callback = ComposeCallback(trainer._callbacks)
    trainer.train(validate=False)
    print("PPDET_TIMES " + json.dumps(times))


def run_ppdet(args, data, out):
    cmd = [sys.executable, __file__, "--ppdet-worker", "--data", str(data), "--out", str(out), "--model", args.model,
           "--size", str(args.size), "--iters", str(args.iters), "--batch-size", str(args.batch_size)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=_env())
    for line in proc.stdout.splitlines():
        if line.startswith("PPDET_TIMES "):
            return json.loads(line[len("PPDET_TIMES "):])
    raise SystemExit("ppdet run failed:\n" + proc.stderr[-3000:])


def run_main(args, data, out):
    cmd = [sys.executable, str(REPO / "main.py"), "-c",
           str(REPO / "configs/modules/instance_segmentation" / f"{args.model}.yaml"),
           "-o", "Global.mode=train", "-o", "Global.device=cpu", "-o", f"Global.dataset_dir={data}",
           "-o", f"Global.output={out}", "-o", "Train.num_classes=3", "-o", "Train.epochs_iters=1",
           "-o", f"Train.batch_size={args.batch_size}", "-o", "Train.learning_rate=0.0005",
           "-o", "Train.warmup_steps=1", "-o", "Train.log_interval=1",
           "-o", f"Train.input_shape=[{args.size},{args.size}]", "-o", "Train.pretrain_weight_path=null"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=_env())
    if proc.returncode != 0:
        raise SystemExit("main.py run failed:\n" + proc.stderr[-3000:])
    return [float(m.group(1)) for m in _LINE.finditer((Path(out) / "train.log").read_text())]


def _env():
    return dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "2"))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="MaskRCNN-ResNet50-FPN")
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--iters", type=int, default=12, help="training iterations per run (= train images / batch)")
    p.add_argument("--batch-size", type=int, default=1)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--skip", type=int, default=2, help="warm-up steps dropped from each run")
    p.add_argument("--ppdet-worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--data", help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.ppdet_worker:
        return ppdet_worker(args)

    from dataset_tools.synthetic_coco import generate

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        n_train = args.iters * args.batch_size
        data = generate(tmp / "data", num=n_train + 1, size=args.size, seed=0, val_fraction=1 / (n_train + 1))
        ours, theirs = [], []
        for r in range(args.rounds):
            ours += run_main(args, data, tmp / f"main{r}")[args.skip:]
            theirs += run_ppdet(args, data, tmp / f"ppdet{r}")[args.skip:]
            print(f"round {r + 1}: main.py {statistics.median(ours):.3f} s/iter, "
                  f"ppdet {statistics.median(theirs):.3f} s/iter", flush=True)
    a, b = statistics.median(ours), statistics.median(theirs)
    print(f"{args.model} {args.size}px batch {args.batch_size}: main.py {a:.3f} s/iter | ppdet Trainer {b:.3f} "
          f"s/iter | ratio {a / b:.3f} (target <= 1.03; {len(ours)} vs {len(theirs)} steps)")


if __name__ == "__main__":
    main()
