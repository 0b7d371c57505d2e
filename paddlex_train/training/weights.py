"""Pretrained / checkpoint weight files: URL or local path, and a key-by-key comparison report.

A pretrained file is either a whole model or a backbone only (PaddleX's semantic `*_backbone_imagenet_pretrained`
files: backbone keys without the `backbone.` prefix); plan_load tells which from the keys.
"""
import warnings
from pathlib import Path

from ..errors import ConfigError
from ..utils.download import DownloadError, cache_root, fetch_cached, is_url

MAX_WEIGHT_BYTES = 4 << 30
PRETRAIN_KEY = "Train.pretrain_weight_path"
BACKBONE_PREFIX = "backbone."


def resolve_weight_file(value, key, what="pretrained weights", model=None):
    """Return a local file for `value` (URL → downloaded once into the cache; local path → checked).

    Args:
        value: URL or path from the config.
        key: the config key it came from, for error messages ('Train.pretrain_weight_path').
        what: what the file is, for messages.
        model: Global.model, for the pre-fetch command in the offline hint.

    Raises:
        DownloadError: the URL cannot be downloaded (offline, HTTP error); the hint lists the ways out.
        ConfigError: the local file does not exist.
    """
    if is_url(value):
        try:
            return fetch_cached(value, what=what, max_bytes=MAX_WEIGHT_BYTES)
        except DownloadError as e:
            raise DownloadError(f"{key}: {e.message}", hint=offline_hint(key, model)) from None
    path = Path(value).expanduser()
    if path.is_dir() and (path / "model.pdparams").is_file():
        path = path / "model.pdparams"
    if not path.is_file():
        raise ConfigError(f"{key}={value}: file not found.",
                          hint="give a .pdparams file, its directory, a URL, or null for random initialisation")
    return path.resolve()


def offline_hint(key, model=None):
    """What to do when a weight URL cannot be fetched: a local file, a pre-filled cache, or (training) none."""
    fetch = f"python main.py --download_weights {model or '<Model>'}"
    text = (f"fetch the file elsewhere and give its local path (-o {key}=/path/to/model.pdparams), or pre-fill "
            f"the cache {cache_root()} "
            f"({fetch} on a connected machine, then copy the folder; PADDLEX_TRAIN_CACHE moves it)")
    if key == PRETRAIN_KEY:
        text += f", or -o {key}=null to train from scratch"
    return text


def prefetch_pretrained(train_section, model=None):
    """Resolve Train.pretrain_weight_path now (a URL is downloaded into the cache).

    Called by the train template before any work and before a multi-process relaunch, so an offline run stops at
    once with one line, and the ranks find the file in the cache instead of all downloading it.
    """
    value = train_section.get("pretrain_weight_path")
    if value and not train_section.get("resume_path"):
        return resolve_weight_file(value, PRETRAIN_KEY, model=model)
    return None


def compare_keys(model_shapes, loaded_shapes):
    """Compare a model's parameter shapes with a weight file's.

    Args:
        model_shapes: {name: shape tuple} of the model.
        loaded_shapes: {name: shape tuple} of the file.

    Returns:
        dict with `matched` (names loaded), `missing` (in the model, not in the file), `unexpected` (in the file,
        not in the model) and `mismatched` ({name: (file shape, model shape)}).
    """
    matched, mismatched = [], {}
    for name, shape in loaded_shapes.items():
        if name in model_shapes:
            if tuple(shape) == tuple(model_shapes[name]):
                matched.append(name)
            else:
                mismatched[name] = (tuple(shape), tuple(model_shapes[name]))
    return {"matched": matched, "missing": sorted(set(model_shapes) - set(loaded_shapes)),
            "unexpected": sorted(set(loaded_shapes) - set(model_shapes)), "mismatched": mismatched}


def describe(report, limit=5):
    """One line summarising a compare_keys report, listing a few names of each problem kind."""
    def few(names):
        names = list(names)
        return ", ".join(names[:limit]) + (f" (+{len(names) - limit} more)" if len(names) > limit else "")

    parts = [f"{len(report['matched'])} tensors loaded"]
    for kind in ("missing", "unexpected", "mismatched"):
        if report[kind]:
            parts.append(f"{len(report[kind])} {kind}: {few(report[kind])}")
    return "; ".join(parts)


