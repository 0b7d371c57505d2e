"""SeaFormer's squeeze-enhanced axial attention stages and its from-scratch initialisation.

The attention itself is paddleseg 2.8.0's `strideformer.BasicLayer` (Sea_Attention + MLP + DropPath) with
`stride_attention=False` and ReLU6, which is exactly SeaFormer's block (checked against the original code: same
projections, same detail branch, same row/column squeeze with 16-entry positional tables, same hard-sigmoid gate).
What paddleseg lacks is the drop-path schedule per stage and a correct initialisation; both live here.
"""
import math

import paddle
from paddle import nn

from paddleseg.models.backbones.strideformer import BasicLayer, SqueezeAxialPositionalEmbedding

#: SeaFormer's query/key width ratio: value width = 2 x key width (the detail branch hard-codes 2*dh for this).
ATTN_RATIO = 2
#: Stochastic depth grows linearly from 0 to this value inside each Sea stage (restarting per stage).
DROP_PATH_RATE = 0.1
#: Names of the projections whose BN gamma starts at zero in the original code, so that each Sea block starts close
#: to the identity (row/column context and the fused output).
ZERO_GAMMA_PROJECTIONS = ("proj", "proj_encode_row", "proj_encode_column")


def drop_path_schedule(depth, rate=DROP_PATH_RATE):
    """Linear stochastic-depth rates 0..rate for the `depth` blocks of one stage.

    Args:
        depth: number of blocks in the stage.
        rate: the last block's drop-path probability.

    Returns:
        list of floats, e.g. depth 4 -> [0, 0.033, 0.067, 0.1].
    """
    if depth <= 1:
        return [0.0] * depth
    return [rate * i / (depth - 1) for i in range(depth)]


def sea_stage(dim, depth, num_heads, key_dim, mlp_ratio, drop_path_rate=DROP_PATH_RATE):
    """Build one Sea-attention stage (`depth` blocks at width `dim`).

    Args:
        dim: channel width of the stage (that of the MobileNetV2 stack before it).
        depth: number of Sea blocks.
        num_heads: attention heads.
        key_dim: per-head query/key width (value width is ATTN_RATIO times that).
        mlp_ratio: hidden width of the block's conv-MLP relative to `dim`.
        drop_path_rate: stochastic depth of the last block of the stage.

    Returns:
        paddleseg's BasicLayer; its blocks are `transformer_blocks.{j}` with `.attn` and `.mlp` (the names the
        checkpoint key map relies on).
    """
    return BasicLayer(
        block_num=depth, embedding_dim=dim, key_dim=key_dim, num_heads=num_heads, mlp_ratio=mlp_ratio,
        attn_ratio=ATTN_RATIO, drop=0.0, attn_drop=0.0, drop_path=drop_path_schedule(depth, drop_path_rate),
        act_layer=nn.ReLU6, stride_attention=False)


def _conv_std(conv, divide_by_groups=True):
    """He-normal std over the fan-out, as the original code computes it (k*k*out, divided by groups)."""
    kh, kw = conv._kernel_size
    fan = kh * kw * conv._out_channels
    if divide_by_groups:
        fan //= conv._groups
    return math.sqrt(2.0 / max(fan, 1))


def init_from_scratch(layer, zero_gamma=True):
    """Initialise a SeaFormer (sub)network the way the original code does when no pretrained weights are given.

    Conv weights ~ N(0, sqrt(2 / (k*k*out/groups))), conv biases 0, BN gamma 1 / beta 0, axial positional tables
    ~ N(0, 1); then the BN gamma of the `proj`, `proj_encode_row` and `proj_encode_column` projections of every Sea
    attention is set to 0 (the original Conv2d_BN(bn_weight_init=0)). PaddleSeg's port instead draws conv weights with
    std = fan itself (about 142 for the stem) and drops the zero gamma; that only goes unnoticed with pretrained
    weights.

    Args:
        layer: the paddle Layer to initialise in place.
        zero_gamma: apply the zero-gamma rule (True for the original scheme).
    """
    for sub in layer.sublayers(include_self=True):
        if isinstance(sub, nn.Conv2D):
            sub.weight.set_value(paddle.normal(0.0, _conv_std(sub), sub.weight.shape))
            if sub.bias is not None:
                sub.bias.set_value(paddle.zeros(sub.bias.shape, sub.bias.dtype))
        elif isinstance(sub, (nn.BatchNorm2D, nn.SyncBatchNorm)):
            sub.weight.set_value(paddle.ones(sub.weight.shape, sub.weight.dtype))
            sub.bias.set_value(paddle.zeros(sub.bias.shape, sub.bias.dtype))
        elif isinstance(sub, SqueezeAxialPositionalEmbedding):
            sub.pos_embed.set_value(paddle.normal(0.0, 1.0, sub.pos_embed.shape))
    if zero_gamma:
        for name, sub in layer.named_sublayers(include_self=True):
            if name.rsplit(".", 1)[-1] in ZERO_GAMMA_PROJECTIONS and isinstance(sub, nn.Sequential):
                bn = sub[1].bn  # Sequential(activation, Conv2DBN)
                bn.weight.set_value(paddle.zeros(bn.weight.shape, bn.weight.dtype))
