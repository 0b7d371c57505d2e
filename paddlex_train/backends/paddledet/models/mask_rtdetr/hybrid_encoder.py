"""MaskHybridEncoder: RT-DETR's hybrid encoder (AIFI + CCFM) plus the mask-prototype branch (fact sheet §1.2-1.3).

Input: the four backbone maps (s4, s8, s16, s32). s8/s16/s32 are projected to `hidden_dim` (1x1 conv + BN); AIFI
(post-norm transformer layers with a 2-D sin-cos position embedding) runs on the level `use_encoder_idx` names,
counted over all four inputs as PaddleDetection's configs do (S/M: [2] = s16, L/X/H: [3] = s32). CCFM fuses
top-down (1x1 lateral, nearest x2, CSPRepLayer) and bottom-up (3x3 s2, CSPRepLayer). The mask branch sums the
three outputs at s8 (MaskFeatFPN), upsamples to s4, adds the s4 backbone map (3x3 conv) and ends with
3x3 conv + plain 1x1 conv to `num_prototypes` channels.
Returns (three encoder maps, prototypes [B, P, H/4, W/4]).
"""
import numpy as np
import paddle
import paddle.nn as nn
import paddle.nn.functional as F
from paddle import ParamAttr
from paddle.regularizer import L2Decay
from ppdet.core.workspace import register, serializable
from ppdet.modeling.backbones.csp_darknet import BaseConv
from ppdet.modeling.backbones.cspresnet import RepVggBlock
from ppdet.modeling.initializer import linear_init_
from ppdet.modeling.layers import MultiHeadAttention
from ppdet.modeling.shape_spec import ShapeSpec
from ppdet.modeling.transformers.detr_transformer import TransformerEncoder


class CSPRepLayer(nn.Layer):
    """Two 1x1 branches (one through `num_blocks` RepVGG blocks) summed, then 1x1 to `ch_out` when widths differ."""

    def __init__(self, ch_in, ch_out, num_blocks=3, expansion=1.0):
        super().__init__()
        hidden = int(ch_out * expansion)
        self.conv1 = BaseConv(ch_in, hidden, 1, 1)
        self.conv2 = BaseConv(ch_in, hidden, 1, 1)
        self.bottlenecks = nn.Sequential(*[RepVggBlock(hidden, hidden, act="silu") for _ in range(num_blocks)])
        self.conv3 = BaseConv(hidden, ch_out, 1, 1) if hidden != ch_out else nn.Identity()

    def forward(self, x):
        return self.conv3(self.bottlenecks(self.conv1(x)) + self.conv2(x))


class AIFILayer(nn.Layer):
    """Post-norm transformer encoder layer: self-attention (position added to q/k), then the feed-forward net."""

    def __init__(self, d_model, nhead, dim_feedforward, activation="gelu", dropout=0.0):
        super().__init__()
        self.self_attn = MultiHeadAttention(d_model, nhead, dropout)
        self.linear1 = nn.Linear(d_model, dim_feedforward)
        self.linear2 = nn.Linear(dim_feedforward, d_model)
        self.norm1 = nn.LayerNorm(d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.dropout = nn.Dropout(dropout)
        self.activation = getattr(F, activation)
        linear_init_(self.linear1)
        linear_init_(self.linear2)

    def forward(self, src, src_mask=None, pos_embed=None):
        q = k = src if pos_embed is None else src + pos_embed
        src = self.norm1(src + self.dropout(self.self_attn(q, k, value=src, attn_mask=src_mask)))
        ffn = self.linear2(self.dropout(self.activation(self.linear1(src))))
        return self.norm2(src + self.dropout(ffn))


def sincos_position_embedding(w, h, embed_dim=256, temperature=10000.0):
    """[1, h*w, embed_dim] 2-D sin-cos embedding, in the reference's order.

    The reference builds the grid as meshgrid(arange(w), arange(h)) ('ij'), so over the row-major token order the
    first half (sin, cos of "w") follows the row index and the second half the column index. Released weights were
    trained with exactly this, so it is kept.
    """
    grid_w, grid_h = paddle.meshgrid(paddle.arange(int(w), dtype="float32"), paddle.arange(int(h), dtype="float32"))
    pos_dim = embed_dim // 4
    omega = 1.0 / (temperature ** (paddle.arange(pos_dim, dtype="float32") / pos_dim))
    out_w = grid_w.flatten()[:, None] @ omega[None]
    out_h = grid_h.flatten()[:, None] @ omega[None]
    return paddle.concat([out_w.sin(), out_w.cos(), out_h.sin(), out_h.cos()], axis=1)[None]


class MaskFeatFPN(nn.Layer):
    """Sum of the encoder maps at the finest stride: each coarser map gets one (conv, x2 bilinear) round per
    octave; then a 3x3 conv to `out_channels`. Sub-layer indices follow the reference (upsamples are children)."""

    def __init__(self, in_channels, fpn_strides, feat_channels, out_channels):
        super().__init__()
        order = np.argsort(fpn_strides)
        self.order = [int(i) for i in order]
        strides = [fpn_strides[i] for i in self.order]
        self.scale_heads = nn.LayerList()
        for i, stride in enumerate(strides):
            steps = max(1, int(np.log2(stride) - np.log2(strides[0])))
            head = []
            for k in range(steps):
                head.append(nn.Sequential(BaseConv(in_channels[self.order[i]] if k == 0 else feat_channels,
                                                   feat_channels, 3, 1)))
                if stride != strides[0]:
                    head.append(nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False))
            self.scale_heads.append(nn.Sequential(*head))
        self.output_conv = BaseConv(feat_channels, out_channels, 3, 1)

    def forward(self, feats):
        feats = [feats[i] for i in self.order]
        out = self.scale_heads[0](feats[0])
        for i in range(1, len(feats)):
            out = out + F.interpolate(self.scale_heads[i](feats[i]), size=out.shape[2:], mode="bilinear",
                                      align_corners=False)
        return self.output_conv(out)


