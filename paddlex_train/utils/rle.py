"""COCO run-length encoding of binary masks: the one encoder for conversion (crowd regions) and predict results."""
import numpy as np


def mask_to_rle(mask):
    """Compressed COCO RLE `{"size": [H, W], "counts": str}` of one HxW binary mask (JSON-ready).

    Decode with pycocotools.mask.decode (after encoding `counts` back to bytes if the library needs it).
    """
    from pycocotools import mask as mask_utils  # imported here: prediction of semantic models never needs it

    rle = mask_utils.encode(np.asfortranarray(np.asarray(mask, dtype=np.uint8)))
    return {"size": [int(v) for v in rle["size"]], "counts": rle["counts"].decode("ascii")}
