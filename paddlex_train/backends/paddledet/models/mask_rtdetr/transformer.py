"""MaskRTDETR decoder (fact sheet §1.4): query selection, mask-enhanced anchors, non-contrastive denoising,
6 post-norm deformable decoder layers with heads shared by the encoder output and every layer.

Training returns what MaskDINOLoss takes (see mrd_contract): 8 matching outputs (encoder top-k, "init" = the
initial queries, 6 layers) and 7 denoising outputs (init + 6 layers). Eval runs up to the last layer only.
"""
import paddle
import paddle.nn as nn
import paddle.nn.functional as F
from paddle import ParamAttr
from paddle.regularizer import L2Decay
from ppdet.core.workspace import register
from ppdet.modeling.heads.detr_head import MLP
from ppdet.modeling.initializer import bias_init_with_prob, constant_, linear_init_, xavier_uniform_
from ppdet.modeling.layers import MultiHeadAttention
from ppdet.modeling.transformers.deformable_transformer import MSDeformableAttention
from ppdet.modeling.transformers.utils import inverse_sigmoid

from .boxes import mask_to_box_cxcywh


def _no_decay():
    return ParamAttr(regularizer=L2Decay(0.0))


def deformable_sample(value, shapes, sampling_locations, attention_weights):
    """Multi-scale deformable attention core with Python-int level shapes.

    ppdet 2.6's version takes the shapes as a tensor and asserts `int(tensor)`, which a static graph cannot
    evaluate; with the shapes known at trace time (fixed export size) this version needs no such conversion.
    value [B, Lv, M, D]; shapes [(h, w)] per level; sampling_locations [B, Q, M, L, P, 2] in [0, 1];
    attention_weights [B, Q, M, L, P]. Returns [B, Q, M*D].
    """
    _, _, heads, dim = value.shape
    _, num_q, _, levels, points, _ = sampling_locations.shape
    per_level = value.split([h * w for h, w in shapes], axis=1)
    grids = 2 * sampling_locations - 1
    sampled = []
    for lvl, (h, w) in enumerate(shapes):
        v = per_level[lvl].flatten(2).transpose([0, 2, 1]).reshape([-1, dim, h, w])  # [B*M, D, h, w]
        g = grids[:, :, :, lvl].transpose([0, 2, 1, 3, 4]).flatten(0, 1)  # [B*M, Q, P, 2]
        sampled.append(F.grid_sample(v, g, mode="bilinear", padding_mode="zeros", align_corners=False))
    weights = attention_weights.transpose([0, 2, 1, 3, 4]).reshape([-1, 1, num_q, levels * points])
    out = (paddle.stack(sampled, axis=-2).flatten(-2) * weights).sum(-1)  # [B*M, D, Q]
    return out.reshape([-1, heads * dim, num_q]).transpose([0, 2, 1])


class DeformableCrossAttention(MSDeformableAttention):
    """ppdet's MSDeformableAttention parameters (offset lr multiplier 1.0), with 4-d box references and level
    shapes given as a Python list."""

    def forward(self, query, reference_points, value, shapes, value_mask=None):
        bs, num_q = query.shape[:2]
        value = self.value_proj(value)
        if value_mask is not None:
            value = value * value_mask.astype(value.dtype).unsqueeze(-1)
        value = value.reshape([0, 0, self.num_heads, self.head_dim])
        offsets = self.sampling_offsets(query).reshape(
            [0, num_q, self.num_heads, self.num_levels, self.num_points, 2])
        weights = F.softmax(self.attention_weights(query).reshape(
            [0, num_q, self.num_heads, self.num_levels * self.num_points])).reshape(
            [0, num_q, self.num_heads, self.num_levels, self.num_points])
        # 4-d reference boxes (cx, cy, w, h): offsets are scaled by half the box size per point.
        locations = (reference_points[:, :, None, :, None, :2] +
                     offsets / self.num_points * reference_points[:, :, None, :, None, 2:] * 0.5)
        return self.output_proj(deformable_sample(value, shapes, locations, weights))


