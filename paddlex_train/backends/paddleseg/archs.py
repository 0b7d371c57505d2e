"""Architecture files (archs/<Model>.yaml, PaddleSeg 2.8 syntax) and the full PaddleSeg config built from them.

An arch file holds `model`, `loss`, `optimizer`, `lr_scheduler`, `train_dataset.transforms` and
`val_dataset.transforms` as published for the model, plus optional keys of ours:
    export: {input_shape: [1, 3, H, W]}   fixed export shape (MaskFormer/Swin cannot export dynamic H/W)
Everything that depends on the user's run (dataset, classes, iterations, batch size, lr, warm-up, crop size)
is filled in by `build_suite_config` from the module config. Extra models (e.g. SeaFormer) register their
components in `paddlex_train.backends.paddleseg.models` and add an arch file here; nothing else changes.
"""
import copy
from pathlib import Path

import yaml

from ...errors import ConfigError, UnsupportedError
from ...registry import did_you_mean

ARCH_DIR = Path(__file__).resolve().parent / "archs"
OUR_KEYS = ("export",)  # keys of ours that PaddleSeg's Config must not see


def available():
    """Sorted model names that have an arch file."""
    return sorted(p.stem for p in ARCH_DIR.glob("*.yaml"))


def load_arch(model_name, user_file=None):
    """The arch dict of `model_name` (a deep copy), or UnsupportedError naming the models that exist.

    `user_file` (Train.basic_config_path) replaces the shipped file's architecture (user_config.py)."""
    if user_file:
        from .user_config import load_user_arch

        return load_user_arch(user_file, load_arch(model_name))
    path = ARCH_DIR / f"{model_name}.yaml"
    if not path.is_file():
        names = available()
        raise UnsupportedError(f"No PaddleSeg architecture for Global.model={model_name!r}."
                               f"{did_you_mean(model_name, names)}",
                               hint=f"architectures live in {ARCH_DIR}; available: {', '.join(names)}")
    with open(path, encoding="utf-8") as f:
        return copy.deepcopy(yaml.safe_load(f))


def _set_everywhere(node, key, value):
    """Set `key` to `value` in every mapping of a nested dict/list that already has it."""
    if isinstance(node, dict):
        if key in node:
            node[key] = value
        for child in node.values():
            _set_everywhere(child, key, value)
    elif isinstance(node, list):
        for child in node:
            _set_everywhere(child, key, value)


def _apply_input_shape(transforms, width, height):
    """Make size-bearing transforms produce `width` x `height` inputs (Train.input_shape / tests on tiny images)."""
    for t in transforms:
        if "crop_size" in t:
            t["crop_size"] = [width, height]
        if "target_size" in t:
            t["target_size"] = [width, height]
        if "short_size" in t:
            t["short_size"] = min(width, height)
            t.pop("max_size", None)


def build_suite_config(model_name, dataset_dir, num_classes, iters=None, batch_size=None, learning_rate=None,
                       warmup_steps=0, input_shape=None, arch_file=None):
    """The complete PaddleSeg config dict for one run.

    Args:
        model_name: Global.model (selects archs/<model_name>.yaml).
        dataset_dir: SegDataset root holding train.txt and val.txt.
        num_classes: written to every `num_classes` key (model, losses, transforms) and added to the model.
        iters, batch_size, learning_rate: Train.* values (None keeps the arch's).
        warmup_steps: Train.warmup_steps; > 0 adds a linear warm-up of that length, 0 removes the arch's warm-up.
        input_shape: [1, 3, H, W] as the config loader stores Train.input_shape (None keeps the arch's sizes;
            applied to train and val). A two-number list here is PaddleSeg's [width, height] (benches only).
        arch_file: Train.basic_config_path, a user's PaddleSeg config replacing the shipped arch (None: shipped).

    Returns:
        (suite_dict, extras) where extras holds our keys (e.g. `export`).
    """
    arch = load_arch(model_name, arch_file)
    extras = {k: arch.pop(k) for k in OUR_KEYS if k in arch}
    for section in ("model", "loss", "optimizer", "lr_scheduler"):
        if section not in arch:
            raise ConfigError(f"Architecture file {ARCH_DIR / (model_name + '.yaml')} has no `{section}` section.")
    root = str(Path(dataset_dir).resolve())
    cfg = copy.deepcopy(arch)
    train_tf = cfg.get("train_dataset", {}).get("transforms", [{"type": "Normalize"}])
    val_tf = cfg.get("val_dataset", {}).get("transforms", [{"type": "Normalize"}])
    if input_shape:
        width, height = (input_shape[3], input_shape[2]) if len(input_shape) == 4 else input_shape[:2]
        _apply_input_shape(train_tf, width, height)
        _apply_input_shape(val_tf, width, height)
    common = {"type": "Dataset", "dataset_root": root, "num_classes": num_classes,
              "train_path": str(Path(root) / "train.txt"), "val_path": str(Path(root) / "val.txt")}
    cfg["train_dataset"] = dict(common, mode="train", transforms=train_tf)
    cfg["val_dataset"] = dict(common, mode="val", transforms=val_tf)
    cfg["model"]["num_classes"] = num_classes
    _set_everywhere(cfg, "num_classes", num_classes)
    _set_everywhere(cfg["model"], "pretrained", None)  # our loader handles weights: PaddleSeg never downloads
    for t in train_tf:  # MaskFormer's target generator needs the class count too
        if t.get("type") == "GenerateInstanceTargets":
            t["num_classes"] = num_classes
    for loss in cfg["loss"]["types"]:
        if loss.get("type") == "MaskFormerLoss":
            loss["num_classes"] = num_classes
    cfg["iters"] = int(iters or 1)  # PaddleSeg's Config insists on both, even to build a model for export
    cfg["batch_size"] = int(batch_size or 1)
    lr = cfg["lr_scheduler"]
    if learning_rate is not None:
        lr["learning_rate"] = float(learning_rate)
    start_lr = lr.pop("warmup_start_lr", 0.0)
    lr.pop("warmup_iters", None)
    if warmup_steps:
        lr["warmup_iters"] = int(warmup_steps)
        lr["warmup_start_lr"] = float(start_lr)
    return cfg, extras


def write_suite_config(cfg, path):
    """Write a PaddleSeg config dict as YAML (PaddleSeg's Config reads files only)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    return path
