"""MaskDINOHead: arranges the transformer outputs for MaskDINOLoss (training) or returns the last layer (eval)."""
import paddle
import paddle.nn as nn
from ppdet.core.workspace import register


def _split_dn(tensor, dn_meta):
    """Split [L, B, Ndn + Q, ...] into its denoising and matching parts along the query axis."""
    if dn_meta is None:
        return None, tensor
    dn, match = paddle.split(tensor, dn_meta["dn_num_split"], axis=2)
    return dn, match


@register
class MaskDINOHead(nn.Layer):
    """Head of Mask-RT-DETR. Training: {loss name: value, "loss": sum} from `loss` (MaskDINOLoss); eval: the last
    layer's (boxes, logits, masks)."""

    __inject__ = ["loss"]

    def __init__(self, loss="MaskDINOLoss"):
        super().__init__()
        self.loss = loss

    def forward(self, out_transformer, body_feats=None, inputs=None):
        logits, boxes, masks, enc_out, init_out, dn_meta = out_transformer
        if not self.training:
            return boxes[-1], logits[-1], masks[-1]
        dn_boxes, boxes = _split_dn(boxes, dn_meta)
        dn_logits, logits = _split_dn(logits, dn_meta)
        dn_masks, masks = _split_dn(masks, dn_meta)
        init_logits, init_boxes, init_masks = (t.unsqueeze(0) for t in init_out)
        dn_init_boxes, init_boxes = _split_dn(init_boxes, dn_meta)
        dn_init_logits, init_logits = _split_dn(init_logits, dn_meta)
        dn_init_masks, init_masks = _split_dn(init_masks, dn_meta)
        enc_logits, enc_boxes, enc_masks = (t.unsqueeze(0) for t in enc_out)
        # matching outputs: [encoder top-k, init, 6 layers]; denoising: [init, 6 layers]
        all_boxes = paddle.concat([enc_boxes, init_boxes, boxes])
        all_logits = paddle.concat([enc_logits, init_logits, logits])
        all_masks = paddle.concat([enc_masks, init_masks, masks])
        if dn_meta is not None:
            dn_boxes = paddle.concat([dn_init_boxes, dn_boxes])
            dn_logits = paddle.concat([dn_init_logits, dn_logits])
            dn_masks = paddle.concat([dn_init_masks, dn_masks])
        gt_class = [paddle.cast(c, "int64").reshape([-1, 1]) for c in inputs["gt_class"]]
        gt_mask = [paddle.cast(m, "float32") for m in inputs["gt_segm"]]
        losses = self.loss(all_boxes, all_logits, inputs["gt_bbox"], gt_class, all_masks, gt_mask,
                           dn_out_bboxes=dn_boxes, dn_out_logits=dn_logits, dn_out_masks=dn_masks, dn_meta=dn_meta)
        losses["loss"] = paddle.add_n(list(losses.values()))
        return losses
