"""Build a ppdet config from one architecture file (archs/<Model>.yml) and the module config's intent.

ppdet keeps its configuration in a process-global dict (`ppdet.core.workspace.global_config`) that every
`load_config` call merges into. Loading two models in one process would leak keys (e.g. ResNeXt `groups`) from
the first into the second, so `load_arch` restores the pristine registry before each load.
"""
import copy
import json
import os
from dataclasses import dataclass
from pathlib import Path

from ...errors import ConfigError, DatasetError, UnsupportedError

ARCH_DIR = Path(__file__).resolve().parent / "archs"

_PRISTINE = None


@dataclass
class DetSettings:
    """What the module config asks of ppdet, in the backend's terms.

    Attributes:
        epochs: training epochs (Train.epochs_iters).
        batch_size: images per device per step.
        learning_rate: base learning rate.
        warmup_steps: linear warm-up iterations (0 disables warm-up).
        log_interval: log every N iterations.
        eval_interval: evaluate and save every N epochs.
        num_classes: classes of the model (checked against the data set).
        pretrain_weights: local .pdparams path or None.
        device_type: 'cpu', 'gpu', 'xpu', 'npu' or 'mlu'.
        target_size: [h, w] resize target replacing the architecture's (None keeps it).
        save_dir: output directory.
        arch_file: Train.basic_config_path, a user's PaddleDetection config merged over the shipped one, or None.
    """

    epochs: int = 1
    batch_size: int = 2
    learning_rate: float = 0.01
    warmup_steps: int = 0
    log_interval: int = 10
    eval_interval: int = 1
    num_classes: int = 2
    pretrain_weights: str = None
    device_type: str = "cpu"
    target_size: list = None
    save_dir: str = "output"
    arch_file: str = None


def available_models():
    """Names of the models that have an architecture file."""
    return sorted(p.stem for p in ARCH_DIR.glob("*.yml"))


def arch_path(model):
    """The architecture file of `model`; models without one raise UnsupportedError ("not available yet")."""
    path = ARCH_DIR / f"{model}.yml"
    if not path.is_file():
        raise UnsupportedError(
            f"Model {model!r} is not available yet in this toolkit: PaddleDetection 2.6 (ppdet) has no "
            f"implementation of it, and it has no architecture file ({path.name}).",
            hint="available instance-segmentation models: " + ", ".join(available_models()))
    return path


def _snapshot_registry():
    """Remember the registered module schemas before any config is merged into them."""
    from ppdet.core import workspace

    global _PRISTINE
    if _PRISTINE is None:
        _PRISTINE = {k: copy.deepcopy(dict(v)) for k, v in workspace.global_config.items()
                     if isinstance(v, workspace.SchemaDict)}


def reset_workspace():
    """Restore ppdet's global config to the registered schemas only (drops every merged config key)."""
    from ppdet.core import workspace

    _snapshot_registry()
    gc = workspace.global_config
    for key in list(gc.keys()):
        if key in _PRISTINE and isinstance(gc[key], workspace.SchemaDict):
            dict.clear(gc[key])
            dict.update(gc[key], copy.deepcopy(_PRISTINE[key]))
        else:
            del gc[key]


def load_arch(model, user_file=None):
    """Load the architecture file of `model` into a fresh ppdet global config and return it; `user_file`
    (Train.basic_config_path) is merged on top and validated (user_config.py)."""
    from ppdet.core.workspace import load_config

    path = arch_path(model)
    reset_workspace()
    cfg = load_config(str(path))
    if user_file:
        from .user_config import merge_user_config

        cfg = merge_user_config(user_file)
    cfg["pxt_model_name"] = model
    return cfg


