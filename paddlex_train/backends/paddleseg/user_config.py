"""Train.basic_config_path for semantic models: a user's own PaddleSeg config replaces the shipped arch file.

The file is PaddleSeg 2.8 config syntax (what `tools/train.py --config` reads), `_base_` inheritance included.
Only its architecture matters here: `model` (required; its type must be a PaddleSeg model), and, when present,
`loss`, `optimizer`, `lr_scheduler` and the transforms of `train_dataset`/`val_dataset`; a section it lacks comes
from the shipped arch file of Global.model. The module keys still apply on top, as for the shipped file
(archs.build_suite_config: dataset paths, num_classes, iterations, batch size, learning rate, warm-up, input size).
"""
import copy
from pathlib import Path

import yaml

from ...errors import ConfigError
from ...registry import did_you_mean

KEY = "Train.basic_config_path"
ARCH_SECTIONS = ("model", "loss", "optimizer", "lr_scheduler")


def _merge(base, child):
    """`child` over `base`, recursively for mappings unless the child says `_inherited_: False` (PaddleSeg's
    _base_ rule)."""
    out = copy.deepcopy(base)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and value.get("_inherited_", True):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
        if isinstance(out[key], dict):
            out[key].pop("_inherited_", None)
    return out


def read_config(path, seen=()):
    """The dict of a PaddleSeg config file with its `_base_` chain merged, or ConfigError naming the file."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise ConfigError(f"{KEY}={path} does not exist.", hint="give the path of your PaddleSeg model config (.yml)")
    if path.resolve() in seen:
        raise ConfigError(f"{KEY}: {path} includes itself through _base_.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise ConfigError(f"{KEY}={path} is not valid YAML ({' '.join(str(e).split())[:160]}).") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{KEY}={path} must be a mapping of PaddleSeg config sections.")
    base = data.pop("_base_", None)
    if base:
        data = _merge(read_config(path.parent / base, (*seen, path.resolve())), data)
    return data


def _check_model(model, path, registered):
    if not isinstance(model, dict) or "type" not in model:
        raise ConfigError(f"{KEY}={path} has no `model` section with a `type`: it must be a PaddleSeg model config.",
                          hint="e.g. model: {type: PPLiteSeg, backbone: {type: STDC1}, ...}")
    if model["type"] not in registered:
        raise ConfigError(f"{KEY}={path}: model type {model['type']!r} is not a PaddleSeg segmentation model."
                          f"{did_you_mean(model['type'], registered)}",
                          hint="semantic segmentation needs a PaddleSeg config (PaddleDetection configs are for "
                               "instance models)")


def load_user_arch(path, shipped):
    """The arch dict from the user's file, sections it lacks taken from `shipped` (the model's own arch dict).

    Raises:
        ConfigError: missing or unreadable file, no `model` section, a model type PaddleSeg does not register,
            or a PaddleDetection config (has `architecture`).
    """
    from paddleseg.cvlibs import manager

    data = read_config(path)
    if "architecture" in data and "model" not in data:
        raise ConfigError(f"{KEY}={path} is a PaddleDetection config; semantic segmentation models need a PaddleSeg "
                          f"config (with a `model` section).")
    _check_model(data.get("model"), path, list(manager.MODELS.components_dict))
    arch = {k: copy.deepcopy(v) for k, v in shipped.items() if k != "model"}
    for section in ARCH_SECTIONS:
        if section in data:
            arch[section] = data[section]
    for split in ("train_dataset", "val_dataset"):
        transforms = (data.get(split) or {}).get("transforms")
        if transforms:
            arch[split] = {"transforms": transforms}
    return arch


def built_model(builder, path):
    """builder.model, with PaddleSeg's failure to build the user's model turned into one ConfigError line."""
    try:
        return builder.model
    except Exception as e:  # PaddleSeg raises anything from TypeError to AssertionError for bad model arguments
        raise ConfigError(f"{KEY}={path}: PaddleSeg could not build its model ({type(e).__name__}: "
                          f"{' '.join(str(e).split())[:200]}).", hint="check the `model` section's arguments") from None
