"""onnxruntime against Paddle Inference: CPU latency at batch 1, the same export run by both engines side by side.

    python bench/onnx.py [--out DIR] [--rounds 5] [--size 512] [--models PP-LiteSeg-T SegFormer-B0 PP-YOLOE_seg-S]

Per model: random-init weights exported by main.py with Export.format=both (semantic at a fixed size x size,
instance at 320x320), then `rounds` rounds, each timing 5 predict() calls on one engine and then 5 on the other
(interleaved, so machine load hits both alike) after one warm-up call each. Prints min/median/max per call in ms
and the ratio of medians (onnxruntime / Paddle; < 1 = onnxruntime faster). Thread count: OMP_NUM_THREADS.
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import onnx_models  # noqa: E402

CALLS_PER_ROUND = 5


def _timed(predictor, image):
    start = time.perf_counter()
    for _ in predictor.predict(image):
        pass
    return (time.perf_counter() - start) * 1000


def bench_model(model, out, rounds, size):
    """{engine: [ms per call]} for `model`."""
    from paddlex_train import create_model

    instance = onnx_models.task_of(model) == "instance_segmentation"
    data = onnx_models.coco_data(out / "coco") if instance else None
    shape = (320, 320) if instance else (size, size)
    export_dir = out / model
    if not (export_dir / "inference.onnx").is_file():
        proc = onnx_models.export(model, onnx_models.random_weights(model, out, data=data), export_dir, data, shape,
                                  extra=("-o", "Export.parity_images=0"))  # latency only: parity has its tests
        if proc.returncode != 0:
            raise SystemExit(f"{model}: export failed: {proc.stderr[-1500:]}")
    engines = {"paddle": create_model(model, model_dir=str(export_dir), device="cpu"),
               "onnxruntime": create_model(model, model_dir=str(export_dir), device="cpu", use_hpip=True)}
    image = np.random.default_rng(0).integers(0, 256, (shape[0], shape[1], 3), dtype=np.uint8)
    times = {name: [] for name in engines}
    for predictor in engines.values():
        _timed(predictor, image)  # warm-up: first-call allocations and oneDNN primitive caches
    for _ in range(rounds):
        for name, predictor in engines.items():
            times[name] += [_timed(predictor, image) for _ in range(CALLS_PER_ROUND)]
    return times, shape


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="output/bench_onnx")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--models", nargs="+", default=["PP-LiteSeg-T", "SegFormer-B0", "PP-YOLOE_seg-S"])
    args = parser.parse_args()
    out = Path(args.out)
    print(f"CPU, batch 1, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}, {args.rounds} rounds x "
          f"{CALLS_PER_ROUND} calls per engine, interleaved")
    print("model\tinput\tengine\tmin_ms\tmedian_ms\tmax_ms")
    for model in args.models:
        times, shape = bench_model(model, out, args.rounds, args.size)
        for name, values in times.items():
            print(f"{model}\t{shape[1]}x{shape[0]}\t{name}\t{min(values):.1f}\t{statistics.median(values):.1f}\t"
                  f"{max(values):.1f}")
        ratio = statistics.median(times["onnxruntime"]) / statistics.median(times["paddle"])
        print(f"{model}\tratio of medians onnxruntime/paddle = {ratio:.2f}", flush=True)


if __name__ == "__main__":
    main()
