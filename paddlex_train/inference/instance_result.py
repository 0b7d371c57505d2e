"""InstResult: one instance-segmentation prediction (PaddleX 3.x InstanceSegResult fields).

Fields: input_path, page_index, boxes ([{cls_id, label, score, coordinate: [x1, y1, x2, y2]}]), masks ((N, H, W)
bool, full-image, one per box), input_img (RGB array, not saved). In JSON each mask is a pycocotools
compressed RLE `{"size": [H, W], "counts": "..."}` (decode with pycocotools.mask.decode).
"""
import numpy as np

from ..utils.rle import mask_to_rle  # noqa: F401  (the one encoder; also imported from here by users)
from .results import BaseResult, _plain


class InstResult(BaseResult):
    """An instance-segmentation result (see the module docstring)."""

    elided = ("masks",)

    @property
    def json(self):
        """`{"res": {...}}` with masks as RLE dicts."""
        body = {}
        for key, value in self.items():
            if key in self.hidden:
                continue
            body[key] = [mask_to_rle(m) for m in value] if key == "masks" else _plain(value)
        return {"res": body}

    def _images(self):
        from ..vis.instances import draw_instances

        image = self.get("input_img")
        masks = np.asarray(self["masks"]) if len(self["boxes"]) else None
        if image is None:  # no picture kept: draw on black at the masks' size
            h, w = (masks.shape[1:] if masks is not None and masks.ndim == 3 else (1, 1))
            image = np.zeros((h, w, 3), np.uint8)
        boxes = [b["coordinate"] for b in self["boxes"]]
        labels = [b["label"] for b in self["boxes"]]
        scores = [b["score"] for b in self["boxes"]]
        return {"res": draw_instances(image, boxes, labels, masks=masks, scores=scores)}