def dataset_categories(dataset_dir):
    """Category names (sorted by id, as ppdet maps them to class indices) of the train annotations."""
    ann = Path(dataset_dir) / "annotations" / "instance_train.json"
    if not ann.is_file():
        raise DatasetError(f"{ann} does not exist.",
                           hint="run check_dataset; the COCO layout needs annotations/instance_{train,val}.json")
    try:
        data = json.loads(ann.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DatasetError(f"{ann} is not valid JSON ({exc}).", hint="run check_dataset on the data set") from None
    cats = sorted(data.get("categories") or [], key=lambda c: c.get("id", 0))
    return [str(c.get("name", c.get("id"))) for c in cats]


def check_num_classes(dataset_dir, num_classes):
    """Raise ConfigError when Train.num_classes differs from the data set's category count; return the names."""
    names = dataset_categories(dataset_dir)
    if len(names) != num_classes:
        ann = Path(dataset_dir) / "annotations" / "instance_train.json"
        raise ConfigError(
            f"Train.num_classes={num_classes} but {ann} has {len(names)} categories ({', '.join(names[:10])}).",
            hint=f"set -o Train.num_classes={len(names)}")
    return names


def _set_resize(reader, target_size):
    """Replace the resize target of one reader with a fixed [h, w] (keep_ratio stays as configured)."""
    for op in (reader.get("sample_transforms") or []) + (reader.get("batch_transforms") or []):
        if "RandomResize" in op:
            op["RandomResize"]["target_size"] = [list(target_size)]
        elif "BatchRandomResize" in op:  # DETR-style multi-scale readers (Mask-RT-DETR)
            op["BatchRandomResize"]["target_size"] = [list(target_size)]
        elif "Resize" in op:
            op["Resize"]["target_size"] = list(target_size)


def _scale_schedule(cfg, s):
    """Fit the 12-epoch 1x schedule to s.epochs; honour Train.warmup_steps (0 disables the warm-up)."""
    from ppdet.optimizer.optimizer import CosineDecay, LinearWarmup, PiecewiseDecay

    lr = cfg["LearningRate"]
    lr["base_lr"] = float(s.learning_rate)
    base_epochs = cfg.get("epoch", 12)
    schedulers = []
    for sch in lr["schedulers"]:
        if isinstance(sch, PiecewiseDecay) and sch.milestones:
            # Same relative milestones (8/12, 11/12) on the requested epoch count.
            sch.milestones = sorted({max(1, round(m * s.epochs / base_epochs)) for m in sch.milestones})
            sch.milestones = [m for m in sch.milestones if m < s.epochs] or [s.epochs]
        if isinstance(sch, CosineDecay):  # same cosine shape (PP-YOLOE-seg: 96 over 80 epochs) on s.epochs
            sch.max_epochs = max(1, round(sch.max_epochs * s.epochs / base_epochs))
        if isinstance(sch, (PiecewiseDecay, CosineDecay)) and s.warmup_steps <= 0:
            sch.use_warmup = False  # ppdet reads the warm-up from schedulers[1] only when this is set
        if isinstance(sch, LinearWarmup):
            if s.warmup_steps <= 0:
                continue
            sch.steps = int(s.warmup_steps)
            sch.epochs = None
        schedulers.append(sch)
    lr["schedulers"] = schedulers
    cfg["epoch"] = int(s.epochs)


def build_config(model, dataset_dir, settings):
    """Return the ppdet config of `model` trained/evaluated on `dataset_dir` with `settings` (a DetSettings)."""
    cfg = load_arch(model, settings.arch_file)
    root = str(Path(dataset_dir).resolve())
    for key in ("TrainDataset", "EvalDataset", "TestDataset"):
        ds = cfg[key]
        ds.dataset_dir = root  # anno_path stays relative to it, as the arch file says
    cfg["num_classes"] = int(settings.num_classes)
    for dev in ("gpu", "xpu", "npu", "mlu"):
        cfg[f"use_{dev}"] = settings.device_type == dev
    cfg["log_iter"] = int(settings.log_interval)
    cfg["snapshot_epoch"] = int(settings.eval_interval)
    cfg["save_dir"] = str(settings.save_dir)
    cfg["TrainReader"]["batch_size"] = int(settings.batch_size)
    cfg["pretrain_weights"] = settings.pretrain_weights
    if not settings.pretrain_weights and "ResNet" in cfg:
        # Frozen BN statistics are only meaningful with pretrained weights: from a random init they are mean 0 /
        # var 1, activations blow up through the 50+ layers and the loss diverges within a few steps
        # (loss_mask in the thousands). Train BN instead when there is nothing pretrained to keep.
        cfg["ResNet"]["freeze_norm"] = False
    cfg["worker_num"] = int(os.environ.get("PXT_DET_WORKERS", "0"))
    if settings.target_size:
        for reader in ("TrainReader", "EvalReader", "TestReader"):
            _set_resize(cfg[reader], settings.target_size)
        if cfg.get("eval_size"):  # anchors baked for eval_size must match the inference size (PP-YOLOE-seg)
            if any(int(v) % 32 for v in settings.target_size):
                raise ConfigError(f"input_shape={list(settings.target_size)}: {model} needs a height and width that "
                                  f"are multiples of 32 (its anchors are laid out on the stride-32 grid).",
                                  hint="e.g. -o Train.input_shape=[640,640] (or Export.input_shape)")
            cfg["eval_size"] = list(settings.target_size)
            cfg["TestReader"].setdefault("inputs_def", {})["image_shape"] = [3, *settings.target_size]
    _scale_schedule(cfg, settings)
    return cfg


def target_size_from(config_section):
    """[h, w] from Train/Export.input_shape ([h, w] or [1, 3, h, w]); None when unset."""
    shape = config_section.get("input_shape") if config_section else None
    if not shape:
        return None
    if len(shape) == 4:
        return [int(shape[2]), int(shape[3])]
    if len(shape) == 2:
        return [int(shape[0]), int(shape[1])]
    raise ConfigError(f"input_shape={shape} must be [h, w] or [1, 3, h, w].", hint="e.g. -o Train.input_shape=[320,320]")