def plan_load(model_shapes, file_shapes, prefix=BACKBONE_PREFIX):
    """Decide from the keys whether a weight file is a whole model or a backbone only, and what loads where.

    Args:
        model_shapes: {name: shape} of the model.
        file_shapes: {name: shape} of the file.
        prefix: the model's backbone prefix; a file whose keys fit better under it is a backbone-only file.

    Returns:
        dict with `layout` ('whole model' or 'backbone only'), `prefix` to put before the file's keys ('' or
        `prefix`), and the compare_keys `report` in model names (for a backbone file: missing = backbone tensors
        the file lacks; the rest of the model is in `not_covered`, the count of tensors left at their init).
    """
    whole = compare_keys(model_shapes, file_shapes)
    plan = {"layout": "whole model", "prefix": "", "report": whole, "not_covered": len(whole["missing"])}
    backbone = {k: v for k, v in model_shapes.items() if k.startswith(prefix)}
    if backbone:
        shifted = compare_keys(model_shapes, {prefix + k: v for k, v in file_shapes.items()})
        if len(shifted["matched"]) > len(whole["matched"]):
            rest = len(model_shapes) - len(backbone)
            shifted["missing"] = [k for k in shifted["missing"] if k.startswith(prefix)]
            plan = {"layout": "backbone only", "prefix": prefix, "report": shifted, "not_covered": rest}
        elif whole["matched"] and all(k.startswith(prefix) for k in file_shapes):
            # a backbone file already in model names (e.g. after a model's convert_state_dict added the prefix)
            whole["missing"] = [k for k in whole["missing"] if k.startswith(prefix)]
            plan = {"layout": "backbone only", "prefix": "", "report": whole,
                    "not_covered": len(model_shapes) - len(backbone)}
    return plan


def describe_load(source, plan, what="pretrained weights"):
    """The train.log line saying what loaded into what, e.g. `Loaded pretrained weights X (backbone only) into
    model.backbone: 212 of 212 backbone tensors; the other 30 model tensors keep their initialisation`."""
    report = plan["report"]
    if plan["layout"] == "backbone only":
        total = len(report["matched"]) + len(report["missing"]) + len(report["mismatched"])
        head = (f"Loaded {what} {source} (backbone only) into model.{BACKBONE_PREFIX.rstrip('.')}: "
                f"{len(report['matched'])} of {total} backbone tensors; the other {plan['not_covered']} model "
                f"tensors keep their initialisation")
    else:
        head = f"Loaded {what} {source} (whole model) into the model: {len(report['matched'])} tensors"
    details = describe(report).split("; ")[1:]
    if report["mismatched"]:
        details = [d.replace("mismatched:", "of another shape, skipped (class-dependent head?):", 1)
                   for d in details]
    return "; ".join([head] + details)


def require_fit(plan, value, model_name, key=PRETRAIN_KEY):
    """ConfigError when not one tensor of the file fits the model (the wrong model's file, or not weights)."""
    if not plan["report"]["matched"]:
        raise ConfigError(f"{key}={value}: none of its tensors fit {model_name}, neither as a whole model nor "
                          f"as its backbone.", hint=f"use weights of {model_name} (or its backbone), or null to "
                                                     "train from scratch")


def load_pretrained(model, state, source, log, model_name, value=None, what="pretrained weights"):
    """Load a pretrained state dict into a paddle Layer, as a whole model or into its backbone (plan_load).

    Tensors of another shape (a head for another class count) are skipped; the train.log line says what loaded
    into what. A model's `convert_state_dict` hook (released checkpoints with other key names) is applied first.

    Raises:
        ConfigError: the file is not a state dict, or none of its tensors fit the model.
    """
    if not isinstance(state, dict):
        raise ConfigError(f"{PRETRAIN_KEY}={value or source} is not a PaddlePaddle state dict (.pdparams).",
                          hint="give a .pdparams file of the model or of its backbone")
    convert = getattr(model, "convert_state_dict", None)
    if callable(convert):
        state = convert(state)
    shapes = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    plan = plan_load(shapes, {k: tuple(v.shape) for k, v in state.items() if hasattr(v, "shape")})
    require_fit(plan, value or source, model_name)
    matched = set(plan["report"]["matched"])
    with warnings.catch_warnings():  # paddle warns once per tensor not in the dict; the log line says it all
        warnings.filterwarnings("ignore", message="Skip loading for")
        model.set_state_dict({plan["prefix"] + k: v for k, v in state.items() if plan["prefix"] + k in matched})
    log(describe_load(source, plan, what))
    return plan