class DecoderLayer(nn.Layer):
    """Post-norm decoder layer: self-attention (query position added to q/k), deformable cross-attention, FFN."""

    def __init__(self, d_model=256, nhead=8, dim_feedforward=1024, dropout=0.0, activation="relu", levels=3,
                 points=4):
        super().__init__()
        self.self_attn = MultiHeadAttention(d_model, nhead, dropout=dropout)
        self.norm1 = nn.LayerNorm(d_model, weight_attr=_no_decay(), bias_attr=_no_decay())
        self.cross_attn = DeformableCrossAttention(d_model, nhead, levels, points, 1.0)
        self.norm2 = nn.LayerNorm(d_model, weight_attr=_no_decay(), bias_attr=_no_decay())
        self.linear1 = nn.Linear(d_model, dim_feedforward)
        self.linear2 = nn.Linear(dim_feedforward, d_model)
        self.norm3 = nn.LayerNorm(d_model, weight_attr=_no_decay(), bias_attr=_no_decay())
        self.activation = getattr(F, activation)
        self.dropout = nn.Dropout(dropout)
        for linear in (self.linear1, self.linear2):
            linear_init_(linear)
            xavier_uniform_(linear.weight)

    def forward(self, tgt, ref_points, memory, shapes, attn_mask=None, query_pos=None):
        q = k = tgt + query_pos
        tgt = self.norm1(tgt + self.dropout(self.self_attn(q, k, value=tgt, attn_mask=attn_mask)))
        tgt = self.norm2(tgt + self.dropout(self.cross_attn(tgt + query_pos, ref_points, memory, shapes)))
        ffn = self.linear2(self.dropout(self.activation(self.linear1(tgt))))
        return self.norm3(tgt + self.dropout(ffn))


