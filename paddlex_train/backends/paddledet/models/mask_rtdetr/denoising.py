"""Non-contrastive denoising query groups for Mask-RT-DETR training (as in Mask DINO / DN-DETR).

Each group holds one noised copy of every ground truth of the image (no negative copies, unlike ppdet's
contrastive DINO helper). Groups cannot see each other, and the matching queries cannot see any group.
"""
import paddle

from ppdet.modeling.transformers.utils import bbox_cxcywh_to_xyxy, bbox_xyxy_to_cxcywh, inverse_sigmoid


def _padded_targets(targets, num_classes, max_gt):
    """Per-image GT padded to max_gt: class (pad = num_classes, an all-zero embedding), box, validity flag."""
    bs = len(targets["gt_class"])
    labels = paddle.full([bs, max_gt], num_classes, dtype="int64")
    boxes = paddle.zeros([bs, max_gt, 4])
    valid = paddle.zeros([bs, max_gt])
    for i, (cls, box) in enumerate(zip(targets["gt_class"], targets["gt_bbox"])):
        n = len(cls)
        if n > 0:
            labels[i, :n] = cls.reshape([-1]).astype("int64")
            boxes[i, :n] = box.astype("float32")
            valid[i, :n] = 1.0
    return labels, boxes, valid


def _noise_labels(labels, valid, num_classes, ratio):
    """Replace a real label by a random class with probability ratio / 2 (the DINO family's convention)."""
    flip = (paddle.rand(labels.shape) < ratio * 0.5).astype("float32") * valid
    random_labels = paddle.randint(0, num_classes, labels.shape, dtype="int64")
    return paddle.where(flip > 0, random_labels, labels)


def _noise_boxes(boxes, scale):
    """Move every corner by up to scale * half the box size (uniform, random sign); stay inside the image."""
    half_wh = paddle.tile(boxes[..., 2:] * 0.5, [1, 1, 2])
    shift = (paddle.rand(boxes.shape) * 2.0 - 1.0) * half_wh * scale
    corners = (bbox_cxcywh_to_xyxy(boxes) + shift).clip(min=0.0, max=1.0)
    return bbox_xyxy_to_cxcywh(corners)


def denoising_attn_mask(num_group, group_size, num_queries):
    """[Ndn + Q, Ndn + Q] bool, True where a query may NOT attend: across groups, and matching -> denoising."""
    num_dn = num_group * group_size
    total = num_dn + num_queries
    group_id = paddle.arange(total, dtype="int64") // group_size
    group_id = paddle.where(paddle.arange(total) < num_dn, group_id, paddle.full([total], -1, "int64"))
    row = group_id.unsqueeze(1)
    col = group_id.unsqueeze(0)
    # A denoising query sees its own group and the matching queries; a matching query sees matching queries only.
    row_is_dn = row >= 0
    col_is_dn = col >= 0
    blocked = paddle.logical_or(
        paddle.logical_and(row_is_dn, paddle.logical_and(col_is_dn, row != col)),
        paddle.logical_and(paddle.logical_not(row_is_dn), col_is_dn))
    return blocked


def get_denoising_training_group(targets, num_classes, num_queries, class_embed, num_denoising=100,
                                 label_noise_ratio=0.5, box_noise_scale=1.0):
    """Build the denoising queries of one batch.

    targets: {"gt_class": list of [n, 1] int, "gt_bbox": list of [n, 4] normalised cxcywh};
    class_embed: [num_classes, d] embedding weight.
    Returns (dn_query_class [B, Ndn, d], dn_query_bbox_unact [B, Ndn, 4] (inverse sigmoid of the noised boxes),
    attn_mask [Ndn + Q, Ndn + Q] bool (True = may not attend), dn_meta), or four Nones when there is nothing to
    denoise. dn_meta["dn_positive_idx"][i] lists image i's denoising query indices, group by group, in GT order.
    """
    if num_denoising <= 0:
        return None, None, None, None
    num_gts = [len(c) for c in targets["gt_class"]]
    max_gt = max(num_gts) if num_gts else 0
    if max_gt == 0:
        return None, None, None, None
    num_group = max(num_denoising // max_gt, 1)
    labels, boxes, valid = _padded_targets(targets, num_classes, max_gt)
    labels = labels.tile([1, num_group])
    boxes = boxes.tile([1, num_group, 1])
    valid = valid.tile([1, num_group])
    if label_noise_ratio > 0:
        labels = _noise_labels(labels, valid, num_classes, label_noise_ratio)
    if box_noise_scale > 0:
        boxes = _noise_boxes(boxes, box_noise_scale)
    bs, num_dn = labels.shape
    # Padding slots use index num_classes: an extra all-zero row, so they carry no class information.
    table = paddle.concat([class_embed, paddle.zeros([1, class_embed.shape[-1]], class_embed.dtype)])
    dn_query_class = paddle.gather(table, labels.flatten(), axis=0).reshape([bs, num_dn, -1])
    dn_query_bbox_unact = inverse_sigmoid(boxes)
    # Query j of group g answers GT j, so positives are g * max_gt + j for every real GT j.
    positive_idx = []
    for n in num_gts:
        idx = [g * max_gt + j for g in range(num_group) for j in range(n)]
        positive_idx.append(paddle.to_tensor(idx, dtype="int64") if idx else paddle.zeros([0], "int64"))
    dn_meta = {"dn_positive_idx": positive_idx, "dn_num_group": num_group, "dn_num_split": [num_dn, num_queries]}
    attn_mask = denoising_attn_mask(num_group, max_gt, num_queries)
    return dn_query_class, dn_query_bbox_unact, attn_mask, dn_meta
