"""The config schema: every key a module YAML may hold, its type, range and default.

This table is the single source of truth for config keys; the README's key table is generated from the same
facts. A YAML may omit keys (the defaults below fill them in), but may not add unknown ones.
"""
from dataclasses import dataclass, field

MODES = ("check_dataset", "train", "evaluate", "export", "predict")


@dataclass(frozen=True)
class Key:
    """One config key.

    Attributes:
        types: accepted Python types after coercion (bool is never accepted as int/float).
        default: value used when the YAML omits the key.
        nullable: whether None is allowed.
        check: optional callable(value) -> error text or None, for ranges and enums.
        doc: one line for the README table.
        units: task module -> what the number counts, for keys whose unit depends on the task (shown in the
            README table; the runners of each task must honour it).
    """

    types: tuple
    default: object = None
    nullable: bool = False
    check: object = None
    doc: str = ""
    units: dict = None


def _positive(v):
    return None if v > 0 else "must be > 0"


def _non_negative(v):
    return None if v >= 0 else "must be >= 0"


def _percent(v):
    return None if 0 < v < 100 else "must be between 0 and 100 (exclusive)"


def _unit_interval(v):
    return None if 0 <= v <= 1 else "must be between 0 and 1"


def _mode(v):
    return None if v in MODES else f"must be one of {', '.join(MODES)}"


def _shape(v):
    if not all(isinstance(x, int) and not isinstance(x, bool) and x > 0 for x in v):
        return "must be a list of positive ints, e.g. [512, 512] or [1, 3, 512, 512]"
    if len(v) == 4 and v[1] != 3:
        return "as four numbers must be [N, 3, height, width] (NCHW, 3 colour channels)"
    if len(v) not in (2, 4):
        return "must be [height, width] or [1, 3, height, width]"
    return None


# One order for both tasks: height first, as in the NCHW [1, 3, H, W] form and Export.input_shape. (PaddleSeg's
# crop_size is [w, h]; the semantic backend converts.) The loader stores both keys as [1, 3, H, W].
SHAPE_DOC = "[height, width] or [1, 3, height, width], height first for both tasks"


def _target_size(v):
    if isinstance(v, bool):
        return "must be -1, an int, or [w, h]"
    if isinstance(v, int):
        return None if v == -1 or v > 0 else "must be -1 (original size), a positive int, or [w, h]"
    if len(v) != 2 or not all(isinstance(x, int) and not isinstance(x, bool) and x > 0 for x in v):
        return "must be [w, h] with two positive ints"
    return None


STR, INT, FLOAT, BOOL, LIST = (str,), (int,), (float, int), (bool,), (list,)

# PaddleX's hidden training keys (issue 17): checks and their reasons live in training/train_keys.py
from ..training.train_keys import AMP_DOC, check_amp_level, check_dist_ips, check_export_with_pir  # noqa: E402
DICT = (dict,)


def _tiling_check(path, parser_name):
    """A check that validates `path` with inference.tiling's parser, which raises a ConfigError naming it."""

    def check(value):
        from ..inference import tiling  # lazy: config does not import the inference package at load time

        getattr(tiling, parser_name)(value, path)
        return None

    return check


SLIDE_DOC = ("semantic only: sliding-window inference {crop_size: [w, h], stride: [w, h]} (width first, as "
             "PaddleSeg); overlapping logits averaged; null = whole image")
TTA_DOC = ("semantic only: test-time augmentation {flip_horizontal, flip_vertical, scales: [..]}, logits "
           "averaged; null = none")

