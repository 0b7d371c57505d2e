"""PP-YOLOE_seg-S learns: from random init on a few generated images, the total loss halves, then mask AP50 > 0.

Trains the architecture file's model (ppdet config from the backend's build_config, as main.py builds it) on a
seeded synthetic COCO set of --images images at --size px, on CPU, and evaluates mask AP on the same images with
ppdet's COCO metric. The train reader keeps the recipe's ops minus the random distort/expand/crop (they make a
4-image memorisation test needlessly noisy); EMA is off so the evaluation sees the trained weights.

    python bench/ppyoloe_seg_learns.py [--images 4] [--size 320] [--iters 300] [--lr 0.001] [--out DIR]

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

MODEL = "PP-YOLOE_seg-S"
RANDOM_OPS = ("RandomDistort", "RandomExpand", "RandomCrop")


def make_data(root, images, size, seed=0):
    """Synthetic COCO set whose val split is the train split (a memorisation test)."""
    from dataset_tools.synthetic_coco import generate

    generate(root, num=images + 1, size=size, seed=seed, val_fraction=1 / (images + 1))
    ann = root / "annotations"
    shutil.copy(ann / "instance_train.json", ann / "instance_val.json")
    return len(json.loads((ann / "instance_train.json").read_text())["categories"])


def build(data, out, args, num_classes):
    """ppdet config of the model for this run."""
    from paddlex_train.backends.paddledet.config import DetSettings, build_config

    settings = DetSettings(epochs=1, batch_size=args.batch_size, learning_rate=args.lr, warmup_steps=args.warmup,
                           log_interval=10, num_classes=num_classes, target_size=[args.size, args.size],
                           save_dir=str(out))
    cfg = build_config(MODEL, data, settings)
    reader = cfg["TrainReader"]
    reader["sample_transforms"] = [op for op in reader["sample_transforms"] if list(op)[0] not in RANDOM_OPS]
    cfg["use_ema"] = False
    return cfg


def train(cfg, iters, seed):
    """Plain dygraph loop over the configured reader, optimizer and schedule; returns (model, losses)."""
    import numpy as np
    import paddle
    from ppdet.core.workspace import create

    paddle.seed(seed)
    np.random.seed(seed)
    model = create(cfg.architecture)
    dataset = cfg["TrainDataset"]
    loader = create("TrainReader")(dataset, 0)
    steps_per_epoch = len(loader)
    cfg["epoch"] = max(1, -(-iters // steps_per_epoch))
    cfg["LearningRate"]["schedulers"][0].max_epochs = cfg["epoch"]  # one cosine over the whole run
    lr = create("LearningRate")(steps_per_epoch)
    optimizer = create("OptimizerBuilder")(lr, model)
    model.train()
    losses = []
    while len(losses) < iters:
        for batch in loader:
            batch["epoch_id"] = 0
            out = model(batch)
            out["loss"].backward()
            optimizer.step()
            optimizer.clear_grad()
            lr.step()
            losses.append(float(out["loss"]))
            if len(losses) % 10 == 0:
                print(f"iter {len(losses)} loss {np.mean(losses[-10:]):.3f} "
                      f"mask {float(out['loss_mask']):.3f}", flush=True)
            if len(losses) >= iters:
                break
    return model, losses


def evaluate(model, cfg, out):
    """Mask and box AP50 of the model on the eval split (ppdet's COCOMetric)."""
    import paddle
    from ppdet.core.workspace import create
    from ppdet.metrics import COCOMetric

    dataset = cfg["EvalDataset"]
    loader = create("EvalReader")(dataset, 0)
    anno = str(Path(dataset.dataset_dir) / dataset.anno_path)
    metric = COCOMetric(anno_file=anno, clsid2catid=dataset.catid2clsid and
                        {v: k for k, v in dataset.catid2clsid.items()}, output_eval=str(out), IouType="bbox")
    model.eval()
    with paddle.no_grad():
        for batch in loader:
            outputs = model(batch)
            metric.update(batch, {k: v for k, v in outputs.items()})
    metric.accumulate()
    stats = metric.get_results()
    return {"mask_ap50": float(stats["mask"][1]), "bbox_ap50": float(stats["bbox"][1])}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=4)
    parser.add_argument("--size", type=int, default=320)
    parser.add_argument("--iters", type=int, default=300)
    parser.add_argument("--batch_size", type=int, default=2)
    parser.add_argument("--lr", type=float, default=0.001)  # the recipe's; 0.01 diverged
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None, help="work folder (default: a temporary one, deleted)")
    args = parser.parse_args(argv)

    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
    import numpy as np

    import paddlex_train.backends.paddledet  # noqa: F401  (paddle, compat patches, model registration)

    work = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="ppyoloe_seg_learns_"))
    try:
        data = work / "data"
        num_classes = make_data(data, args.images, args.size, args.seed)
        cfg = build(data, work / "out", args, num_classes)
        start = time.time()
        model, losses = train(cfg, args.iters, args.seed)
        train_s = time.time() - start
        if args.out:  # keep the trained weights for a re-evaluation
            import paddle

            paddle.save(model.state_dict(), str(work / "trained.pdparams"))
        ap = evaluate(model, cfg, work / "out")
        first, last = float(np.mean(losses[:10])), float(np.mean(losses[-10:]))
        result = {"images": args.images, "size": args.size, "iters": len(losses), "lr": args.lr,
                  "loss_first10": round(first, 4), "loss_last10": round(last, 4),
                  "ratio": round(last / first, 4), "train_s": round(train_s, 1), **ap}
        print(json.dumps(result))
        return 0 if last <= 0.5 * first and ap["mask_ap50"] > 0 else 1
    finally:
        if not args.out:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
