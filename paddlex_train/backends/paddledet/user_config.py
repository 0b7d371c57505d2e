"""Issue-17 training keys for instance models: Train.amp through ppdet's own AMP, and Train.basic_config_path (a
user's PaddleDetection config merged over the shipped architecture file).

ppdet's Trainer reads `amp` / `amp_level` from its config: O1 runs the forward under paddle.amp.auto_cast with a
GradScaler, O2 also decorates the model and optimizer (float16 weights, float32 master copies). Note: ppdet 2.6
creates its GradScaler inside Trainer.train(), which our session calls once per epoch, so the loss scale restarts
from its initial value every epoch and there is no scaler state to checkpoint on this task.

A user's PaddleDetection config (`_BASE_` chains included, as PaddleDetection's tools/train.py reads them) is
loaded on top of the shipped architecture file, so sections it omits (readers, datasets, optimizer) keep the
shipped values; the module keys then apply on top of both (config.build_config).
"""
from pathlib import Path

from ...errors import ConfigError
from ...registry import did_you_mean

KEY = "Train.basic_config_path"


def apply_train_keys(cfg, train):
    """Write Train.amp into a ppdet config (ppdet's own AMP); OFF leaves it untouched."""
    level = train.get("amp", "OFF")
    if level != "OFF":
        cfg["amp"] = True
        cfg["amp_level"] = level


def _mentions_mask(node):
    """True when an architecture section names a mask or SOLO head (an instance-segmentation model)."""
    text = str(node).lower()
    return "mask" in text or "solo" in text


def _drop_replaced_optimizer(shipped, user):
    """Forget the shipped optimizer's arguments when the user's config names another optimizer type.

    ppdet merges nested dicts key by key, so a user's `optimizer: {type: AdamW, ...}` over the shipped
    `{type: Momentum, momentum: 0.9}` would keep `momentum` and AdamW would refuse it. A different type means a
    different argument list: the user's section then stands alone (a same-type section still merges).
    """
    wanted = ((user.get("OptimizerBuilder") or {}).get("optimizer") or {}).get("type")
    builder = shipped.get("OptimizerBuilder")
    if wanted and builder and (builder.get("optimizer") or {}).get("type") != wanted:
        builder["optimizer"] = {}


def merge_user_config(path):
    """Merge the user's PaddleDetection config into ppdet's global config (already holding the shipped
    architecture) and check that it still describes an instance-segmentation model.

    Raises:
        ConfigError: missing file, a PaddleSeg config, an architecture ppdet does not register, or one without a
            mask head.
    """
    from ppdet.core import workspace

    path = Path(path).expanduser()
    if not path.is_file():
        raise ConfigError(f"{KEY}={path} does not exist.",
                          hint="give the path of your PaddleDetection model config (.yml)")
    try:
        data = workspace._load_config_with_base(str(path))
    except Exception as e:  # YAML errors, a missing _BASE_ file, unknown !tags
        raise ConfigError(f"{KEY}={path} could not be read ({type(e).__name__}: {' '.join(str(e).split())[:160]}).",
                          hint="check the file and the _BASE_ files it names") from None
    if "model" in data and "architecture" not in data:
        raise ConfigError(f"{KEY}={path} is a PaddleSeg config; instance segmentation models need a PaddleDetection "
                          f"config (with an `architecture`).")
    _drop_replaced_optimizer(workspace.global_config, data)
    cfg = workspace.merge_config(dict(data))
    arch = cfg.get("architecture")
    if arch not in cfg:
        known = sorted(k for k, v in cfg.items() if isinstance(v, workspace.SchemaDict) and k[:1].isupper())
        raise ConfigError(f"{KEY}={path}: architecture {arch!r} is not a PaddleDetection model."
                          f"{did_you_mean(arch, known)}")
    if not _mentions_mask(cfg[arch]) and not _mentions_mask({k: cfg.get(v) for k, v in dict(cfg[arch]).items()
                                                             if isinstance(v, str)}):
        raise ConfigError(f"{KEY}={path}: architecture {arch} has no mask head; instance segmentation needs a model "
                          f"that predicts masks (e.g. MaskRCNN, CascadeRCNN with a mask head, SOLOv2).")
    return cfg
