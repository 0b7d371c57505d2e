"""MaskDINOLoss: the Mask-RT-DETR training loss (VFL, L1, GIoU, point-sampled mask BCE and dice).

Every supervised output (encoder top-k, init, each decoder layer; and the denoising outputs) is matched and
scored the same way. The last layer's class target is its mask IoU, the others' their box IoU. Losses are sums
over matched pairs divided by the number of GT boxes (averaged over ranks in distributed training).
"""
import paddle
import paddle.nn as nn
import paddle.nn.functional as F

from ppdet.core.workspace import register
from ppdet.modeling.transformers.utils import bbox_cxcywh_to_xyxy

from .matcher import box_iou_giou, sample_points

DEFAULT_LOSS_COEFF = {"class": 4, "bbox": 5, "giou": 2, "mask": 5, "dice": 5}
NAMES = ("class", "bbox", "giou", "mask", "dice")


def varifocal_loss_with_logits(logits, target_score, label, alpha=0.75, gamma=2.0):
    """Summed VFL: positives weighted by their target score, negatives down-weighted by alpha * p ** gamma."""
    prob = F.sigmoid(logits).detach()
    weight = alpha * prob.pow(gamma) * (1 - label) + target_score
    return F.binary_cross_entropy_with_logits(logits, target_score, weight=weight, reduction="sum")


def mask_iou_binary(pred_logits, gt_masks):
    """IoU of each predicted mask (upsampled x2) with its GT resized to the same grid, both cut at 0.5; +0.01."""
    pred = F.interpolate(pred_logits.unsqueeze(1), scale_factor=2, mode="bilinear", align_corners=False)
    gt = F.interpolate(gt_masks.unsqueeze(1), size=pred.shape[-2:], mode="bilinear", align_corners=False)
    pred = (F.sigmoid(pred) > 0.5).astype("float32").flatten(1)
    gt = (gt > 0.5).astype("float32").flatten(1)
    inter = (pred * gt).sum(1)
    union = pred.sum(1) + gt.sum(1) - inter
    return (inter + 0.01) / (union + 0.01)


def uncertain_point_coords(mask_logits, num_points, oversample_ratio, important_ratio):
    """PointRend sampling: of oversample_ratio * num_points random points keep the important_ratio share with
    logits nearest 0 (most uncertain), fill the rest uniformly. Returns [N, num_points, 2] in [0, 1]."""
    n = mask_logits.shape[0]
    num_important = int(important_ratio * num_points)
    uniform = paddle.rand([n, num_points - num_important, 2])
    if num_important == 0:
        return uniform
    candidates = paddle.rand([n, max(int(num_points * oversample_ratio), num_important), 2])
    uncertainty = -sample_points(mask_logits, candidates).abs()
    _, top = paddle.topk(uncertainty, num_important, axis=1)
    important = paddle.take_along_axis(candidates, top.unsqueeze(-1).tile([1, 1, 2]), axis=1)
    return paddle.concat([important, uniform], axis=1)


