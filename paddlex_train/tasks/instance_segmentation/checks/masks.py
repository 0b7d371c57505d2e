"""COCO segmentation -> RLE with validation first, so that pycocotools never sees malformed input.

pycocotools' C decoder writes past its buffer when compressed counts sum to more than h*w, so every RLE is
measured here (in Python) before it reaches pycocotools. Each failure is a SegmentationError whose message
names what is wrong and whose `hint` says how to fix it.
"""
import math

import numpy as np
from pycocotools import mask as mask_utils

# Polygon vertices may sit on the border or a little past it (annotation tools round outwards).
EDGE_TOLERANCE = 1.0


class SegmentationError(ValueError):
    """A segmentation that cannot be turned into a mask of its image."""

    def __init__(self, message, hint=None):
        super().__init__(message)
        self.hint = hint


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def compressed_counts(counts):
    """Decode a COCO compressed-RLE `counts` string into run lengths (pure Python, bounds-checked)."""
    runs, pos = [], 0
    while pos < len(counts):
        value, shift, more = 0, 0, True
        while more:
            if pos >= len(counts):
                raise SegmentationError("compressed RLE counts string ends in the middle of a number",
                                        hint="re-encode the mask with pycocotools.mask.encode")
            c = ord(counts[pos]) - 48
            if not 0 <= c < 64:
                raise SegmentationError(f"compressed RLE counts contains the invalid character {counts[pos]!r}",
                                        hint="re-encode the mask with pycocotools.mask.encode")
            value |= (c & 0x1F) << shift
            more = bool(c & 0x20)
            pos += 1
            shift += 5
            if not more and (c & 0x10):
                value -= 1 << shift  # sign extension, as in pycocotools' rleFrString
        if len(runs) > 2:
            value += runs[-2]  # runs after the second are stored as differences
        runs.append(value)
    return runs


def _check_runs(runs, h, w):
    if any(r < 0 for r in runs):
        raise SegmentationError("RLE has a negative run length", hint="re-encode the mask with pycocotools")
    total = sum(runs)
    if total != h * w:
        raise SegmentationError(f"RLE covers {total} pixels but the image has {h}x{w}={h * w}",
                                hint="encode the mask at the image's own size")


def _rle_from_dict(seg, h, w):
    size, counts = seg.get("size"), seg.get("counts")
    if not (isinstance(size, (list, tuple)) and len(size) == 2 and all(isinstance(v, int) for v in size)):
        raise SegmentationError(f"RLE 'size' must be [height, width], got {size!r}",
                                hint="store size as [image height, image width]")
    if list(size) != [h, w]:
        raise SegmentationError(f"RLE size {list(size)} does not match the image's [height, width] [{h}, {w}]",
                                hint="encode the mask at the image's own size, or fix the image's width/height")
    if isinstance(counts, str):
        _check_runs(compressed_counts(counts), h, w)
        return {"size": [h, w], "counts": counts.encode("ascii")}
    if isinstance(counts, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in counts):
        _check_runs(counts, h, w)
        return mask_utils.frPyObjects({"size": [h, w], "counts": counts}, h, w)
    raise SegmentationError("RLE 'counts' must be a string (compressed) or a list of integers (uncompressed)",
                            hint="re-encode the mask with pycocotools.mask.encode")


def _check_polygon(k, poly, h, w):
    if not isinstance(poly, list) or not all(_is_number(v) for v in poly):
        raise SegmentationError(f"polygon {k} is not a flat list of finite numbers",
                                hint="write polygons as [x1, y1, x2, y2, ...]")
    if len(poly) % 2:
        raise SegmentationError(f"polygon {k} has an odd number of coordinates ({len(poly)})",
                                hint="write polygons as [x1, y1, x2, y2, ...]")
    if len(poly) < 6:
        raise SegmentationError(f"polygon {k} has {len(poly) // 2} point(s); a polygon needs at least 3",
                                hint="delete the degenerate polygon or redraw it")
    xs, ys = np.asarray(poly[0::2], dtype=np.float64), np.asarray(poly[1::2], dtype=np.float64)
    t = EDGE_TOLERANCE
    if xs.min() < -t or ys.min() < -t or xs.max() > w + t or ys.max() > h + t:
        raise SegmentationError(
            f"polygon {k} spans x {xs.min():g}..{xs.max():g}, y {ys.min():g}..{ys.max():g}, outside the "
            f"{w}x{h} image", hint="clip the polygon to the image or fix the image's width/height")
    if abs(np.dot(xs, np.roll(ys, -1)) - np.dot(ys, np.roll(xs, -1))) < 1e-9:
        raise SegmentationError(f"polygon {k} has zero area (its points are collinear or repeated)",
                                hint="delete the degenerate polygon or redraw it")


def segmentation_to_rle(seg, h, w):
    """Validate a COCO `segmentation` for an h x w image and return it as one compressed RLE dict.

    Raises:
        SegmentationError: the segmentation is malformed, outside the image, empty, or of the wrong size.
    """
    if isinstance(seg, list):
        if not seg:
            raise SegmentationError("segmentation is an empty list", hint="give at least one polygon or an RLE")
        for k, poly in enumerate(seg):
            _check_polygon(k, poly, h, w)
        rle = mask_utils.merge(mask_utils.frPyObjects(seg, h, w))
    elif isinstance(seg, dict):
        rle = _rle_from_dict(seg, h, w)
    else:
        raise SegmentationError(f"segmentation must be a polygon list or an RLE dict, got {type(seg).__name__}",
                                hint="see the COCO format: segmentation = [[x1, y1, ...]] or {size, counts}")
    if int(mask_utils.area(rle)) == 0:
        raise SegmentationError("segmentation covers no pixel", hint="delete the annotation or redraw its mask")
    return rle


def rle_bbox(rle):
    """[x, y, w, h] of a compressed RLE (pycocotools)."""
    return [float(v) for v in mask_utils.toBbox(rle)]


def rle_area(rle):
    """Pixel count of a compressed RLE."""
    return float(mask_utils.area(rle))


def rle_to_mask(rle):
    """HxW uint8 mask of a compressed RLE."""
    return mask_utils.decode(rle)


def bbox_matches(bbox, mask_box):
    """True when an [x, y, w, h] bbox agrees with the mask's box to within max(3 px, 10% of its size)."""
    x, y, bw, bh = bbox
    mx, my, mw, mh = mask_box
    tol = max(3.0, 0.1 * max(mw, mh))
    return (abs(x - mx) <= tol and abs(y - my) <= tol and abs(x + bw - mx - mw) <= tol
            and abs(y + bh - my - mh) <= tol)
