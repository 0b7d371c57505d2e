"""Mask-RT-DETR learns (issue 14): from random init on a few generated images, the loss halves and mask AP50 > 0.

Runs the shipped module YAML through `main.py train` (CPU, random init, Train.input_shape = --size, everything
else as a user would set it), then `main.py evaluate` on the same images (the val split is a copy of the train
split: a memorisation test). The training loss per iteration is read from train.log.

    python bench/mask_rtdetr_learns.py [--model Mask-RT-DETR-S] [--images 2] [--size 320] [--iters 300]
                                       [--batch_size 1] [--lr 1e-4] [--warmup 10] [--out DIR]

Prints one JSON line: iterations, first/last loss (means of 10 iterations), their ratio, seconds, mask AP50 and
box AP. Exit status 0 when the loss at least halved and mask AP50 > 0.
"""
import argparse
import json
import math
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

LOSS_LINE = re.compile(r"\[TRAIN\] epoch: \d+/\d+, iter: \d+/\d+, loss: ([0-9.]+)")


def make_data(root, images, size, seed=0):
    """Synthetic COCO set (`images` train images) whose val split is the train split; returns the class count."""
    from dataset_tools.synthetic_coco import generate

    generate(root, num=images + 1, size=size, seed=seed, val_fraction=1 / (images + 1))
    ann = root / "annotations"
    shutil.copy(ann / "instance_train.json", ann / "instance_val.json")
    return len(json.loads((ann / "instance_train.json").read_text())["categories"])


def run_main(config, mode, *overrides):
    """`python main.py -c config -o Global.mode=mode ...`; raises with the output tail when it fails."""
    cmd = [sys.executable, str(REPO / "main.py"), "-c", str(config), "-o", f"Global.mode={mode}"]
    for item in overrides:
        cmd += ["-o", item]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"main.py {mode} failed:\n{(proc.stdout + proc.stderr)[-3000:]}")
    return proc


def losses_from_log(log_path):
    """Total training loss of every logged iteration (log_interval 1), in order."""
    return [float(m.group(1)) for m in LOSS_LINE.finditer(Path(log_path).read_text(encoding="utf-8"))]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="Mask-RT-DETR-S")
    parser.add_argument("--images", type=int, default=2)
    parser.add_argument("--size", type=int, default=320)
    parser.add_argument("--iters", type=int, default=300)
    parser.add_argument("--batch_size", type=int, default=1)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None, help="work folder (default: a temporary one, deleted)")
    args = parser.parse_args(argv)

    config = REPO / "configs" / "modules" / "instance_segmentation" / f"{args.model}.yaml"
    work = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="mask_rtdetr_learns_"))
    try:
        data, out = work / "data", work / "out"
        num_classes = make_data(data, args.images, args.size, args.seed)
        epochs = math.ceil(args.iters / math.ceil(args.images / args.batch_size))
        common = [f"Global.dataset_dir={data}", f"Global.output={out}", "Global.device=cpu",
                  f"Train.num_classes={num_classes}", f"Train.input_shape=[{args.size},{args.size}]"]
        start = time.time()
        run_main(config, "train", *common, f"Train.epochs_iters={epochs}", f"Train.batch_size={args.batch_size}",
                 f"Train.learning_rate={args.lr}", f"Train.warmup_steps={args.warmup}", "Train.log_interval=1",
                 f"Train.eval_interval={epochs}", "Train.pretrain_weight_path=null", f"Train.seed={args.seed}")
        train_s = time.time() - start
        run_main(config, "evaluate", *common, f"Evaluate.weight_path={out / 'best_model' / 'best_model.pdparams'}")
        metrics = json.loads((out / "evaluate_result.json").read_text())["metrics"]
        losses = losses_from_log(out / "train.log")
        first, last = sum(losses[:10]) / 10, sum(losses[-10:]) / 10
        result = {"model": args.model, "images": args.images, "size": args.size, "iters": len(losses),
                  "batch_size": args.batch_size, "lr": args.lr, "loss_first10": round(first, 3),
                  "loss_last10": round(last, 3), "ratio": round(last / first, 4), "train_s": round(train_s, 1),
                  "mask_ap50": metrics["AP50"], "mask_ap": metrics["AP"], "bbox_ap": metrics["bbox_AP"]}
        print(json.dumps(result))
        return 0 if last <= 0.5 * first and metrics["AP50"] > 0 else 1
    finally:
        if not args.out:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