@register
class MaskDINOLoss(nn.Layer):
    """Loss of Mask-RT-DETR; forward returns {name: weighted scalar}, the head adds the total."""
    __shared__ = ["num_classes", "use_focal_loss"]
    __inject__ = ["matcher"]

    def __init__(self, num_classes=80, matcher="MaskHungarianMatcher", loss_coeff=None, aux_loss=True,
                 use_vfl=True, use_focal_loss=True, num_sample_points=12544, oversample_ratio=3.0,
                 important_sample_ratio=0.75, vfl_alpha=0.75, vfl_gamma=2.0):
        super().__init__()
        self.num_classes = num_classes
        self.matcher = matcher
        self.loss_coeff = dict(DEFAULT_LOSS_COEFF, **(loss_coeff or {}))
        self.aux_loss = aux_loss
        self.use_vfl = use_vfl
        self.num_sample_points = num_sample_points
        self.oversample_ratio = oversample_ratio
        self.important_sample_ratio = important_sample_ratio
        self.vfl_alpha = vfl_alpha
        self.vfl_gamma = vfl_gamma

    def _num_gts(self, gt_class):
        num = paddle.to_tensor([float(sum(len(c) for c in gt_class))], dtype="float32")
        world = paddle.distributed.get_world_size()
        if world > 1:
            # Same normaliser on every rank: the mean GT count, as ppdet's DETR losses do.
            paddle.distributed.all_reduce(num)
            num = num / world
        return num.clip(min=1.0).reshape([])

    @staticmethod
    def _flat_index(match, num_queries):
        """Flat query index b * Q + q of every matched pair, and the matched GT index within its image."""
        src = [q + b * num_queries for b, (q, _) in enumerate(match) if len(q) > 0]
        dst = [(b, g) for b, (_, g) in enumerate(match) if len(g) > 0]
        if not src:
            return None, dst
        return paddle.concat(src), dst

    def _class_loss(self, logits, flat_idx, labels, iou, num_gts):
        bs, nq, nc = logits.shape
        logits = logits.astype("float32")
        onehot = paddle.zeros([bs * nq, nc])
        score = paddle.zeros([bs * nq, nc])
        if flat_idx is not None:
            hot = F.one_hot(labels, nc)
            onehot = paddle.scatter(onehot, flat_idx, hot)
            score = paddle.scatter(score, flat_idx, hot * iou.detach().unsqueeze(-1))
        onehot, score = onehot.reshape([bs, nq, nc]), score.reshape([bs, nq, nc])
        if self.use_vfl:
            loss = varifocal_loss_with_logits(logits, score, onehot, self.vfl_alpha, self.vfl_gamma)
        else:
            loss = F.sigmoid_focal_loss(logits, onehot, reduction="sum")
        return self.loss_coeff["class"] * loss / num_gts

    def _mask_losses(self, src_masks, tgt_masks, num_gts):
        with paddle.no_grad():
            coords = uncertain_point_coords(src_masks.detach(), self.num_sample_points, self.oversample_ratio,
                                            self.important_sample_ratio)
            labels = sample_points(tgt_masks, coords)
        logits = sample_points(src_masks, coords)
        bce = F.binary_cross_entropy_with_logits(logits, labels, reduction="none").mean(1).sum()
        prob = F.sigmoid(logits)
        dice = 1 - (2 * (prob * labels).sum(1) + 1) / (prob.sum(1) + labels.sum(1) + 1)
        return self.loss_coeff["mask"] * bce / num_gts, self.loss_coeff["dice"] * dice.sum() / num_gts

    def layer_losses(self, boxes, logits, masks, gt_bbox, gt_class, gt_mask, match, num_gts, mask_iou_target):
        """Losses of one output (boxes [B, Q, 4], logits [B, Q, C], masks [B, Q, h, w] or None) given match."""
        bs, nq = boxes.shape[:2]
        flat_idx, dst = self._flat_index(match, nq)
        out = {}
        if flat_idx is None:
            # No GT anywhere in the batch: only the class loss teaches (all background); keep the graph connected.
            zero = boxes.sum() * 0.0 + (0.0 if masks is None else masks.sum() * 0.0)
            out.update({k: zero for k in NAMES[1:]})
            out["class"] = self._class_loss(logits, None, None, None, num_gts)
            return out
        src_boxes = paddle.gather(boxes.reshape([bs * nq, 4]), flat_idx).astype("float32")
        tgt_boxes = paddle.concat([paddle.gather(gt_bbox[b], g) for b, g in dst]).astype("float32")
        labels = paddle.concat([paddle.gather(gt_class[b].reshape([-1]), g) for b, g in dst]).astype("int64")
        iou, giou = box_iou_giou(bbox_cxcywh_to_xyxy(src_boxes), bbox_cxcywh_to_xyxy(tgt_boxes))
        out["bbox"] = self.loss_coeff["bbox"] * (src_boxes - tgt_boxes).abs().sum() / num_gts
        out["giou"] = self.loss_coeff["giou"] * (1 - giou).sum() / num_gts
        if masks is not None:
            h, w = masks.shape[-2:]
            src_masks = paddle.gather(masks.reshape([bs * nq, h, w]), flat_idx).astype("float32")
            tgt_masks = paddle.concat([paddle.gather(gt_mask[b], g) for b, g in dst]).astype("float32")
            out["mask"], out["dice"] = self._mask_losses(src_masks, tgt_masks, num_gts)
            if mask_iou_target:
                iou = mask_iou_binary(src_masks.detach(), tgt_masks)
        out["class"] = self._class_loss(logits, flat_idx, labels, iou, num_gts)
        return out

    def _output_losses(self, boxes, logits, masks, gt_bbox, gt_class, gt_mask, num_gts, postfix, dn_match=None):
        """Sum over the L stacked outputs: the last under loss_<name><postfix>, the rest under _aux<postfix>."""
        total = {}
        num_layers = boxes.shape[0]
        for layer in range(num_layers):
            is_last = layer == num_layers - 1
            if not is_last and not self.aux_loss:
                continue
            layer_masks = None if masks is None else masks[layer]
            match = dn_match
            if match is None:
                match = self.matcher(boxes[layer].detach(), logits[layer].detach(), gt_bbox, gt_class,
                                     None if layer_masks is None else layer_masks.detach(), gt_mask)
            losses = self.layer_losses(boxes[layer], logits[layer], layer_masks, gt_bbox, gt_class, gt_mask,
                                       match, num_gts, mask_iou_target=is_last)
            suffix = postfix if is_last else "_aux" + postfix
            for name, value in losses.items():
                key = f"loss_{name}{suffix}"
                total[key] = total[key] + value if key in total else value
        return total

    @staticmethod
    def dn_match_indices(gt_class, dn_meta):
        """Fixed assignment of the denoising queries: positive k of image i answers GT k mod n_i."""
        match = []
        for cls, pos in zip(gt_class, dn_meta["dn_positive_idx"]):
            n = len(cls)
            gt_idx = paddle.arange(n, dtype="int64").tile([dn_meta["dn_num_group"]]) if n else paddle.zeros([0],
                                                                                                           "int64")
            match.append((pos, gt_idx))
        return match

    def forward(self, boxes, logits, gt_bbox, gt_class, masks, gt_mask, dn_out_bboxes=None, dn_out_logits=None,
                dn_out_masks=None, dn_meta=None):
        """boxes [L, B, Q, 4], logits [L, B, Q, C], masks [L, B, Q, h, w]; gt_* lists per image (see contract)."""
        num_gts = self._num_gts(gt_class)
        total = self._output_losses(boxes, logits, masks, gt_bbox, gt_class, gt_mask, num_gts, "")
        if dn_meta is not None and dn_out_bboxes is not None:
            dn_match = self.dn_match_indices(gt_class, dn_meta)
            total.update(self._output_losses(dn_out_bboxes, dn_out_logits, dn_out_masks, gt_bbox, gt_class, gt_mask,
                                             num_gts * dn_meta["dn_num_group"], "_dn", dn_match))
        return total
