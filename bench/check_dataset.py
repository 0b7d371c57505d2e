"""Benchmark check_dataset (semantic segmentation) through main.py, as a user runs it.

Generates N synthetic 512x512 image/label pairs (default 1000) once, then times, over --repeat runs (medians):
  - start-up: main.py up to a fast config-level failure (imports + config, no data),
  - the full check on the N-pair set (pairs/s),
  - the full check on a 20-pair set (the "small set" target: under 1 s).
PaddleX 3.7.2's checker took 14.0 s (71 pairs/s) on 1000 such pairs on this machine class; the target is >= 4x.

Usage: python bench/check_dataset.py [--num 1000] [--repeat 3] [--work /tmp/pxt_bench_check]
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
CONFIG = REPO / "configs/modules/semantic_segmentation/PP-LiteSeg-T.yaml"
PADDLEX_SECONDS_1000 = 14.0  # measured for PaddleX 3.7.2 on 1000 512x512 pairs (see the issue)
TARGET_RATIO = 4.0
_CPU = []  # CPU seconds (user + sys, all processes) of each run: less sensitive to a busy machine than wall time


def _dataset(work, num, size):
    from dataset_tools.synthetic_seg import generate

    root = Path(work) / f"synthetic_{num}_{size}"
    if not (root / "val.txt").is_file():
        t = time.perf_counter()
        generate(root, num=num, size=size, seed=0)
        print(f"generated {num} pairs of {size}x{size} in {time.perf_counter() - t:.1f} s -> {root}")
    return root


def _run(dataset_dir, output, expect_ok=True):
    cmd = [sys.executable, str(REPO / "main.py"), "-c", str(CONFIG), "-o", "Global.mode=check_dataset",
           "-o", f"Global.dataset_dir={dataset_dir}", "-o", "Global.device=cpu", "-o", "Train.num_classes=4",
           "-o", f"Global.output={output}"]
    t = time.perf_counter()
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    elapsed = time.perf_counter() - t
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    _CPU.append(cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime)
    if (proc.returncode == 0) != expect_ok:
        raise SystemExit(f"unexpected exit {proc.returncode}: {proc.stderr.strip()[-500:]}")
    return elapsed


def _paddlex_like(dataset_dir):
    """What PaddleX's SegDataset checker does per pair, serially: full decode of image (EXIF-transposed) and label,
    shape comparison, np.unique of the label; 10 blended renders per split; a pyplot histogram.

    A lower bound of PaddleX's cost (it also imports paddlex, which takes seconds), measured on this machine in
    the same run, so the ratio does not depend on how busy the machine is.
    """
    with tempfile.TemporaryDirectory() as tmp:  # renders are written, then thrown away
        _paddlex_like_into(Path(dataset_dir), Path(tmp))


def _paddlex_like_into(root, out):
    import numpy as np
    from PIL import Image, ImageOps

    values = set()
    for split in ("train", "val"):
        for n, line in enumerate((root / f"{split}.txt").read_text().splitlines()):
            img_rel, lbl_rel = line.split(" ")
            img = np.asarray(ImageOps.exif_transpose(Image.open(root / img_rel)).convert("RGB"), np.uint8)
            ann = np.asarray(Image.open(root / lbl_rel), np.uint8)
            assert img.shape[:2] == ann.shape
            values |= set(np.unique(ann).tolist())
            if n < 10:
                colour = np.stack([ann * 37 % 256, ann * 91 % 256, ann * 53 % 256], -1).astype(np.float32)
                Image.fromarray((0.6 * img + 0.4 * colour).astype(np.uint8)).save(out / f"{split}_{n}.jpg")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(8, 5), dpi=120)
    plt.bar(range(len(values)), [1] * len(values))
    fig.savefig(out / "histogram.png")


def _run_baseline(dataset_dir):
    t = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--baseline-run", str(dataset_dir)], check=True, cwd=REPO)
    return time.perf_counter() - t


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--baseline-run", help=argparse.SUPPRESS)
    p.add_argument("--num", type=int, default=1000)
    p.add_argument("--size", type=int, default=512)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "pxt_bench_check"))
    args = p.parse_args(argv)
    if args.baseline_run:
        return _paddlex_like(args.baseline_run)
    big = _dataset(args.work, args.num, args.size)
    small = _dataset(args.work, 20, args.size)
    out = Path(args.work) / "out"
    startup = statistics.median(_run(Path(args.work) / "does_not_exist", out / "s", expect_ok=False)
                                for _ in range(args.repeat))
    small_s = statistics.median(_run(small, out / "small") for _ in range(args.repeat))
    big_s, base_s = [], []
    for _ in range(args.repeat):  # interleaved, so both see the same machine load
        big_s.append(_run(big, out / "big"))
        base_s.append(_run_baseline(big))
    big_cpu = statistics.median(_CPU[-args.repeat:])
    big_s, base_s = statistics.median(big_s), statistics.median(base_s)
    small_cpu = statistics.median(_CPU[-2 * args.repeat:-args.repeat])
    pairs_per_s = args.num / big_s
    paddlex = PADDLEX_SECONDS_1000 * args.num / 1000
    print(f"start-up (imports + config, median of {args.repeat}): {startup:.2f} s")
    print(f"20-pair check: {small_s:.2f} s total (target < 1 s); CPU {small_cpu:.2f} s")
    print(f"{args.num}-pair check: {big_s:.2f} s = {pairs_per_s:.0f} pairs/s; CPU {big_cpu:.2f} s over all cores")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} (2 cores; > 2 means other work competed)")
    print(f"vs PaddleX 3.7.2 ({paddlex:.1f} s, {args.num / paddlex:.0f} pairs/s): {paddlex / big_s:.1f}x "
          f"(target >= {TARGET_RATIO:.0f}x = {TARGET_RATIO * 1000 / PADDLEX_SECONDS_1000:.0f} pairs/s)")
    print(f"vs PaddleX's per-pair work re-enacted in this run (lower bound of PaddleX, no paddlex import): "
          f"{base_s:.2f} s -> {base_s / big_s:.1f}x")


if __name__ == "__main__":
    main()
