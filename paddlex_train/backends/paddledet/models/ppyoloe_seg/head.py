"""PP-YOLOE-seg head: ppdet 2.6's PPYOLOEHead plus an instance ("ins") branch and YOLOv8-style prototypes.

Per pyramid level the head has three ESE-attention stems: cls (+ residual), reg, and ins (+ residual). The ins
stem feeds a 3x3 conv to `num_masks` mask coefficients per anchor. `MaskProto` turns the stride-8 neck map into
`num_masks` activated prototypes at stride 4. Parameter names follow the official checkpoints
(`stem_ins.*`, `pred_ins.*`, `proto.conv1/upsample/conv2/conv3`), so PaddleX's weights load unchanged.

The loss is the PP-YOLOE loss (VFL, GIoU, DFL) plus the mask loss (mask_ops.batch_mask_loss), weighted like
the GIoU term unless `loss_weight` has a `mask` entry. The upstream loss hard-codes a 640x640 input and 32
coefficients; here they are `loss_image_size` (None: the size of the training batch) and `num_masks`.
"""
import paddle
import paddle.nn as nn
import paddle.nn.functional as F
from ppdet.core.workspace import register
from ppdet.modeling.assigners.utils import generate_anchors_for_grid_cell
from ppdet.modeling.backbones.csp_darknet import BaseConv
from ppdet.modeling.bbox_utils import batch_distance2bbox
from ppdet.modeling.heads.ppyoloe_head import ESEAttn, PPYOLOEHead
from ppdet.modeling.ops import get_act_fn

from . import mask_ops


class MaskProto(nn.Layer):
    """Prototype network: 3x3 conv, 2x2 stride-2 transposed conv, 3x3 conv, 1x1 conv (conv-BN-swish)."""

    def __init__(self, in_channels, num_protos, num_masks):
        super().__init__()
        # ppdet's BaseConv is conv + BN + x*sigmoid(x), with the `conv`/`bn` names of the checkpoints.
        self.conv1 = BaseConv(in_channels, num_protos, 3, 1)
        self.upsample = nn.Conv2DTranspose(num_protos, num_protos, 2, stride=2, padding=0, bias_attr=True)
        self.conv2 = BaseConv(num_protos, num_protos, 3, 1)
        self.conv3 = BaseConv(num_protos, num_masks, 1, 1)

    def forward(self, x):
        return self.conv3(self.conv2(self.upsample(self.conv1(x))))


