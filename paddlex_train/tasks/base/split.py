"""The seeded train/val cut shared by the semantic and instance splits (PaddleX shuffles unseeded)."""
import random


def seeded_split(items, train_percent, seed):
    """Shuffle `items` with Random(seed) and cut at round(n * train_percent / 100), keeping both sides non-empty.

    Returns:
        (train, val) lists. Deterministic for the same items, percent and seed.
    """
    items = list(items)
    random.Random(seed).shuffle(items)
    n = len(items)
    cut = int(round(n * train_percent / 100))
    if n >= 2:
        cut = min(max(cut, 1), n - 1)
    return items[:cut], items[cut:]
