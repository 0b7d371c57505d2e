"""Benchmark prediction: the exported static model through our predictor vs the dynamic-graph model, in one run.

Builds PP-LiteSeg-T (STDC1, random seeded weights: speed does not depend on them), exports it, then times on the
same 512x512 image (medians over --repeat runs after --warmup runs):
  - dynamic graph: normalise + forward + argmax + copy to numpy (what a training-side predict would do),
  - our predictor (create_model(...).predict(array)): read/normalise + paddle.inference + result object,
    once with oneDNN on and once off (PXT_MKLDNN), to justify the engine's default,
  - images/s of our predictor at batch 1 and batch 4 (4 images per call).
Target: predictor latency <= 0.7 x dynamic-graph latency.

Usage: python bench/predict.py [--repeat 10] [--warmup 3] [--size 512]
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
TARGET_RATIO = 0.7


def _median_seconds(fn, repeat, warmup):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _predictor(model_dir, mkldnn, threads=None):
    from paddlex_train import create_model

    saved = {k: os.environ.get(k) for k in ("PXT_MKLDNN", "OMP_NUM_THREADS")}
    os.environ["PXT_MKLDNN"] = "1" if mkldnn else "0"
    if threads:
        os.environ["OMP_NUM_THREADS"] = str(threads)  # read by the engine when it is built
    try:
        return create_model("PP-LiteSeg-T", model_dir=model_dir, device="cpu")
    finally:
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)


def main(argv=None):
    """Run the benchmark and print a side-by-side table; returns 0."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--size", type=int, default=512)
    args = ap.parse_args(argv)

    from paddlex_train.backends.paddleseg.bench_support import build_ppliteseg_t, export_for_bench

    rng = np.random.default_rng(0)
    bgr = rng.integers(0, 256, (args.size, args.size, 3), dtype=np.uint8)
    rgb = bgr[:, :, ::-1]
    model = build_ppliteseg_t()
    with tempfile.TemporaryDirectory(prefix="pxt_bench_predict_") as work:
        return _measure(args, model, export_for_bench(model, Path(work) / "inference"), rgb, bgr)


def _measure(args, model, model_dir, rgb, bgr):
    """Time the dynamic graph and our predictor variants on one exported model and print the ratios."""
    from paddlex_train.backends.paddleseg.bench_support import dynamic_predict

    def dynamic_once():
        x = ((rgb.astype(np.float32) / 255.0 - 0.5) / 0.5).transpose(2, 0, 1)[None]
        return dynamic_predict(model, np.ascontiguousarray(x))

    rows = [("dynamic graph (paddle, eager)", _median_seconds(dynamic_once, args.repeat, args.warmup))]
    predictors = {}
    for mkldnn in (True, False):
        pred = _predictor(model_dir, mkldnn)
        predictors[mkldnn] = pred
        label = f"our predictor, oneDNN {'on' if mkldnn else 'off'}"
        rows.append((label, _median_seconds(lambda p=pred: list(p.predict(bgr)), args.repeat, args.warmup)))

    one = _predictor(model_dir, True, threads=1)  # rules out "faster only because of more threads"
    rows.append(("our predictor, oneDNN on, 1 thread",
                 _median_seconds(lambda: list(one.predict(bgr)), args.repeat, args.warmup)))
    reference = dynamic_once()[0]
    agree = {m: float(np.mean(list(p.predict(bgr))[0]["pred"][0] == reference)) for m, p in predictors.items()}
    from paddlex_train.inference.engine import MKLDNN_DEFAULT

    default = predictors[MKLDNN_DEFAULT]
    four = [bgr] * 4
    per_call_1 = _median_seconds(lambda: list(default.predict(bgr, batch_size=1)), args.repeat, args.warmup)
    per_call_4 = _median_seconds(lambda: list(default.predict(four, batch_size=4)), args.repeat, args.warmup)

    print(f"\nPP-LiteSeg-T, {args.size}x{args.size}, CPU threads={os.cpu_count()}, "
          f"median of {args.repeat} (warm-up {args.warmup})")
    dyn = rows[0][1]
    for label, sec in rows:
        print(f"  {label:36s} {sec * 1000:8.1f} ms/image   ratio vs dynamic {sec / dyn:5.2f}")
    best = min(sec for _, sec in rows[1:])
    chosen = dict(rows)[f"our predictor, oneDNN {'on' if MKLDNN_DEFAULT else 'off'}"]
    print(f"  default engine (oneDNN {'on' if MKLDNN_DEFAULT else 'off'}): ratio {chosen / dyn:.2f} "
          f"(target <= {TARGET_RATIO}: {'met' if chosen / dyn <= TARGET_RATIO else 'NOT met'}); "
          f"fastest variant ratio {best / dyn:.2f}")
    print(f"  predictor throughput: batch 1 {1 / per_call_1:.2f} images/s, batch 4 {4 / per_call_4:.2f} images/s")
    print("  pixels equal to the dynamic graph's argmax: "
          + ", ".join(f"oneDNN {'on' if m else 'off'} {a:.2%}" for m, a in agree.items())
          + " (random weights give near-tied logits, so float rounding can flip a few)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
