"""Pretrained / checkpoint weight files: URL or local path, and a key-by-key comparison report."""
from pathlib import Path

from ..errors import ConfigError
from ..utils.download import fetch_cached, is_url

MAX_WEIGHT_BYTES = 4 << 30


def resolve_weight_file(value, key, what="pretrained weights"):
    """Return a local file for `value` (URL → downloaded once into the cache; local path → checked).

    Args:
        value: URL or path from the config.
        key: the config key it came from, for error messages ('Train.pretrain_weight_path').
        what: what the file is, for messages.

    Raises:
        PxtError: the URL cannot be downloaded (offline, HTTP error).
        ConfigError: the local file does not exist.
    """
    if is_url(value):
        return fetch_cached(value, what=what, max_bytes=MAX_WEIGHT_BYTES)
    path = Path(value).expanduser()
    if path.is_dir() and (path / "model.pdparams").is_file():
        path = path / "model.pdparams"
    if not path.is_file():
        raise ConfigError(f"{key}={value}: file not found.",
                          hint="give a .pdparams file, its directory, a URL, or null for random initialisation")
    return path.resolve()


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
