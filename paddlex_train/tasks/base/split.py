"""The seeded train/val cut shared by every split: SegDataset and COCO re-splits, the stratified split and the
LabelMe conversion's automatic split (PaddleX shuffles unseeded, and cuts at round() in its splits but at int()
in its instance LabelMe conversion: 6 vs 5 train items of 7; we use one rule everywhere, `train_count`)."""
import random


def train_count(n, train_percent):
    """How many of `n` items go to train: round(n * train_percent / 100), kept within 1..n-1 when n >= 2."""
    cut = int(round(n * train_percent / 100))
    if n >= 2:
        cut = min(max(cut, 1), n - 1)
    return cut


def seeded_split(items, train_percent, seed):
    """Shuffle `items` with Random(seed) and cut at train_count(n, train_percent).

    Returns:
        (train, val) lists. Deterministic for the same items, percent and seed.
    """
    items = list(items)
    random.Random(seed).shuffle(items)
    cut = train_count(len(items), train_percent)
    return items[:cut], items[cut:]
