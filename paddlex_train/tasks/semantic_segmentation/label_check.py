"""Label ids vs Train.num_classes, checked before the first training (or evaluation) iteration.

PaddleSeg's loss one-hot encodes the label, so an id >= num_classes dies deep inside paddle ("Illegal index value
... one_hot ... not less than depth"), the failure PaddleSeg users report most. We look first: from
check_dataset's result when it is newer than the lists (free), else by a fast scan of the labels' histograms.
No paddle import here.
"""
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

from ...errors import ConfigError
from ...training.distributed import is_worker
from ...utils.labels import IGNORE_INDEX
from ..base.problems import Problems
from .checks.doctor import id_ranges, num_classes_hint
from .checks.lists import list_path, read_list

CHECK_RESULT = "check_dataset_result.json"
_THREADS = 4  # PIL decodes outside the GIL: a few threads make the scan I/O- and decode-bound, not Python-bound


def check_label_ids(dataset_dir, num_classes, output, splits=("train", "val"), log=None, trained=False):
    """Raise ConfigError when a label id of `splits` is >= `num_classes` (255 = ignore is allowed).

    Args:
        dataset_dir: Global.dataset_dir (a SegDataset).
        num_classes: the class count the model has (Train.num_classes, or the trained run's for evaluate).
        output: Global.output, where check_dataset wrote its result.
        splits: the lists the mode reads (train reads both, evaluate reads val).
        log: optional callable for one line saying where the ids came from.
        trained: True for evaluate, where the class count is fixed by the weights (changes the hint).
    """
    if not dataset_dir or not Path(dataset_dir).is_dir():
        return  # the mode's own dataset check says what is missing
    if is_worker():
        return  # a multi-process launch: the parent checked before starting the workers
    root = Path(dataset_dir)
    found = ids_from_check_result(root, output, splits)
    source = f"{Path(output) / CHECK_RESULT}"
    if found is None:
        found, source = scan_label_ids(root, splits), "a scan of the labels"
    if log:
        log(f"Label ids of {root} ({'+'.join(splits)}, from {source}): "
            f"{id_ranges(sorted(found)) if found else 'none'}; Train.num_classes={num_classes}")
    bad = sorted(i for i in found if i >= num_classes)
    if not bad:
        return
    ids = sorted(found)
    where = found[bad[0]]
    hint = num_classes_hint(root, ids)
    if trained:
        hint = f"these weights were trained for {num_classes} classes: evaluate them on data with ids < " \
               f"{num_classes}, or {hint}"
    raise ConfigError(f"label ids {id_ranges(bad)} are >= Train.num_classes={num_classes} (ids present: "
                      f"{id_ranges(ids)}; {where}): the model has outputs 0..{num_classes - 1} only.",
                      hint=hint)


def ids_from_check_result(root, output, splits):
    """{id: where} from <output>/check_dataset_result.json when it describes `root` and is newer than its lists.

    Returns None when there is no usable result (missing, failed, another data set, or older than a list).
    """
    path = Path(output) / CHECK_RESULT
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        same = Path(body["dataset_path"]).resolve() == root.resolve()
        classes = body["attributes"]["classes"]
        lists = [list_path(root, s) for s in splits]
        fresh = all(p.is_file() and p.stat().st_mtime <= path.stat().st_mtime for p in lists)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not (body.get("done_flag") and same and fresh):
        return None
    return {int(c["id"]): f"per {path}" for c in classes
            if any(c.get(f"{s}_images", 0) for s in splits)}


def _ids_of(label):
    """Sorted distinct values of one label file (without 255), or None when it cannot be read as ids."""
    try:
        with Image.open(label) as im:
            if im.mode in ("L", "P"):
                counts = im.histogram()[:256]
                values = [i for i, c in enumerate(counts) if c]
            else:
                arr = np.asarray(im)
                if arr.ndim != 2:
                    return None  # RGB labels: check_dataset's doctor explains those
                values = np.unique(arr).tolist()
    except (OSError, ValueError, SyntaxError):
        return None  # missing or broken files: the data reader names them
    return [int(v) for v in values if v != IGNORE_INDEX]


def scan_label_ids(root, splits):
    """{id: 'first in <label> (<list>:<line>)'} over the labels listed in `splits`."""
    entries = [e for s in splits for e in read_list(root, s, Problems(), require=False).entries]
    found = {}
    with ThreadPoolExecutor(_THREADS) as pool:
        for entry, values in zip(entries, pool.map(_ids_of, [e.label for e in entries])):
            for v in values or ():
                found.setdefault(v, f"first in {entry.label_rel} ({Path(entry.list_file).name}:{entry.line})")
    return found
