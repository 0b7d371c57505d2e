"""Benchmark (issue 19): peak memory of predicting a large image with and without the sliding window.

Exports PP-LiteSeg-T (STDC1, 19 classes, random seeded weights: memory does not depend on them) with the toolkit's
exporter (class ids + logits outputs), then, each in its own subprocess so peaks do not mix, predicts a generated
N x N RGB image (default 4,000^2 and 8,000^2) through create_model(...).predict(array, target_size=-1):
  - slide: slide_window {crop_size: [C, C], stride: [S, S]} (default 768 / 640);
  - whole: the whole image in one inference call.
Each child reports its peak RSS (ru_maxrss) and time. The whole-image children run under an address-space limit
(--whole_limit_gb, default 8) so that a run that would need more fails in that child instead of exhausting the
shared machine; the failure is reported side by side.

Usage: python bench/large_image.py [--sizes 4000 8000] [--crop 768] [--stride 640] [--whole_limit_gb 8]
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def export_model(directory):
    """Export random-weight PP-LiteSeg-T through paddlex_train's exporter into `directory`."""
    from paddlex_train.backends.paddleseg.bench_support import build_ppliteseg_t
    from paddlex_train.backends.paddleseg.export import export

    net = build_ppliteseg_t(num_classes=19, seed=0).model  # the PaddleSeg model inside the argmax wrapper
    export(net, directory, [{"type": "Normalize"}], "PP-LiteSeg-T", 19)
    return directory


def generate_image(size, seed=0):
    """A size x size 3-channel uint8 image of smooth blobs plus noise, made in row bands (no float copy of it)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    image = np.empty((size, size, 3), np.uint8)
    xs = np.arange(size, dtype=np.float32)
    for y0 in range(0, size, 512):
        ys = np.arange(y0, min(size, y0 + 512), dtype=np.float32)[:, None]
        for c in range(3):
            wave = 127 + 60 * np.sin(ys / (90 + 30 * c)) * np.cos(xs / (120 + 20 * c))
            image[y0:y0 + len(ys), :, c] = np.clip(wave + rng.normal(0, 20, wave.shape), 0, 255)
    return image


def child(mode, size, model_dir, crop, stride, limit_gb):
    """Predict one generated image in this process; print one JSON line with peak RSS and time."""
    if limit_gb:
        limit = int(limit_gb * 1024 ** 3)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from paddlex_train import create_model

    row = {"mode": mode, "size": size}
    start = time.perf_counter()
    try:
        image = generate_image(size)
        model = create_model("PP-LiteSeg-T", model_dir=model_dir, device="cpu")
        options = {"target_size": -1}
        if mode == "slide":
            options["slide_window"] = {"crop_size": [crop, crop], "stride": [stride, stride]}
        (result,) = model.predict(image, **options)  # taken as BGR, contiguous, as cv2.imread returns it
        row.update(ok=True, pred_shape=list(result["pred"].shape))
    except BaseException as e:  # noqa: BLE001 (MemoryError, paddle's errors: the failure is the measurement)
        row.update(ok=False, error=f"{type(e).__name__}: {str(e).strip().splitlines()[-1][:200] if str(e) else ''}")
    row["seconds"] = round(time.perf_counter() - start, 1)
    row["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(row), flush=True)


def run_child(mode, size, model_dir, args):
    """Run one measurement in a fresh interpreter; returns its JSON row (or the crash)."""
    limit = args.whole_limit_gb if mode == "whole" else 0
    cmd = [sys.executable, __file__, "--child", mode, str(size), str(model_dir), "--crop", str(args.crop),
           "--stride", str(args.stride), "--whole_limit_gb", str(limit)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "GLOG_minloglevel": "2"})
    rows = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if rows:
        return json.loads(rows[-1])
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1][:200]
    return {"mode": mode, "size": size, "ok": False, "error": f"exit {proc.returncode}: {tail}"}


def main(argv=None):
    """Run the benchmark and print a side-by-side table; returns 0."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[4000, 8000])
    ap.add_argument("--crop", type=int, default=768)
    ap.add_argument("--stride", type=int, default=640)
    ap.add_argument("--whole_limit_gb", type=float, default=8)
    ap.add_argument("--modes", nargs="+", default=["slide", "whole"])
    ap.add_argument("--child", nargs=3, metavar=("MODE", "SIZE", "MODEL_DIR"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        mode, size, model_dir = args.child
        child(mode, int(size), model_dir, args.crop, args.stride, args.whole_limit_gb)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = Path(tmp) / "inference"
        subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(REPO)!r}); "
                        f"sys.argv = ['x']; from bench.large_image import export_model; "
                        f"export_model({str(model_dir)!r})"], check=True, cwd=REPO)
        print(f"PP-LiteSeg-T (random weights, 19 classes), CPU, slide_window crop {args.crop} stride {args.stride}; "
              f"whole-image runs limited to {args.whole_limit_gb:g} GB of address space")
        print(f"{'size':>6} {'mode':>6} {'peak RSS MB':>12} {'seconds':>8}  result")
        for size in args.sizes:
            for mode in args.modes:
                row = run_child(mode, size, model_dir, args)
                outcome = f"pred {row['pred_shape']}" if row.get("ok") else f"FAILED: {row.get('error')}"
                print(f"{size:>6} {mode:>6} {row.get('peak_rss_mb', '-'):>12} {row.get('seconds', '-'):>8}  {outcome}",
                      flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
