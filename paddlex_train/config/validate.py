"""Validate a nested config dict against SCHEMA: unknown keys, types, ranges; fill defaults."""
import copy

from ..device import parse_device
from ..errors import ConfigError
from ..registry import did_you_mean
from .schema import SCHEMA, Key


def all_key_paths(schema=SCHEMA, prefix=""):
    """Every dotted key path the schema knows, e.g. 'Train.epochs_iters'."""
    paths = []
    for name, spec in schema.items():
        path = prefix + name
        if isinstance(spec, dict):
            paths.extend(all_key_paths(spec, path + "."))
        else:
            paths.append(path)
    return paths


def unknown_key_error(path, where=""):
    """ConfigError for an unknown dotted key, suggesting the closest known one."""
    suggestion = did_you_mean(path, all_key_paths())
    if not suggestion:  # a typo in the section name: compare the last part only within known paths
        leaf = path.split(".")[-1]
        suggestion = did_you_mean(leaf, [p for p in all_key_paths() if p.split(".")[-1]], cutoff=0.8)
    return ConfigError(f"Unknown config key {path}{where}.{suggestion}",
                       hint="keys are case-sensitive; see the key table in README.md")


def _coerce(path, value, key: Key):
    """Coerce `value` to the key's type or raise ConfigError."""
    if value is None:
        if key.nullable:
            return None
        raise ConfigError(f"{path} may not be null.", hint=f"set it to a {key.types[0].__name__}")
    if isinstance(value, bool) and bool not in key.types:
        raise ConfigError(f"{path}={value!r} must be a {key.types[0].__name__}, not a boolean.")
    if isinstance(value, tuple):
        value = list(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and key.types == (str,):
        value = str(value)  # e.g. -o Global.output=2024
    if float in key.types and isinstance(value, str):
        try:
            value = float(value)  # YAML 1.1 reads 1e-3 as a string
        except ValueError:
            pass
    if int in key.types and float not in key.types and isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, key.types):
        names = " or ".join(t.__name__ for t in key.types)
        raise ConfigError(f"{path}={value!r} has the wrong type: expected {names}.")
    if float in key.types and int in key.types and not isinstance(value, bool):
        value = float(value)
    if key.check is not None:
        problem = key.check(value)
        if problem:
            raise ConfigError(f"{path}={value!r} {problem}.")
    return value


def validate(raw, schema=SCHEMA, prefix="", source=""):
    """Return a new dict with every schema key present, typed and range-checked.

    Args:
        raw: nested dict as loaded from YAML (+ overrides).
        schema: the (sub)schema to validate against.
        prefix: dotted path of `raw` for messages.
        source: config file name for messages.
    """
    where = f" in {source}" if source else ""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{prefix.rstrip('.') or 'the config'}{where} must be a mapping of keys.")
    for name in raw:
        if name not in schema:
            raise unknown_key_error(prefix + str(name), where)
    out = {}
    for name, spec in schema.items():
        path = prefix + name
        if isinstance(spec, dict):
            out[name] = validate(raw.get(name), spec, path + ".", source)
        elif name in raw:
            out[name] = _coerce(path, raw[name], spec)
        elif spec.default is None and not spec.nullable:
            raise ConfigError(f"{path} is required{where}.")
        else:
            out[name] = copy.deepcopy(spec.default)
    return out


def check_cross_fields(cfg):
    """Rules beyond single-key types: device syntax, split percents summing to 100."""
    parse_device(cfg["Global"]["device"])
    split = cfg["CheckDataset"]["split"]
    if split["enable"]:
        tp, vp = split["train_percent"], split["val_percent"]
        if tp is None or vp is None:
            raise ConfigError("CheckDataset.split.enable=True needs train_percent and val_percent.",
                              hint="e.g. -o CheckDataset.split.train_percent=80 -o CheckDataset.split.val_percent=20")
        if tp + vp != 100:
            raise ConfigError(f"CheckDataset.split.train_percent + val_percent = {tp + vp}, must be 100.",
                              hint=f"e.g. train_percent={tp} val_percent={100 - tp}")


SHAPE_KEYS = (("Train", "input_shape"), ("Export", "input_shape"))


def normalise_shapes(cfg, warn=None):
    """Store Train/Export.input_shape as [1, 3, H, W]: one unambiguous form every backend reads the same way.

    A two-number shape is [height, width] for both tasks (the documented order; semantic configs used to
    read [w, h]). A non-square one is announced through `warn`, so a config written for the old semantic order
    does not train transposed unnoticed.
    """
    for section, key in SHAPE_KEYS:
        shape = cfg[section].get(key)
        if shape and len(shape) == 2:
            height, width = shape
            if height != width and warn is not None:
                warn(f"{section}.{key}={shape} is read as height {height}, width {width} (height first, for "
                     "every task). Swap the numbers if you meant [width, height].")
            cfg[section][key] = [1, 3, height, width]
    return cfg