@register
@serializable
class MaskHybridEncoder(nn.Layer):
    """Hybrid encoder with the mask-prototype branch; see the module docstring. `eval_size` [h, w] fixes the AIFI
    position embedding for eval/export (it becomes a graph constant)."""

    __shared__ = ["eval_size", "num_prototypes"]

    def __init__(self, in_channels=(128, 512, 1024, 2048), feat_strides=(4, 8, 16, 32), hidden_dim=256,
                 use_encoder_idx=(3,), num_encoder_layers=1, nhead=8, dim_feedforward=1024, activation="gelu",
                 num_prototypes=32, pe_temperature=10000, expansion=1.0, depth_mult=1.0,
                 mask_feat_channels=(64, 64), eval_size=None):
        super().__init__()
        in_channels, feat_strides = list(in_channels), list(feat_strides)
        if feat_strides[0] != 4:
            raise ValueError("MaskHybridEncoder needs the stride-4 backbone map first")
        x4_channels = in_channels.pop(0)
        feat_strides.pop(0)
        self.in_channels = in_channels
        self.feat_strides = feat_strides
        self.hidden_dim = hidden_dim
        self.use_encoder_idx = [i - 1 for i in use_encoder_idx]  # counted over the four inputs, s4 included
        self.num_encoder_layers = num_encoder_layers
        self.pe_temperature = pe_temperature
        self.eval_size = eval_size
        no_decay = ParamAttr(regularizer=L2Decay(0.0))
        self.input_proj = nn.LayerList([
            nn.Sequential(nn.Conv2D(c, hidden_dim, 1, bias_attr=False),
                          nn.BatchNorm2D(hidden_dim, weight_attr=no_decay, bias_attr=ParamAttr(
                              regularizer=L2Decay(0.0)))) for c in in_channels])
        layer = AIFILayer(hidden_dim, nhead, dim_feedforward, activation)
        self.encoder = nn.LayerList([TransformerEncoder(layer, num_encoder_layers) for _ in self.use_encoder_idx])
        blocks = round(3 * depth_mult)
        levels = len(in_channels)
        self.lateral_convs = nn.LayerList([BaseConv(hidden_dim, hidden_dim, 1, 1) for _ in range(levels - 1)])
        self.fpn_blocks = nn.LayerList([CSPRepLayer(hidden_dim * 2, hidden_dim, blocks, expansion)
                                        for _ in range(levels - 1)])
        self.downsample_convs = nn.LayerList([BaseConv(hidden_dim, hidden_dim, 3, 2) for _ in range(levels - 1)])
        self.pan_blocks = nn.LayerList([CSPRepLayer(hidden_dim * 2, hidden_dim, blocks, expansion)
                                        for _ in range(levels - 1)])
        c0, c1 = mask_feat_channels
        self.mask_feat_head = MaskFeatFPN([hidden_dim] * levels, feat_strides, c0, c1)
        self.enc_mask_lateral = BaseConv(x4_channels, c1, 3, 1)
        self.enc_mask_output = nn.Sequential(BaseConv(c1, c1, 3, 1), nn.Conv2D(c1, num_prototypes, 1))
        if eval_size:  # fixed position embedding for eval/export; a non-persistable buffer (not in the state dict)
            for idx in self.use_encoder_idx:
                stride = feat_strides[idx]
                self.register_buffer(f"pos_embed{idx}", sincos_position_embedding(
                    eval_size[1] // stride, eval_size[0] // stride, hidden_dim, pe_temperature), persistable=False)

    @classmethod
    def from_config(cls, cfg, input_shape):
        return {"in_channels": [s.channels for s in input_shape], "feat_strides": [s.stride for s in input_shape]}

    @property
    def out_shape(self):
        return [ShapeSpec(channels=self.hidden_dim, stride=s) for s in self.feat_strides]

    def _encode(self, feats):
        proj = [self.input_proj[i](f) for i, f in enumerate(feats)]
        for i, idx in enumerate(self.use_encoder_idx):
            h, w = proj[idx].shape[2:]
            tokens = proj[idx].flatten(2).transpose([0, 2, 1])
            if self.training or not self.eval_size:
                pos = sincos_position_embedding(w, h, self.hidden_dim, self.pe_temperature)
            else:
                pos = getattr(self, f"pos_embed{idx}")
            memory = self.encoder[i](tokens, pos_embed=pos)
            proj[idx] = memory.transpose([0, 2, 1]).reshape([-1, self.hidden_dim, h, w])
        return proj

    def _fuse(self, proj):
        levels = len(proj)
        inner = [proj[-1]]
        for k, idx in enumerate(range(levels - 1, 0, -1)):  # top-down
            high = self.lateral_convs[k](inner[0])
            inner[0] = high
            up = F.interpolate(high, scale_factor=2.0, mode="nearest")
            inner.insert(0, self.fpn_blocks[k](paddle.concat([up, proj[idx - 1]], 1)))
        outs = [inner[0]]
        for k in range(levels - 1):  # bottom-up
            down = self.downsample_convs[k](outs[-1])
            outs.append(self.pan_blocks[k](paddle.concat([down, inner[k + 1]], 1)))
        return outs

    def forward(self, feats, for_mot=False):
        x4, feats = feats[0], list(feats[1:])
        enc = self._fuse(self._encode(feats))
        mask_feat = F.interpolate(self.mask_feat_head(enc), scale_factor=2, mode="bilinear", align_corners=False)
        mask_feat = self.enc_mask_output(mask_feat + self.enc_mask_lateral(x4))
        return enc, mask_feat
