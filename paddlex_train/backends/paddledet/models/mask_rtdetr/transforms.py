"""Data operators the Mask-RT-DETR recipe needs on ppdet 2.6, as thin wrappers of ppdet's own.

ppdet 2.6 facts: Resize, RandomFlip and RandomCrop already carry `gt_segm`; RandomDistort and RandomCrop have no
`prob`; RandomExpand (through Pad) shifts boxes and polygons but not `gt_segm` masks. ppdet looks reader ops up
on the `ppdet.data.transform` module, so `register()` puts them there (under new names: ppdet refuses to register
a name twice).
"""
import numpy as np
from ppdet.data import transform
from ppdet.data.transform.operators import BaseOperator, Pad, RandomCrop, RandomDistort, RandomExpand, register_op


class _AppliedWithProb:
    """Mixin for a ppdet operator: it runs on a sample with probability `prob`, else passes the sample through."""

    def __init__(self, prob=1.0, **kwargs):
        super().__init__(**kwargs)
        self.prob = prob

    def apply(self, sample, context=None):
        if np.random.uniform(0.0, 1.0) >= self.prob:
            return sample
        return super().apply(sample, context)


class RandomDistortWithProb(_AppliedWithProb, RandomDistort):
    """RandomDistort applied to a sample with probability `prob` (the recipe uses 0.8)."""


class RandomCropWithProb(_AppliedWithProb, RandomCrop):
    """RandomCrop (boxes, classes and gt_segm masks together) applied with probability `prob` (recipe: 0.8)."""


class RandomExpandSegm(RandomExpand):
    """RandomExpand that also places the gt_segm masks on the larger canvas (zeros around them).

    Unlike ppdet 2.6's RandomExpand (which expands when a draw is >= prob), this expands with probability `prob`;
    the recipe's 0.5 makes the two the same.
    """

    def apply(self, sample, context=None):
        if np.random.uniform(0.0, 1.0) >= self.prob:
            return sample
        height, width = sample["image"].shape[:2]
        ratio = np.random.uniform(1.0, self.ratio)
        h, w = int(height * ratio), int(width * ratio)
        if h <= height or w <= width:
            return sample
        y = np.random.randint(0, h - height)
        x = np.random.randint(0, w - width)
        sample = Pad([h, w], pad_mode=-1, offsets=[x, y], fill_value=self.fill_value)(sample, context)
        segm = sample.get("gt_segm")
        if segm is not None and len(segm) > 0:
            canvas = np.zeros((len(segm), h, w), dtype=segm.dtype)
            canvas[:, y:y + height, x:x + width] = segm
            sample["gt_segm"] = canvas
        return sample


OPERATORS = (RandomDistortWithProb, RandomCropWithProb, RandomExpandSegm)


def register():
    """Make the operators usable by name in reader configs (idempotent)."""
    for op in OPERATORS:
        if not hasattr(BaseOperator, op.__name__):
            register_op(op)
        setattr(transform, op.__name__, op)


register()
