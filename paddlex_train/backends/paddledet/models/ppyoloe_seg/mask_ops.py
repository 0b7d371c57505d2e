"""Mask arithmetic of PP-YOLOE-seg: prototype masks, box cropping, the mask loss and the inference masks.

A mask is `coefficients (n, P) @ prototypes (P, h*w)`, reshaped to (n, h, w): logits at stride 4. Training
compares them with the ground-truth masks inside the ground-truth box; inference upsamples them to the network
input, zeroes everything outside the predicted box, maps them back to the original image and thresholds them.
"""
import paddle
import paddle.nn.functional as F


def mask_logits(coefficients, prototypes):
    """(n, P) coefficients x (P, h, w) prototypes -> (n, h, w) mask logits."""
    num_protos, h, w = prototypes.shape[0], prototypes.shape[1], prototypes.shape[2]
    return paddle.matmul(coefficients, prototypes.reshape([num_protos, -1])).reshape([-1, h, w])


def crop_to_boxes(masks, boxes):
    """Zero every pixel of masks (n, h, w) outside its box (n, 4) x1 y1 x2 y2 in the masks' pixel units.

    A pixel (column c, row r) is kept when x1 <= c < x2 and y1 <= r < y2 (pixel indices, not centres).
    """
    h, w = masks.shape[-2], masks.shape[-1]
    x1, y1, x2, y2 = paddle.split(boxes.unsqueeze(-1), 4, axis=1)  # each (n, 1, 1)
    cols = paddle.arange(w, dtype=boxes.dtype).reshape([1, 1, -1])
    rows = paddle.arange(h, dtype=boxes.dtype).reshape([1, -1, 1])
    inside = (cols >= x1) & (cols < x2) & (rows >= y1) & (rows < y2)
    return masks * inside.astype(masks.dtype)


def image_mask_loss(coefficients, prototypes, gt_masks, boxes_in_mask_px, box_areas):
    """Mask loss of one image's positive anchors (summed over them).

    Args:
        coefficients: (n, P) predicted coefficients of the positive anchors.
        prototypes: (P, h, w) prototypes of the image.
        gt_masks: (n, h, w) float ground-truth mask of each anchor's assigned object, at prototype size.
        boxes_in_mask_px: (n, 4) assigned ground-truth boxes in prototype pixels.
        box_areas: (n,) assigned box areas as a fraction of the image area.

    Returns:
        scalar: sum over anchors of mean(BCE inside the box over the whole mask) / box area, i.e. the mean BCE
        inside each box (the area normalisation turns the full-mask mean into a box mean).
    """
    logits = mask_logits(coefficients, prototypes)
    bce = F.binary_cross_entropy_with_logits(logits, gt_masks, reduction="none")
    per_anchor = crop_to_boxes(bce, boxes_in_mask_px).mean(axis=[1, 2])
    return (per_anchor / box_areas).sum()


def batch_mask_loss(positive, gt_index, coefficients, prototypes, gt_masks, boxes_px, image_hw):
    """Mask loss of a batch, summed over every positive anchor (the caller divides by the assigned-score sum).

    Args:
        positive: (B, L) bool, anchors with an assigned object.
        gt_index: (B, L) int, index of the assigned object within its image (padded ground truth).
        coefficients: (B, L, P) predicted coefficients.
        prototypes: (B, P, h, w).
        gt_masks: (B, n, h, w) float ground-truth masks at prototype size.
        boxes_px: (B, L, 4) assigned boxes in input-image pixels.
        image_hw: (height, width) of the network input the boxes refer to (the recipe's fixed 640).
    """
    h, w = prototypes.shape[-2], prototypes.shape[-1]
    img_h, img_w = float(image_hw[0]), float(image_hw[1])
    to_mask_px = paddle.to_tensor([w / img_w, h / img_h, w / img_w, h / img_h], dtype=boxes_px.dtype)
    total = paddle.zeros([1], dtype=coefficients.dtype)
    for i in range(positive.shape[0]):
        pos = positive[i]
        if not bool(pos.any()):
            # Keep the prototype and coefficient branches in the graph (no unused parameters).
            total = total + (prototypes[i] * 0).sum() + (coefficients[i] * 0).sum()
            continue
        idx = paddle.nonzero(pos).flatten()
        boxes = paddle.gather(boxes_px[i], idx)
        wh = (boxes[:, 2:4] - boxes[:, 0:2]) / paddle.to_tensor([img_w, img_h], dtype=boxes.dtype)
        areas = wh[:, 0] * wh[:, 1]
        targets = paddle.gather(gt_masks[i], paddle.gather(gt_index[i], idx))
        total = total + image_mask_loss(paddle.gather(coefficients[i], idx), prototypes[i], targets,
                                        boxes * to_mask_px, areas)
    return total


def predict_masks(coefficients, prototypes, boxes, input_hw, im_shape, scale_factor, threshold):
    """Masks of the kept detections of image 0, at its original size.

    Args:
        coefficients: (n, P) of the kept detections.
        prototypes: (P, h, w) of the image.
        boxes: (n, 4) detections in network-input pixels.
        input_hw: [height, width] of the network input (tensor or ints).
        im_shape: (1, 2) resized image size; scale_factor: (1, 2) [scale_y, scale_x].
        threshold: probability above which a pixel belongs to the instance.

    Returns:
        (n, H0, W0) int32 masks.
    """
    probs = F.sigmoid(mask_logits(coefficients, prototypes))
    probs = F.interpolate(probs.unsqueeze(0), size=input_hw, mode="bilinear", align_corners=False)[0]
    probs = crop_to_boxes(probs, boxes)
    # Back to the original image: undo the resize (rounded like the reference), then cut the padding away.
    out_h = paddle.round(paddle.cast(input_hw[0], "float32") / scale_factor[0, 0]).astype("int32")
    out_w = paddle.round(paddle.cast(input_hw[1], "float32") / scale_factor[0, 1]).astype("int32")
    probs = F.interpolate(probs.unsqueeze(0), size=[out_h, out_w], mode="bilinear", align_corners=False)[0]
    orig_h = paddle.round(im_shape[0, 0] / scale_factor[0, 0]).astype("int32")
    orig_w = paddle.round(im_shape[0, 1] / scale_factor[0, 1]).astype("int32")
    probs = paddle.slice(probs, axes=[1, 2], starts=[0, 0], ends=[orig_h, orig_w])
    return (probs > threshold).astype("int32")
