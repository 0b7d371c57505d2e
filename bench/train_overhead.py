"""Training speed: s/iter of `main.py` training vs PaddleSeg's own loop (paddleseg.core.train), same config.

PP-LiteSeg-T, 512x512 crops, batch 2, CPU, alternating runs in one invocation; prints the medians of the per-
iteration batch_cost values (first WARMUP iterations of each run dropped) and the ratio ours / paddleseg.
Target: ratio <= 1.03.

Usage: python bench/train_overhead.py [--iters 12] [--rounds 2] [--size 512]
"""
import argparse
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
WARMUP = 2
COST = re.compile(r"\[TRAIN\].*?iter: (\d+)/\d+.*?batch_cost: ([0-9.]+)")


def ours(data, out, iters):
    cmd = [sys.executable, str(REPO / "main.py"), "-c", str(REPO / "configs/modules/semantic_segmentation/PP-LiteSeg-T.yaml"),
           "-o", "Global.mode=train", "-o", "Global.device=cpu", "-o", f"Global.dataset_dir={data}",
           "-o", f"Global.output={out}", "-o", "Train.num_classes=4", "-o", f"Train.epochs_iters={iters}",
           "-o", f"Train.eval_interval={iters * 10}", "-o", "Train.log_interval=1", "-o", "Train.batch_size=2",
           "-o", "Train.input_shape=[512,512]", "-o", "Train.pretrain_weight_path=null"]
    text = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return [float(c) for i, c in COST.findall(text) if int(i) <= iters and int(i) > WARMUP]


def paddleseg_loop(data, out, iters):
    code = f"""
import importlib, sys
sys.path.insert(0, {str(REPO)!r})
from paddlex_train.backends.paddleseg.modeling import build
from paddlex_train.training.seed import seed_everything
seed_everything(42)
b, _, _ = build("PP-LiteSeg-T", {str(data)!r}, 4, {iters}, 2, 0.01, 0, [512, 512])
importlib.import_module("paddleseg.core.train").train(b.model, b.train_dataset, optimizer=b.optimizer, losses=b.loss,
    iters={iters}, batch_size=2, save_interval={iters * 10}, log_iters=1, save_dir={str(out)!r})
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return [float(c) for i, c in COST.findall(proc.stdout + proc.stderr) if int(i) > WARMUP]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iters", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--size", type=int, default=512)
    args = parser.parse_args()
    from dataset_tools.synthetic_seg import generate

    with tempfile.TemporaryDirectory() as tmp:
        data = generate(Path(tmp) / "data", num=8, size=args.size, seed=0, val_fraction=0.25)
        times = {"ours (main.py)": [], "paddleseg core.train": []}
        for r in range(args.rounds):
            times["paddleseg core.train"] += paddleseg_loop(data, Path(tmp) / f"ps{r}", args.iters)
            times["ours (main.py)"] += ours(data, Path(tmp) / f"ours{r}", args.iters)
    med = {k: statistics.median(v) for k, v in times.items()}
    for k, v in med.items():
        print(f"{k:22s} median {v:.4f} s/iter over {len(times[k])} iterations")
    print(f"ratio ours/paddleseg = {med['ours (main.py)'] / med['paddleseg core.train']:.3f} (target <= 1.03)")


if __name__ == "__main__":
    main()
