"""Seeded train/val re-split of a SegDataset (PaddleX shuffles unseeded; we take CheckDataset.split.seed)."""
import random
from collections import Counter
from pathlib import Path

from PIL import Image

from ....errors import ConfigError, DatasetError
from ....utils.fs import backup, write_text_atomic
from ....utils.images import IMAGE_EXTS
from ....utils.labels import IGNORE_INDEX
from ...base.split import seeded_split, train_count
from .lists import SPLITS, list_path, resolve_in



def stratified_split(items, classes_of, train_percent, seed):
    """Like seeded_split, but every class gets about its share of val samples (rarest classes served first).

    Args:
        items: the samples.
        classes_of: per item, the set of class ids it contains.
        train_percent: train share in percent.
        seed: shuffle seed (ties are broken in shuffled order, so the result is deterministic).
    """
    rng = random.Random(seed)
    order = list(range(len(items)))
    rng.shuffle(order)
    n = len(items)
    cut = train_count(n, train_percent)
    counts = Counter(c for i in order for c in classes_of[i])
    need = {c: int(round(k * (100 - train_percent) / 100)) or 1 for c, k in counts.items() if k > 1}
    val = []
    rarest = {i: min(classes_of[i], key=lambda c: (counts[c], c)) for i in order if classes_of[i]}
    for i in sorted(order, key=lambda i: counts[rarest[i]] if i in rarest else n + 1):
        if len(val) >= n - cut:
            break
        if i in rarest and need.get(rarest[i], 0) > 0:  # serve each sample's rarest class, rare classes first
            val.append(i)
            for c in classes_of[i]:
                need[c] = need.get(c, 0) - 1
    chosen = set(val)
    val += [i for i in order if i not in chosen][: max(0, n - cut - len(val))]
    chosen = set(val)
    return [items[i] for i in order if i not in chosen], [items[i] for i in order if i in chosen]


def _label_classes(root, line):
    """Class ids present in the label of a list line (empty if it cannot be read)."""
    try:
        with Image.open(resolve_in(root, line.split()[1], None)) as im:
            hist = im.histogram() if im.mode in ("L", "P") else []
    except (OSError, IndexError, ValueError, DatasetError):
        return set()
    return {i for i, v in enumerate(hist[:IGNORE_INDEX]) if v}


def _pool_from_lists(root):
    """Non-blank lines of the existing lists (train first), duplicates dropped; None if no list exists."""
    found = [list_path(root, s) for s in SPLITS if list_path(root, s).is_file()]
    if not found:
        return None
    seen, pool = set(), []
    for path in found:
        for line in path.read_text(encoding="utf-8-sig", errors="replace").splitlines():
            line = " ".join(line.split())
            if line and line not in seen:
                seen.add(line)
                pool.append(line)
    return pool


def _pool_from_folders(root):
    """'images/<x> annotations/<stem>.png' lines for images and labels that share a stem."""
    images_dir, labels_dir = Path(root) / "images", Path(root) / "annotations"
    if not images_dir.is_dir() or not labels_dir.is_dir():
        raise DatasetError(f"{root}: neither train.txt/val.txt nor images/ + annotations/ found, nothing to split.",
                           hint="provide the lists, or put images in images/ and label PNGs with the same "
                                "file stems in annotations/")
    labels = {}
    for p in sorted(labels_dir.rglob("*")):
        if p.is_file() and p.suffix.lower() in IMAGE_EXTS:
            key = p.relative_to(labels_dir).with_suffix("").as_posix()
            if key not in labels or p.suffix.lower() == ".png":  # prefer PNG when a stem has several
                labels[key] = p
    pool = []
    for p in sorted(images_dir.rglob("*")):
        key = p.relative_to(images_dir).with_suffix("").as_posix()
        if p.is_file() and p.suffix.lower() in IMAGE_EXTS and key in labels:
            pool.append(f"{p.relative_to(root).as_posix()} {labels[key].relative_to(root).as_posix()}")
    return pool


def split_dataset(root, train_percent, val_percent, seed=0, logger=None, stratify=False):
    """Re-split `root` into train.txt / val.txt; existing lists are moved to .bak first.

    Args:
        root: data set root.
        train_percent, val_percent: integers > 0 summing to 100.
        seed: shuffle seed.
        logger: optional logger for a one-line summary.
        stratify: balance class presence between train and val (decodes every label once).

    Returns:
        (n_train, n_val).
    """
    if not (train_percent and val_percent and train_percent > 0 and val_percent > 0
            and train_percent + val_percent == 100):
        raise ConfigError(f"split percents train={train_percent}, val={val_percent} are invalid.",
                           hint="each must be > 0 and they must sum to 100")
    root = Path(root)
    pool = _pool_from_lists(root)
    source = "train.txt/val.txt"
    if not pool:
        pool, source = _pool_from_folders(root), "images/ + annotations/ (paired by file stem)"
    if len(pool) < 2:
        raise DatasetError(f"{root}: found {len(pool)} sample(s) in {source}; a split needs at least 2.",
                           hint="add image/label pairs")
    if stratify:
        train, val = stratified_split(pool, [_label_classes(root, line) for line in pool], train_percent, seed)
    else:
        train, val = seeded_split(pool, train_percent, seed)
    for split, lines in (("train", train), ("val", val)):
        path = list_path(root, split)
        backup(path)
        write_text_atomic(path, "\n".join(lines) + "\n")
    if logger:
        logger.info(f"Split {len(pool)} samples from {source}: train {len(train)}, val {len(val)} (seed {seed}); "
                    "previous lists kept as .bak")
    return len(train), len(val)