SCHEMA = {
    "Global": {
        "model": Key(STR, doc="model name; must match a YAML under configs/modules/"),
        "mode": Key(STR, "check_dataset", check=_mode, doc="check_dataset, train, evaluate, export or predict"),
        "dataset_dir": Key(STR, None, nullable=True, doc="data set root"),
        "device": Key(STR, "gpu:0", doc="cpu, gpu, gpu:0, gpu:0,1 (also xpu/npu/mlu:N; cpu:0,1 = 2 CPU processes)"),
        "output": Key(STR, "output", doc="directory for every artefact of the run"),
        "export_with_pir": Key(BOOL, False, check=check_export_with_pir,
                               doc="PaddleX key: export PIR (Paddle 3) programs; refused on paddle 2.6"),
    },
    "CheckDataset": {
        "convert": {
            "enable": Key(BOOL, False, doc="convert the data set before checking"),
            "src_dataset_type": Key(STR, None, nullable=True, doc="source format, e.g. LabelMe"),
        },
        "split": {
            "enable": Key(BOOL, False, doc="re-split train/val before checking"),
            "train_percent": Key(INT, None, nullable=True, check=_percent, doc="train share, 1..99"),
            "val_percent": Key(INT, None, nullable=True, check=_percent, doc="val share, 1..99; sums to 100"),
            "seed": Key(INT, 0, doc="shuffle seed of the split (ours; PaddleX does not seed)"),
        },
    },
    "Train": {
        "epochs_iters": Key(INT, 500, check=_positive, doc="length of training",
                            units={"semantic_segmentation": "iterations", "instance_segmentation": "epochs"}),
        "num_classes": Key(INT, 2, check=_positive, doc="number of classes"),
        "batch_size": Key(INT, 2, check=_positive, doc="images per device per step"),
        "learning_rate": Key(FLOAT, 0.01, check=_positive, doc="base learning rate"),
        "pretrain_weight_path": Key(STR, None, nullable=True, doc="URL or local .pdparams; null = random init"),
        "warmup_steps": Key(INT, 0, check=_non_negative, doc="linear warm-up steps (honoured)"),
        "resume_path": Key(STR, None, nullable=True, doc="checkpoint dir or model.pdparams to resume"),
        "log_interval": Key(INT, 10, check=_positive, doc="log every N iterations",
                            units={"semantic_segmentation": "iterations", "instance_segmentation": "iterations"}),
        "eval_interval": Key(INT, 100, check=_positive, doc="evaluate and save a checkpoint every N units",
                             units={"semantic_segmentation": "iterations", "instance_segmentation": "epochs"}),
        "seed": Key(INT, 42, doc="random seed"),
        "input_shape": Key(LIST, None, nullable=True, check=_shape,
                           doc=f"training (and evaluation) input size: {SHAPE_DOC}; null = the model's own"),
        "amp": Key(STR, "OFF", check=check_amp_level, doc=AMP_DOC),
        "dy2st": Key(BOOL, False, doc="train through paddle.jit.to_static (semantic models; else a clear error)"),
        "dist_ips": Key(STR, None, nullable=True, check=check_dist_ips,
                        doc="machines of a multi-machine run, e.g. 10.0.0.1,10.0.0.2 (paddle launch --ips)"),
        "uniform_output_enabled": Key(BOOL, True, doc="export inference/ beside every checkpoint (false: "
                                                      "best_model/inference only)"),
        "basic_config_path": Key(STR, None, nullable=True,
                                 doc="your own PaddleSeg/PaddleDetection model config replacing the shipped one"),
    },
    "Evaluate": {
        "weight_path": Key(STR, None, nullable=True, doc="weights to evaluate"),
        "log_interval": Key(INT, 10, check=_positive, doc="log every N images"),
        "slide_window": Key(DICT, None, nullable=True, check=_tiling_check("Evaluate.slide_window",
                                                                           "parse_slide_window"), doc=SLIDE_DOC),
        "tta": Key(DICT, None, nullable=True, check=_tiling_check("Evaluate.tta", "parse_tta"), doc=TTA_DOC),
    },
    "Export": {
        "weight_path": Key(STR, None, nullable=True, doc="weights to export (URL or local)"),
        "input_shape": Key(LIST, None, nullable=True, check=_shape,
                           doc=f"fixed export input size: {SHAPE_DOC}; null = dynamic (semantic) or Train's"),
        "format": Key(STR, "paddle", check=lambda v: None if v in ("paddle", "onnx", "both") else
                      "must be paddle, onnx or both",
                      doc="paddle (inference.pdmodel), onnx (inference.onnx via paddle2onnx) or both"),
        "parity_images": Key(INT, 8, check=_non_negative,
                             doc="images the export's parity check runs (dygraph vs exported); 0 = skip"),
    },
    "Predict": {
        "batch_size": Key(INT, 1, check=_positive, doc="images per inference call"),
        "model_dir": Key(STR, None, nullable=True, doc="exported inference directory"),
        "input": Key(STR + LIST, None, nullable=True, doc="image path, directory, URL or list of them"),
        "target_size": Key(INT + LIST, None, nullable=True, check=_target_size,
                           doc="semantic only: -1, int or [w, h] (PaddleX's order, width first)"),
        "threshold": Key(FLOAT, None, nullable=True, check=_unit_interval,
                         doc="instance only: score threshold (null = inference.yml draw_threshold)"),
        "slide_window": Key(DICT, None, nullable=True, check=_tiling_check("Predict.slide_window",
                                                                           "parse_slide_window"), doc=SLIDE_DOC),
        "tta": Key(DICT, None, nullable=True, check=_tiling_check("Predict.tta", "parse_tta"), doc=TTA_DOC),
        "kernel_option": {
            "run_mode": Key(STR, "paddle", doc="inference engine"),
        },
    },
}

SECTIONS = tuple(SCHEMA)
