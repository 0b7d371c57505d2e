"""Per-class statistics of a scanned SegDataset and the class names that go with them."""
import numpy as np

from ....utils.labels import IGNORE_INDEX as IGNORE
from .lists import SPLITS


class ClassStats:
    """Pixel and image counts per class id (0..255) for each split.

    Attributes:
        pixels: {split: (256,) int64 pixel counts}.
        images: {split: (256,) int64 number of labels containing the id}.
    """

    def __init__(self):
        self.pixels = {s: np.zeros(256, np.int64) for s in SPLITS}
        self.images = {s: np.zeros(256, np.int64) for s in SPLITS}

    def add(self, result):
        """Add one PairResult (ignored when its ids are unknown)."""
        if result.ids is None:
            return
        self.pixels[result.split][result.ids] += result.pixels
        self.images[result.split][result.ids] += 1

    def present_ids(self, include_ignore=False):
        """Sorted ids seen in any split."""
        total = sum(self.images.values())
        return [int(i) for i in np.flatnonzero(total) if include_ignore or i != IGNORE]

    def summary(self, names):
        """The extra attributes: num_classes (PaddleX's count), max_label_id, absent ids, per-class counts."""
        ids = self.present_ids()
        max_id = max(ids) if ids else None
        classes = []
        for i in ids:
            entry = {"id": i}
            if i in names:
                entry["name"] = names[i]
            for s in SPLITS:
                entry[f"{s}_images"] = int(self.images[s][i])
                entry[f"{s}_pixels"] = int(self.pixels[s][i])
            classes.append(entry)
        return {
            "num_classes": len(ids),
            "max_label_id": max_id,
            "absent_ids": [i for i in range(max_id + 1) if i not in ids] if max_id is not None else [],
            "ignore_pixels": {s: int(self.pixels[s][IGNORE]) for s in SPLITS},
            "classes": classes,
        }