@register
class MaskRTDETR(nn.Layer):
    """The Mask-RT-DETR transformer decoder (parameter names as PaddleDetection's `transformer.*`)."""

    __shared__ = ["num_classes", "hidden_dim", "eval_size", "num_prototypes"]

    def __init__(self, num_classes=80, hidden_dim=256, num_queries=300, backbone_feat_channels=(256, 256, 256),
                 feat_strides=(8, 16, 32), num_prototypes=32, num_levels=3, num_decoder_points=4, nhead=8,
                 num_decoder_layers=6, dim_feedforward=1024, dropout=0.0, activation="relu", num_denoising=100,
                 label_noise_ratio=0.5, box_noise_scale=1.0, mask_enhanced=True, eval_size=None, eval_idx=-1,
                 eps=1e-2):
        super().__init__()
        self.hidden_dim = hidden_dim
        self.nhead = nhead
        self.num_classes = num_classes
        self.num_queries = num_queries
        self.feat_strides = list(feat_strides)
        self.num_levels = num_levels
        self.num_denoising = num_denoising
        self.label_noise_ratio = label_noise_ratio
        self.box_noise_scale = box_noise_scale
        self.mask_enhanced = mask_enhanced
        self.eval_size = eval_size
        self.eps = eps
        self.eval_idx = eval_idx if eval_idx >= 0 else num_decoder_layers + eval_idx
        self.input_proj = nn.LayerList([
            nn.Sequential(("conv", nn.Conv2D(c, hidden_dim, 1, bias_attr=False)),
                          ("norm", nn.BatchNorm2D(hidden_dim, weight_attr=_no_decay(), bias_attr=_no_decay())))
            for c in backbone_feat_channels])
        self.decoder = nn.Layer()
        self.decoder.layers = nn.LayerList([
            DecoderLayer(hidden_dim, nhead, dim_feedforward, dropout, activation, num_levels, num_decoder_points)
            for _ in range(num_decoder_layers)])
        self.denoising_class_embed = nn.Embedding(
            num_classes, hidden_dim, weight_attr=ParamAttr(initializer=nn.initializer.Normal()))
        self.query_pos_head = MLP(4, 2 * hidden_dim, hidden_dim, num_layers=2)
        self.mask_query_head = MLP(hidden_dim, hidden_dim, num_prototypes, num_layers=3)
        self.enc_output = nn.Sequential(nn.Linear(hidden_dim, hidden_dim),
                                        nn.LayerNorm(hidden_dim, weight_attr=_no_decay(), bias_attr=_no_decay()))
        self.dec_norm = nn.LayerNorm(hidden_dim, weight_attr=_no_decay(), bias_attr=_no_decay())
        self.score_head = nn.Linear(hidden_dim, num_classes)
        self.bbox_head = MLP(hidden_dim, hidden_dim, 4, num_layers=3)
        self._reset_parameters()
        if eval_size:
            # Non-persistable buffers: graph constants on export (jit.save finds them), not in the state dict.
            anchors, valid = self._generate_anchors([[int(eval_size[0] / s), int(eval_size[1] / s)]
                                                     for s in self.feat_strides])
            self.register_buffer("anchors", anchors, persistable=False)
            self.register_buffer("valid_mask", valid, persistable=False)

    def _reset_parameters(self):
        linear_init_(self.score_head)
        constant_(self.score_head.bias, bias_init_with_prob(0.01))
        constant_(self.bbox_head.layers[-1].weight)
        constant_(self.bbox_head.layers[-1].bias)
        linear_init_(self.enc_output[0])
        xavier_uniform_(self.enc_output[0].weight)
        xavier_uniform_(self.query_pos_head.layers[0].weight)
        xavier_uniform_(self.query_pos_head.layers[1].weight)
        for proj in self.input_proj:
            xavier_uniform_(proj[0].weight)

    @classmethod
    def from_config(cls, cfg, input_shape):
        return {"backbone_feat_channels": [s.channels for s in input_shape],
                "feat_strides": [s.stride for s in input_shape]}

    def _generate_anchors(self, shapes, grid_size=0.05):
        """Inverse-sigmoid anchors per memory token and their validity mask (invalid anchors are +inf).

        As in the reference, the centre is (x, y) divided by (h, w): identical for the square sizes used."""
        anchors = []
        for lvl, (h, w) in enumerate(shapes):
            grid_y, grid_x = paddle.meshgrid(paddle.arange(h, dtype="float32"), paddle.arange(w, dtype="float32"))
            xy = (paddle.stack([grid_x, grid_y], -1).unsqueeze(0) + 0.5) / paddle.to_tensor([h, w], "float32")
            wh = paddle.ones_like(xy) * grid_size * (2.0 ** lvl)
            anchors.append(paddle.concat([xy, wh], -1).reshape([-1, h * w, 4]))
        anchors = paddle.concat(anchors, 1)
        valid = ((anchors > self.eps) * (anchors < 1 - self.eps)).all(-1, keepdim=True)
        anchors = paddle.log(anchors / (1 - anchors))
        return paddle.where(valid, anchors, paddle.to_tensor(float("inf"))), valid

    def _flatten_memory(self, feats):
        proj = [self.input_proj[i](f) for i, f in enumerate(feats)]
        shapes = [[int(f.shape[2]), int(f.shape[3])] for f in proj]
        return paddle.concat([f.flatten(2).transpose([0, 2, 1]) for f in proj], 1), shapes

    def class_and_mask(self, query, mask_feat):
        """Shared heads: LayerNorm, class logits and mask logits (query embedding x prototypes, at stride 4)."""
        out = self.dec_norm(query)
        embed = self.mask_query_head(out)
        h, w = mask_feat.shape[2:]
        masks = paddle.bmm(embed, mask_feat.flatten(2)).reshape([0, 0, h, w])
        return self.score_head(out), masks

    def _denoising(self, gt_meta, num_queries):
        if not self.training or gt_meta is None or self.num_denoising <= 0:
            return None, None, None, None
        from .denoising import get_denoising_training_group  # MRD-B's module, training only

        targets = {"gt_class": gt_meta["gt_class"], "gt_bbox": gt_meta["gt_bbox"]}
        return get_denoising_training_group(targets, self.num_classes, num_queries,
                                            self.denoising_class_embed.weight, self.num_denoising,
                                            self.label_noise_ratio, self.box_noise_scale)

    def _select_queries(self, memory, mask_feat, shapes, num_queries):
        """Top-k encoder tokens -> (detached content, unactivated reference boxes, encoder-output predictions)."""
        if self.training or not self.eval_size:
            anchors, valid = self._generate_anchors(shapes)
        else:
            anchors, valid = self.anchors, self.valid_mask
        memory = paddle.where(valid, memory, paddle.zeros_like(memory))
        out_memory = self.enc_output(memory)
        enc_logits = self.score_head(out_memory)
        enc_boxes_unact = self.bbox_head(out_memory) + anchors
        _, topk = paddle.topk(enc_logits.max(-1), num_queries, axis=1)
        index = topk.unsqueeze(-1)
        target = paddle.take_along_axis(out_memory, index.tile([1, 1, self.hidden_dim]), axis=1)
        ref_unact = paddle.take_along_axis(enc_boxes_unact, index.tile([1, 1, 4]), axis=1)
        enc_logits_k, enc_masks = self.class_and_mask(target, mask_feat)
        enc_out = (enc_logits_k, F.sigmoid(ref_unact), enc_masks)
        if self.mask_enhanced:  # initial boxes = tight boxes of the initial masks
            ref_unact = inverse_sigmoid(mask_to_box_cxcywh(enc_masks > 0))
        return target.detach(), ref_unact, enc_out

    def forward(self, feats, pad_mask=None, gt_meta=None):
        enc_feats, mask_feat = feats
        memory, shapes = self._flatten_memory(enc_feats)
        # tiny inputs (tests: 64 px = 84 tokens) have fewer memory tokens than queries: take them all
        num_queries = min(self.num_queries, sum(h * w for h, w in shapes))
        dn_class, dn_bbox_unact, attn_mask, dn_meta = self._denoising(gt_meta, num_queries)
        target, ref_unact, enc_out = self._select_queries(memory, mask_feat, shapes, num_queries)
        if dn_class is not None:
            target = paddle.concat([dn_class, target], 1)
            ref_unact = paddle.concat([dn_bbox_unact, ref_unact], 1)
        ref_unact = ref_unact.detach()
        if attn_mask is not None:  # contract: True = may NOT attend; the attention adds -inf there
            attn_mask = paddle.where(attn_mask, paddle.full(attn_mask.shape, float("-inf"), target.dtype),
                                     paddle.zeros(attn_mask.shape, target.dtype))
        init_out = None
        if self.training:
            init_logits, init_masks = self.class_and_mask(target, mask_feat)
            init_out = (init_logits, F.sigmoid(ref_unact), init_masks)
        boxes, logits, masks = self._decode(target, ref_unact, memory, shapes, mask_feat, attn_mask)
        return logits, boxes, masks, enc_out, init_out, dn_meta

    def _decode(self, output, ref_unact, memory, shapes, mask_feat, attn_mask):
        """The decoder loop; returns stacked (boxes, logits, masks) of every layer (training) or the last."""
        out_boxes, out_logits, out_masks = [], [], []
        ref = F.sigmoid(ref_unact)
        prev_undetached = None
        for i, layer in enumerate(self.decoder.layers):
            output = layer(output, ref.unsqueeze(2), memory, shapes, attn_mask, self.query_pos_head(ref))
            delta = self.bbox_head(output)
            new_ref = F.sigmoid(delta + inverse_sigmoid(ref))
            if self.training:
                logits, masks = self.class_and_mask(output, mask_feat)
                out_logits.append(logits)
                out_masks.append(masks)
                # the box loss reaches one layer back through the undetached previous box
                out_boxes.append(new_ref if i == 0 else F.sigmoid(delta + inverse_sigmoid(prev_undetached)))
            elif i == self.eval_idx:
                logits, masks = self.class_and_mask(output, mask_feat)
                return new_ref.unsqueeze(0), logits.unsqueeze(0), masks.unsqueeze(0)
            prev_undetached = new_ref
            ref = new_ref.detach() if self.training else new_ref
        return paddle.stack(out_boxes), paddle.stack(out_logits), paddle.stack(out_masks)
