"""`PadGTSegm`: ppdet's PadGT batch operator, also padding `gt_segm` (ppdet 2.6's PadGT ignores it).

Every image of a batch gets the same number of objects (the batch maximum), so the ground-truth masks stack into
one (B, n, H, W) array next to the padded boxes and classes; padded slots are all-zero masks.
"""
import numpy as np
from ppdet.data import transform
from ppdet.data.transform.batch_operators import PadGT
from ppdet.data.transform.operators import register_op


class PadGTSegm(PadGT):
    """PadGT plus zero-padding of gt_segm (n, H, W) to the batch's largest object count."""

    def __call__(self, samples, context=None):
        num_max = max(len(s['gt_bbox']) for s in samples)
        for sample in samples:
            segm = sample.get('gt_segm')
            if segm is None or num_max == 0:
                continue
            segm = np.asarray(segm)
            h, w = segm.shape[-2:] if segm.ndim == 3 else sample['image'].shape[-2:]
            padded = np.zeros((num_max, h, w), dtype=np.uint8)
            if segm.ndim == 3 and len(segm):
                padded[:len(segm)] = segm
            sample['gt_segm'] = padded
        return super().__call__(samples, context)


def register():
    """Make `PadGTSegm` usable in reader configs (ppdet looks batch ops up on ppdet.data.transform)."""
    if not hasattr(transform, 'PadGTSegm'):
        register_op(PadGTSegm)
        setattr(transform, 'PadGTSegm', PadGTSegm)
