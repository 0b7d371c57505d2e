"""Mask-RT-DETR-S learns: from random init on a few generated images, the total loss halves, then mask AP50 > 0.

This checks that the matcher, the losses and the denoising groups are right: forward equivalence with
PaddleDetection cannot show it. The architecture file's model is trained (ppdet config from the backend's
build_config, as main.py builds it) on a seeded synthetic COCO set of --images images at --size px, on CPU, and mask
AP is evaluated on the same images with ppdet's COCO metric. Kept from the recipe: the model, AdamW with clip 0.1,
the loss and matcher with their weights. Changed for a CPU memorisation run: the random distort/expand/crop ops are
dropped, EMA is off (the evaluation sees the trained weights), the warm-up is --warmup iterations, the mask losses
sample --points points per mask instead of 12544 and the decoder keeps --queries queries (the point sampling over
300 queries x 8 outputs dominates a CPU step).

    python bench/mask_rtdetr_learns.py [--images 4] [--size 320] [--iters 300] [--lr 2e-4] [--out DIR]

Prints one JSON line: first/last loss (means of 10 iterations), their ratio, the seconds taken and mask/bbox AP50.
Exit status 0 when the loss at least halved and mask AP50 > 0.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

MODEL = "Mask-RT-DETR-S"
RANDOM_OPS = ("RandomDistortWithProb", "RandomExpandSegm", "RandomCropWithProb")


def make_data(root, images, size, seed=0):
    """Synthetic COCO set whose val split is the train split (a memorisation test); returns the class count."""
    from dataset_tools.synthetic_coco import generate

    generate(root, num=images + 1, size=size, seed=seed, val_fraction=1 / (images + 1))
    ann = root / "annotations"
    shutil.copy(ann / "instance_train.json", ann / "instance_val.json")
    return len(json.loads((ann / "instance_train.json").read_text())["categories"])


def build(data, out, args, num_classes):
    """ppdet config of the model for this run (see the module docstring for what differs from the recipe)."""
    from paddlex_train.backends.paddledet.config import DetSettings, build_config

    settings = DetSettings(epochs=1, batch_size=args.batch_size, learning_rate=args.lr, warmup_steps=args.warmup,
                           log_interval=10, num_classes=num_classes, target_size=[args.size, args.size],
                           save_dir=str(out))
    cfg = build_config(MODEL, data, settings)
    reader = cfg["TrainReader"]
    reader["sample_transforms"] = [op for op in reader["sample_transforms"] if list(op)[0] not in RANDOM_OPS]
    cfg["use_ema"] = False
    cfg["MaskDINOLoss"]["num_sample_points"] = args.points
    cfg["MaskHungarianMatcher"]["num_sample_points"] = args.points
    cfg["MaskRTDETR"]["num_queries"] = args.queries
    return cfg


def train(cfg, iters, seed):
    """Plain dygraph loop over the configured reader, optimizer and schedule; returns (model, losses)."""
    import numpy as np
    import paddle
    from ppdet.core.workspace import create

    paddle.seed(seed)
    np.random.seed(seed)
    model = create(cfg.architecture)
    loader = create("TrainReader")(cfg["TrainDataset"], 0)
    steps_per_epoch = len(loader)
    lr = create("LearningRate")(steps_per_epoch)
    optimizer = create("OptimizerBuilder")(lr, model)
    model.train()
    losses = []
    while len(losses) < iters:
        for batch in loader:
            out = model(batch)
            out["loss"].backward()
            optimizer.step()
            optimizer.clear_grad()
            lr.step()
            losses.append(float(out["loss"]))
            if len(losses) % 10 == 0:
                print(f"iter {len(losses)} loss {np.mean(losses[-10:]):.3f} mask {float(out['loss_mask']):.3f} "
                      f"dice {float(out['loss_dice']):.3f} class {float(out['loss_class']):.3f}", flush=True)
            if len(losses) >= iters:
                break
    return model, losses


def evaluate(model, cfg, out):
    """Mask and box AP50 of the model on the eval split (ppdet's COCOMetric, batch 1 as the recipe requires)."""
    import paddle
    from ppdet.core.workspace import create
    from ppdet.metrics import COCOMetric

    dataset = cfg["EvalDataset"]
    loader = create("EvalReader")(dataset, 0)
    anno = str(Path(dataset.dataset_dir) / dataset.anno_path)
    metric = COCOMetric(anno_file=anno, clsid2catid={v: k for k, v in dataset.catid2clsid.items()},
                        output_eval=str(out), IouType="bbox")
    model.eval()
    with paddle.no_grad():
        for batch in loader:
            metric.update(batch, model(batch))
    metric.accumulate()
    stats = metric.get_results()
    return {"mask_ap50": float(stats["mask"][1]), "bbox_ap50": float(stats["bbox"][1])}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=4)
    parser.add_argument("--size", type=int, default=320)
    parser.add_argument("--iters", type=int, default=300)
    parser.add_argument("--batch_size", type=int, default=2)
    parser.add_argument("--lr", type=float, default=2e-4)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--points", type=int, default=1024)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None, help="work folder (default: a temporary one, deleted)")
    args = parser.parse_args(argv)

    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
    import numpy as np

    import paddlex_train.backends.paddledet  # noqa: F401  (paddle, compat patches, model registration)

    work = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="mask_rtdetr_learns_"))
    try:
        data = work / "data"
        num_classes = make_data(data, args.images, args.size, args.seed)
        cfg = build(data, work / "out", args, num_classes)
        start = time.time()
        model, losses = train(cfg, args.iters, args.seed)
        train_s = time.time() - start
        ap = evaluate(model, cfg, work / "out")
        first, last = float(np.mean(losses[:10])), float(np.mean(losses[-10:]))
        result = {"model": MODEL, "images": args.images, "size": args.size, "iters": len(losses), "lr": args.lr,
                  "points": args.points, "queries": args.queries, "loss_first10": round(first, 4),
                  "loss_last10": round(last, 4), "ratio": round(last / first, 4), "train_s": round(train_s, 1), **ap}
        print(json.dumps(result))
        return 0 if last <= 0.5 * first and ap["mask_ap50"] > 0 else 1
    finally:
        if not args.out:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