@register
class PPYOLOESegHead(PPYOLOEHead):
    """PPYOLOEHead with mask coefficients, prototypes, mask loss and mask post-processing.

    Args (beyond PPYOLOEHead's):
        num_masks: mask coefficients per anchor (= prototype channels), 32 in the released models.
        num_protos: hidden width of MaskProto before `width_mult` (256 x 0.5 = 128 for -S).
        width_mult: model width multiplier (shared key of the architecture file).
        mask_thr_binary: probability threshold of the output masks.
        loss_image_size: [h, w] the mask loss normalises boxes by; None uses the training input's size
            (upstream fixes [640, 640], its training size).
    """

    __shared__ = ['num_classes', 'eval_size', 'trt', 'exclude_nms', 'exclude_post_process', 'width_mult']

    def __init__(self, in_channels=[1024, 512, 256], num_classes=80, act='swish', fpn_strides=(32, 16, 8),
                 grid_cell_scale=5.0, grid_cell_offset=0.5, reg_max=16, static_assigner_epoch=-1,
                 use_varifocal_loss=True, static_assigner='ATSSAssigner', assigner='TaskAlignedAssigner',
                 nms='MultiClassNMS', eval_size=None, loss_weight={'class': 1.0, 'iou': 2.5, 'dfl': 0.5},
                 trt=False, attn_conv='convbn', exclude_nms=False, exclude_post_process=False,
                 num_masks=32, num_protos=256, width_mult=1.0, mask_thr_binary=0.5, loss_image_size=None):
        super().__init__(in_channels=in_channels, num_classes=num_classes, act=act, fpn_strides=fpn_strides,
                         grid_cell_scale=grid_cell_scale, grid_cell_offset=grid_cell_offset, reg_max=reg_max,
                         static_assigner_epoch=static_assigner_epoch, use_varifocal_loss=use_varifocal_loss,
                         static_assigner=static_assigner, assigner=assigner, nms=nms, eval_size=eval_size,
                         loss_weight=loss_weight, trt=trt, attn_conv=attn_conv, exclude_nms=exclude_nms,
                         exclude_post_process=exclude_post_process)
        self.num_masks = int(num_masks)
        self.mask_thr_binary = float(mask_thr_binary)
        self.loss_image_size = list(loss_image_size) if loss_image_size else None
        act_fn = get_act_fn(act, trt=trt) if act is None or isinstance(act, (str, dict)) else act
        self.stem_ins = nn.LayerList([ESEAttn(c, act=act_fn, attn_conv=attn_conv) for c in self.in_channels])
        self.pred_ins = nn.LayerList([nn.Conv2D(c, self.num_masks, 3, padding=1) for c in self.in_channels])
        self.proto = MaskProto(self.in_channels[-1], int(num_protos * width_mult), self.num_masks)

    def _level_outputs(self, i, feat):
        """cls logits, box distributions and mask coefficients of pyramid level i."""
        avg_feat = F.adaptive_avg_pool2d(feat, (1, 1))
        cls_logit = self.pred_cls[i](self.stem_cls[i](feat, avg_feat) + feat)
        reg = self.pred_reg[i](self.stem_reg[i](feat, avg_feat))
        coeff = self.pred_ins[i](self.stem_ins[i](feat, avg_feat) + feat)
        return cls_logit, reg, coeff

    def forward(self, feats, targets=None, aux_pred=None):
        assert len(feats) == len(self.fpn_strides), "one feature map per fpn stride"
        prototypes = self.proto(feats[-1])
        if self.training:
            return self.forward_train(feats, targets, prototypes)
        return self.forward_eval(feats, prototypes)

    def forward_train(self, feats, targets, prototypes):
        anchors, anchor_points, num_anchors_list, stride_tensor = generate_anchors_for_grid_cell(
            feats, self.fpn_strides, self.grid_cell_scale, self.grid_cell_offset)
        scores, dists, coeffs = [], [], []
        for i, feat in enumerate(feats):
            cls_logit, reg, coeff = self._level_outputs(i, feat)
            scores.append(F.sigmoid(cls_logit).flatten(2).transpose([0, 2, 1]))
            dists.append(reg.flatten(2).transpose([0, 2, 1]))
            coeffs.append(coeff.flatten(2).transpose([0, 2, 1]))
        head_outs = [paddle.concat(scores, 1), paddle.concat(dists, 1), paddle.concat(coeffs, 1), prototypes,
                     anchors, anchor_points, num_anchors_list, stride_tensor]
        input_hw = [feats[-1].shape[2] * self.fpn_strides[-1], feats[-1].shape[3] * self.fpn_strides[-1]]
        return self.get_seg_loss(head_outs, targets, input_hw)

    def forward_eval(self, feats, prototypes):
        if self.eval_size:
            anchor_points, stride_tensor = self.anchor_points, self.stride_tensor
        else:
            anchor_points, stride_tensor = self._generate_anchors(feats)
        scores, dists, coeffs = [], [], []
        for i, feat in enumerate(feats):
            _, _, h, w = feat.shape
            cls_logit, reg, coeff = self._level_outputs(i, feat)
            reg = reg.reshape([-1, 4, self.reg_channels, h * w]).transpose([0, 2, 3, 1])
            dists.append(self.proj_conv(F.softmax(reg, axis=1)).squeeze(1))
            scores.append(F.sigmoid(cls_logit).reshape([-1, self.num_classes, h * w]))
            coeffs.append(coeff.reshape([-1, self.num_masks, h * w]))
        return (paddle.concat(scores, -1), paddle.concat(dists, 1), paddle.concat(coeffs, -1), prototypes,
                anchor_points, stride_tensor)

    def get_seg_loss(self, head_outs, gt_meta, input_hw):
        """PP-YOLOE losses (task-aligned assignment) plus the mask loss."""
        (pred_scores, pred_distri, pred_coeffs, prototypes, _anchors, anchor_points, num_anchors_list,
         stride_tensor) = head_outs
        anchor_points_s = anchor_points / stride_tensor
        pred_bboxes = self._bbox_decode(anchor_points_s, pred_distri)
        gt_labels, gt_bboxes, pad_gt_mask = gt_meta['gt_class'], gt_meta['gt_bbox'], gt_meta['pad_gt_mask']
        assigned = self.assigner(pred_scores.detach(), pred_bboxes.detach() * stride_tensor, anchor_points,
                                 num_anchors_list, gt_labels, gt_bboxes, pad_gt_mask, bg_index=self.num_classes)
        if len(assigned) == 3:  # no ground truth in the whole batch: ppdet's assigner returns 3 values
            assigned_labels, assigned_bboxes, assigned_scores = assigned
            gt_index = paddle.zeros(assigned_labels.shape, dtype='int64')
        else:
            assigned_labels, assigned_bboxes, assigned_scores, mask_positive = assigned
            gt_index = mask_positive.argmax(axis=-2)  # the object each anchor was given ([B, n, L] -> [B, L])
        boxes_px = assigned_bboxes.clone()
        assigned_bboxes = assigned_bboxes / stride_tensor
        losses = self.get_loss_from_assign(pred_scores, pred_distri, pred_bboxes, anchor_points_s,
                                           assigned_labels, assigned_bboxes, assigned_scores, None, -1)
        positive = assigned_labels != self.num_classes
        if bool(positive.any()) and 'gt_segm' in gt_meta:
            h, w = prototypes.shape[-2], prototypes.shape[-1]
            gt_masks = F.interpolate(gt_meta['gt_segm'].astype('float32'), size=[h, w], mode='nearest')
            loss_mask = mask_ops.batch_mask_loss(positive, gt_index, pred_coeffs, prototypes, gt_masks,
                                                 boxes_px, self.loss_image_size or input_hw)
            loss_mask = loss_mask / self._assigned_score_norm(assigned_scores)
        else:
            loss_mask = (prototypes * 0).sum() + (pred_coeffs * 0).sum()
        weight = self.loss_weight.get('mask', self.loss_weight['iou'])
        losses['loss'] = losses['loss'] + weight * loss_mask
        losses['loss_mask'] = loss_mask
        return losses

    @staticmethod
    def _assigned_score_norm(assigned_scores):
        """Sum of assigned scores (averaged over workers, at least 1), the normaliser of every loss term."""
        total = assigned_scores.sum()
        if paddle.distributed.get_world_size() > 1:
            paddle.distributed.all_reduce(total)
            total = total / paddle.distributed.get_world_size()
        return paddle.clip(total, min=1.0)

    def post_process(self, head_outs, im_shape, scale_factor, input_hw):
        """NMS, then masks of the kept boxes; boxes and masks in original-image pixels (image 0 of the batch).

        Returns:
            bbox (N, 6) class/score/x1/y1/x2/y2, bbox_num (1,), mask (N, H0, W0) int32. Without any
            detection: one row of class -1 and score 0 with an all-zero mask (as ppdet does for its models).
        """
        pred_scores, pred_dist, pred_coeffs, prototypes, anchor_points, stride_tensor = head_outs
        pred_bboxes = batch_distance2bbox(anchor_points, pred_dist) * stride_tensor
        bbox, bbox_num, keep_idx = self.nms(pred_bboxes, pred_scores)
        # Append a filler row so an empty result still has one (class -1, all-zero) detection to return.
        filler = paddle.to_tensor([[-1.0, 0.0, 0.0, 0.0, 0.0, 0.0]], dtype=bbox.dtype)
        bbox = paddle.concat([bbox.reshape([-1, 6]), filler])
        keep_idx = paddle.concat([keep_idx.reshape([-1, 1]).astype('int64'),
                                  paddle.zeros([1, 1], dtype='int64')])
        count = paddle.maximum(bbox_num.sum().reshape([1]).astype('int32'), paddle.ones([1], dtype='int32'))
        bbox = paddle.slice(bbox, axes=[0], starts=[0], ends=count)
        keep_idx = paddle.slice(keep_idx, axes=[0], starts=[0], ends=count).flatten()
        coeffs = paddle.gather(pred_coeffs.transpose([0, 2, 1]).reshape([-1, self.num_masks]), keep_idx)
        masks = mask_ops.predict_masks(coeffs, prototypes[0], bbox[:, 2:6], input_hw, im_shape, scale_factor,
                                       self.mask_thr_binary)
        scale = scale_factor[0:1].flip(-1).tile([1, 2])  # [sx, sy, sx, sy]
        bbox = paddle.concat([bbox[:, 0:2], bbox[:, 2:6] / scale], axis=1)
        return bbox, count, masks
