"""Prediction results -> PaddleX wire results (JSON bytes), from the public result objects' data.

Semantic (`SegResult`): `pred` (1, H, W) class ids -> `labelMap` (row-major), `size` [H, W], optional `image`
(JPEG of `.img["res"]`, the pseudo-colour map, as PaddleX).
Instance (`InstResult`): `boxes` [{cls_id, label, score, coordinate}] and `masks` (N, H, W) full-image ->
`instances` [{bbox, categoryId, categoryName, score, mask: {rleResult, size}}], where the mask is cropped to the
rounded box before pycocotools RLE (PaddleX's extract_masks_from_boxes + _rle).

PaddleX's two instance bugs are avoided here: a degenerate box (xmax <= xmin or ymax <= ymin) is dropped together
with its own mask (PaddleX drops the box only, so later boxes get the wrong masks), and an item without
`coordinate` (SOLOv2-style output) gets its box from its mask instead of failing with a 500.
Blocking CPU work: called from a thread pool.
"""
import json

import numpy as np

from .images import jpeg_base64

# Above this class id the vectorised labelMap writer would need too large a lookup table.
_TABLE_LIMIT = 1 << 16


def label_map_json(labels):
    """`[0,0,1,...]` bytes of a (H, W) integer array, row-major; vectorised (a 512x512 map takes ~2 ms)."""
    flat = np.ascontiguousarray(labels).reshape(-1)
    if flat.size == 0:
        return b"[]"
    low, high = int(flat.min()), int(flat.max())
    if low < 0 or high >= _TABLE_LIMIT:
        return json.dumps([int(v) for v in flat.tolist()]).encode()
    width = len(str(high)) + 1
    table = np.zeros((high + 1, width), np.uint8)  # each id's digits then a comma, zero-padded on the right
    lengths = np.zeros(high + 1, np.int64)
    for value in range(high + 1):
        text = f"{value},".encode()
        table[value, :len(text)] = np.frombuffer(text, np.uint8)
        lengths[value] = len(text)
    chars = table[flat]
    keep = np.arange(width)[None, :] < lengths[flat][:, None]
    body = chars[keep].tobytes()
    return b"[" + body[:-1] + b"]"


def semantic_result(result, visualize, jpeg_quality=75):
    """JSON bytes of SemanticResult for one SegResult."""
    labels = np.asarray(result["pred"])
    if labels.ndim == 3:
        labels = labels[0]
    height, width = labels.shape
    body = b'{"labelMap":' + label_map_json(labels) + f',"size":[{height},{width}]'.encode()
    if visualize:
        image = jpeg_base64(result.img["res"].convert("RGB"), jpeg_quality)
        body += b',"image":"' + image.encode("ascii") + b'"'
    return body + b"}"


def _box_from_mask(mask):
    ys, xs = np.nonzero(mask)
    if not len(xs):
        return None
    return [float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1)]


def mask_rle(mask):
    """pycocotools compressed counts (str) of a 2-D binary mask, exactly as PaddleX's _rle."""
    from pycocotools import mask as mask_utils

    encoded = mask_utils.encode(np.asarray(mask[..., None], order="F", dtype="uint8"))[0]
    return encoded["counts"].decode("utf-8")


def instances(result, class_names=()):
    """The wire `instances` list of one InstResult (see the module docstring), and the kept (index, box) pairs."""
    masks = result.get("masks")
    masks = np.asarray(masks) if masks is not None else np.zeros((0, 0, 0), bool)
    found, kept = [], []
    for index, item in enumerate(result.get("boxes") or []):
        mask = masks[index] if index < len(masks) else None
        box = item.get("coordinate")
        if box is None and mask is not None:
            box = _box_from_mask(mask)
        if box is None or mask is None:
            continue  # neither a box nor a mask: nothing to report
        xmin, ymin, xmax, ymax = (float(v) for v in box)
        if xmax <= xmin or ymax <= ymin:
            continue  # degenerate: dropped with its own mask, so the masks of later boxes stay paired
        cls_id = int(item.get("cls_id", item.get("class_id", -1)))
        name = item.get("label")
        if name is None:
            name = class_names[cls_id] if 0 <= cls_id < len(class_names) else str(cls_id)
        crop = mask[round(ymin):round(ymax), round(xmin):round(xmax)]
        kept.append((index, {**item, "cls_id": cls_id, "label": str(name),
                             "coordinate": [xmin, ymin, xmax, ymax]}))
        found.append({"bbox": [xmin, ymin, xmax, ymax], "categoryId": cls_id, "categoryName": str(name),
                      "score": float(item.get("score", 0.0)),
                      "mask": {"rleResult": mask_rle(crop), "size": [int(crop.shape[0]), int(crop.shape[1])]}})
    return found, kept


def instance_result(result, visualize, class_names=(), jpeg_quality=75):
    """JSON bytes of InstanceResult for one InstResult."""
    found, kept = instances(result, class_names)
    body = {"instances": found}
    masks = np.asarray(result.get("masks"))
    if visualize:
        # Draw exactly the reported instances (boxes completed, degenerate ones gone) with the result's own drawing.
        drawn = type(result)(result)
        drawn["boxes"] = [box for _, box in kept]
        drawn["masks"] = masks[[i for i, _ in kept]]
        body["image"] = jpeg_base64(drawn.img["res"], jpeg_quality)
    return json.dumps(body).encode()
