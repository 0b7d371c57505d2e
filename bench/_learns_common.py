"""What the "does it learn" benches (bench/ppyoloe_seg_learns.py, bench/mask_rtdetr_learns.py) share: the command
line, the work folder, a memorisation data set, the ppdet config without random ops, a plain dygraph training loop
and ppdet's COCO evaluation. Everything runs on CPU from random init; paddle/ppdet are imported inside functions."""
import argparse
import contextlib
import json
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def learns_parser(description, images, batch_size, lr, warmup):
    """argparse parser with the options every learns bench takes (the defaults differ per model); the caller adds
    its own options before parsing."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--images", type=int, default=images)
    parser.add_argument("--size", type=int, default=320)
    parser.add_argument("--iters", type=int, default=300)
    parser.add_argument("--batch_size", type=int, default=batch_size)
    parser.add_argument("--lr", type=float, default=lr)
    parser.add_argument("--warmup", type=int, default=warmup)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None, help="work folder (default: a temporary one, deleted)")
    return parser


@contextlib.contextmanager
def work_folder(out, prefix):
    """The --out folder (kept afterwards), or a new temporary folder deleted afterwards."""
    work = Path(out) if out else Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield work
    finally:
        if not out:
            shutil.rmtree(work, ignore_errors=True)


def make_data(root, images, size, seed=0):
    """Synthetic COCO set (`images` train images) whose val split is the train split (a memorisation test);
    returns the class count."""
    from dataset_tools.synthetic_coco import generate

    generate(root, num=images + 1, size=size, seed=seed, val_fraction=1 / (images + 1))
    ann = root / "annotations"
    shutil.copy(ann / "instance_train.json", ann / "instance_val.json")
    return len(json.loads((ann / "instance_train.json").read_text())["categories"])


def memorisation_config(model, data, out, args, num_classes, random_ops):
    """The backend's ppdet config of `model` for this run, minus the train reader's `random_ops` (they make a
    few-image memorisation test needlessly noisy) and with EMA off (evaluation sees the trained weights)."""
    from paddlex_train.backends.paddledet.config import DetSettings, build_config

    settings = DetSettings(epochs=1, batch_size=args.batch_size, learning_rate=args.lr, warmup_steps=args.warmup,
                           log_interval=10, num_classes=num_classes, target_size=[args.size, args.size],
                           save_dir=str(out))
    cfg = build_config(model, data, settings)
    reader = cfg["TrainReader"]
    reader["sample_transforms"] = [op for op in reader["sample_transforms"] if list(op)[0] not in random_ops]
    cfg["use_ema"] = False
    return cfg


def train(cfg, iters, seed, one_cosine=False, batch_fields=None, log_losses=None):
    """Plain dygraph loop over the configured reader, optimizer and schedule; returns (model, losses).

    one_cosine: stretch the first LR scheduler over the whole run (cfg.epoch = the epochs `iters` take).
    batch_fields: extra entries put in every batch (e.g. the epoch id a head reads).
    log_losses: {label: output key} of loss parts printed, as of the last iteration, with every 10th mean loss.
    """
    import numpy as np
    import paddle
    from ppdet.core.workspace import create

    paddle.seed(seed)
    np.random.seed(seed)
    model = create(cfg.architecture)
    loader = create("TrainReader")(cfg["TrainDataset"], 0)
    if one_cosine:
        cfg["epoch"] = max(1, -(-iters // len(loader)))
        cfg["LearningRate"]["schedulers"][0].max_epochs = cfg["epoch"]
    lr = create("LearningRate")(len(loader))
    optimizer = create("OptimizerBuilder")(lr, model)
    model.train()
    losses = []
    while len(losses) < iters:
        for batch in loader:
            batch.update(batch_fields or {})
            out = model(batch)
            out["loss"].backward()
            optimizer.step()
            optimizer.clear_grad()
            lr.step()
            losses.append(float(out["loss"]))
            if len(losses) % 10 == 0:
                parts = "".join(f" {label} {float(out[key]):.3f}" for label, key in (log_losses or {}).items())
                print(f"iter {len(losses)} loss {np.mean(losses[-10:]):.3f}{parts}", flush=True)
            if len(losses) >= iters:
                break
    return model, losses


def evaluate(model, cfg, out):
    """Mask and box AP50 of `model` on the eval split (ppdet's COCOMetric, files written to `out`)."""
    import paddle
    from ppdet.core.workspace import create
    from ppdet.metrics import COCOMetric

    dataset = cfg["EvalDataset"]
    loader = create("EvalReader")(dataset, 0)  # parses the dataset (catid2clsid) first
    metric = COCOMetric(anno_file=str(Path(dataset.dataset_dir) / dataset.anno_path),
                        clsid2catid={v: k for k, v in dataset.catid2clsid.items()}, output_eval=str(out),
                        IouType="bbox")
    model.eval()
    with paddle.no_grad():
        for batch in loader:
            metric.update(batch, model(batch))
    metric.accumulate()
    stats = metric.get_results()
    # ppdet leaves out the mask/bbox entry when the model predicted nothing at all: that is an AP of 0
    return {f"{kind}_ap50": float(stats[kind][1]) if kind in stats else 0.0 for kind in ("mask", "bbox")}
