"""resolve_official_model_dir: a catalogued model's official trained weights, downloaded and exported once.

PaddleX's official inference packages are built for Paddle 3 and do not load on our Paddle 2.6 stack; its
official trained weights do. So the first call downloads the weights into the cache, exports them with our own
exporter (in-process, Global.mode=export, on the CPU: the program does not depend on the device), writes the
official class names into inference.yml, and puts the directory in place as a whole. Later calls return it.

Cache layout: <PADDLEX_TRAIN_CACHE>/official/<Model>/<key>/ with key = hash of the weights URL, the toolkit version
(the exporters' source) and the export settings, so a change of any of them exports again.
"""
import hashlib
import json
import os
import shutil
from importlib import metadata
from pathlib import Path

import yaml
from filelock import FileLock

from ..errors import ConfigError
from ..utils.download import DownloadError, cache_root, effective_url, fetch_cached
from .table import OFFICIAL, official_model

_PACKAGE = Path(__file__).resolve().parent.parent
_EXPORTER_SOURCES = ("backends/paddleseg/export.py", "backends/paddledet/export.py", "official/resolve.py")
MAX_OFFICIAL_BYTES = 4 << 30


def toolkit_version():
    """The toolkit's version as far as exports are concerned: the installed Paddle and our exporters' source."""
    digest = hashlib.sha1()
    for rel in _EXPORTER_SOURCES:
        path = _PACKAGE / rel
        digest.update(path.read_bytes() if path.is_file() else rel.encode())
    try:
        paddle = metadata.version("paddlepaddle")
    except metadata.PackageNotFoundError:
        paddle = "unknown"
    return f"paddle-{paddle}+exporter-{digest.hexdigest()[:12]}"


def export_settings(model_name):
    """The settings an official export is made with (part of the cache key)."""
    from ..catalog import catalog

    entry, official = catalog()[model_name], official_model(model_name)
    module = yaml.safe_load(entry.config_path.read_text(encoding="utf-8")) or {}
    return {"model": model_name, "module": entry.module, "num_classes": official.num_classes,
            "label_set": official.label_set, "export_input_shape": (module.get("Export") or {}).get("input_shape"),
            "device": "cpu"}


def official_cache_dir(model_name):
    """Where the official export of `model_name` lives (or will live) in the cache."""
    url = effective_url(official_model(model_name).url)
    key = json.dumps({"url": url, "toolkit": toolkit_version(), "settings": export_settings(model_name)},
                     sort_keys=True)
    return cache_root() / "official" / model_name / hashlib.sha1(key.encode()).hexdigest()[:16]


def _complete(directory):
    return all((directory / name).is_file() for name in ("inference.yml", "inference.pdmodel", "inference.pdiparams"))


def offline_hint(model_name):
    """How to get an official model onto a machine without network, or do without it."""
    return (f"pre-fill the cache on a connected machine (python main.py --download_weights {model_name}, then copy "
            f"the folder {cache_root()} here or point PADDLEX_TRAIN_CACHE at the copy), or use your own export: "
            f"create_model('{model_name}', model_dir=...) / --model_dir <exported inference dir>")


def fetch_official_weights(model_name):
    """The official weight file of `model_name` in the cache (downloaded if needed); DownloadError when offline."""
    official = official_model(model_name)
    try:
        return fetch_cached(official.url, what="official weights", max_bytes=MAX_OFFICIAL_BYTES)
    except DownloadError as e:
        raise DownloadError(f"No model_dir given for {model_name}, and its official weights cannot be fetched: "
                            f"{e.message}", hint=offline_hint(model_name)) from None


def resolve_official_model_dir(model_name, device=None, log=None):
    """The exported inference directory of `model_name`'s official weights, made once and then reused.

    Args:
        model_name: a catalogued model with official weights (paddlex_train.official.OFFICIAL).
        device: the device the caller will predict on; the export itself is device-independent (made on CPU).
        log: callable(str) for progress lines (None: silent).

    Returns:
        pathlib.Path of the export (inference.yml with the official class names, .pdmodel, .pdiparams).

    Raises:
        ConfigError: the model has no official weights.
        DownloadError: the weights cannot be fetched (offline); one line naming the model and the URL, with the
            ways out (pre-filled cache, own export as model_dir).
    """
    log = log or (lambda message: None)
    if official_model(model_name) is None:
        raise ConfigError(f"{model_name} has no official trained weights.",
                          hint=f"pass an exported inference directory as model_dir; models with official weights: "
                               f"{', '.join(sorted(OFFICIAL))}")
    target = official_cache_dir(model_name)
    if _complete(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):  # two processes asking at once export once
        if _complete(target):
            return target
        weights = fetch_official_weights(model_name)
        log(f"No model_dir given: exporting the official {model_name} weights once into {target}")
        _export(model_name, weights, target)
    return target


def _export(model_name, weights, target):
    """Export `weights` with our exporter into a temporary sibling of `target`, label it, then move it in place."""
    from .. import engine
    from ..catalog import catalog
    from ..config import load_config

    official = official_model(model_name)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        config = load_config(catalog()[model_name].config_path, [
            "Global.mode=export", "Global.device=cpu", f"Global.output={tmp}", "Global.dataset_dir=null",
            f"Export.weight_path={weights}", f"Train.num_classes={official.num_classes}"])
        engine.run(config)
        _write_labels(tmp / "inference.yml", official.labels)
        os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _write_labels(path, labels):
    """Put the official class names into an exported inference.yml (ours: Global.label_names; ppdet: label_list)."""
    body = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(body.get("Global"), dict) and "label_names" in body["Global"]:
        body["Global"]["label_names"] = list(labels)
    else:
        body["label_list"] = list(labels)
    path.write_text(yaml.safe_dump(body, sort_keys=False, allow_unicode=True), encoding="utf-8")
