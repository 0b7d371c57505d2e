"""Box helpers of the Mask-RT-DETR forward pass."""
import paddle


def mask_to_box_cxcywh(mask):
    """Tight boxes of binary masks [B, Q, h, w] as normalised (cx, cy, w, h); an empty mask gives (0, 0, 0, 0).

    Pixel i covers [i, i + 1): the max edge is the last set index + 1.
    """
    h, w = mask.shape[-2:]
    ys, xs = paddle.meshgrid(paddle.arange(h, dtype="float32"), paddle.arange(w, dtype="float32"))
    m = mask.astype("float32")
    big = paddle.full_like(m, 1e8)
    x_on, y_on = xs * m, ys * m
    x_max = x_on.flatten(-2).max(-1) + 1
    y_max = y_on.flatten(-2).max(-1) + 1
    x_min = paddle.where(mask, x_on, big).flatten(-2).min(-1)
    y_min = paddle.where(mask, y_on, big).flatten(-2).min(-1)
    box = paddle.stack([x_min, y_min, x_max, y_max], -1) * mask.any(axis=[2, 3]).unsqueeze(-1).astype("float32")
    box = box / paddle.to_tensor([w, h, w, h], "float32")
    x1, y1, x2, y2 = box.unbind(-1)
    return paddle.stack([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1], -1)


def cxcywh_to_xyxy(box):
    """(cx, cy, w, h) -> (x1, y1, x2, y2) on the last axis."""
    cx, cy, w, h = box.unbind(-1)
    return paddle.stack([cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h], -1)
