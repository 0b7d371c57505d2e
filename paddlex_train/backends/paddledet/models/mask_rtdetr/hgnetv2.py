"""PP-HGNetV2 backbone (S/M/L/X/H) with PaddleDetection's parameter names, so PaddleX checkpoints load as they are.

Layout facts (fact sheet §1.1): a stem (3x3 s2 -> two 2x2 convs beside a 2x2 max-pool -> 3x3 s2 -> 1x1), then four
stages of HG blocks. A block runs n convs of the mid width (3x3 in stages 1-2; 1x1 + depthwise 5x5 in stages 3-4),
concatenates the input with every output, squeezes to out/2 and expands to out (1x1 each); from the second block on
it adds its input. Stages 2-4 start with a depthwise 3x3 s2 conv without activation. All four stages are returned.
Stem and every BatchNorm are frozen (global statistics, no gradient).
"""
import paddle
import paddle.nn as nn
from paddle import ParamAttr
from paddle.nn.initializer import Constant, KaimingNormal
from paddle.regularizer import L2Decay
from ppdet.core.workspace import register, serializable
from ppdet.modeling.shape_spec import ShapeSpec

# name -> (stem [in, mid, out], stages [in, mid, out, blocks, downsample, light, kernel, convs per block])
HGNETV2_ARCHS = {
    "S": ([3, 24, 32], [[32, 32, 64, 1, False, False, 3, 3], [64, 48, 256, 1, True, False, 3, 3],
                        [256, 96, 512, 2, True, True, 5, 3], [512, 192, 1024, 1, True, True, 5, 3]]),
    "M": ([3, 24, 32], [[32, 32, 96, 1, False, False, 3, 4], [96, 64, 384, 1, True, False, 3, 4],
                        [384, 128, 768, 3, True, True, 5, 4], [768, 256, 1536, 1, True, True, 5, 4]]),
    "L": ([3, 32, 48], [[48, 48, 128, 1, False, False, 3, 6], [128, 96, 512, 1, True, False, 3, 6],
                        [512, 192, 1024, 3, True, True, 5, 6], [1024, 384, 2048, 1, True, True, 5, 6]]),
    "X": ([3, 32, 64], [[64, 64, 128, 1, False, False, 3, 6], [128, 128, 512, 2, True, False, 3, 6],
                        [512, 256, 1024, 5, True, True, 5, 6], [1024, 512, 2048, 2, True, True, 5, 6]]),
    "H": ([3, 48, 96], [[96, 96, 192, 2, False, False, 3, 6], [192, 192, 512, 3, True, False, 3, 6],
                        [512, 384, 1024, 6, True, True, 5, 6], [1024, 768, 2048, 3, True, True, 5, 6]]),
}


def frozen_bn(channels):
    """BatchNorm that always uses its stored statistics and never learns (the backbone's norm layers)."""
    frozen = ParamAttr(learning_rate=0.0, regularizer=L2Decay(0.0), trainable=False)
    norm = nn.BatchNorm2D(channels, weight_attr=frozen, bias_attr=frozen, use_global_stats=True)
    for param in norm.parameters():
        param.stop_gradient = True
    return norm


class ConvBNAct(nn.Layer):
    """Conv (no bias) + frozen BN (+ ReLU). `padding` "SAME" keeps even kernels aligned like the reference."""

    def __init__(self, ch_in, ch_out, kernel=3, stride=1, groups=1, act=True, padding=None, lr_mult=1.0):
        super().__init__()
        self.conv = nn.Conv2D(ch_in, ch_out, kernel, stride, padding=(kernel - 1) // 2 if padding is None else padding,
                              groups=groups, weight_attr=ParamAttr(learning_rate=lr_mult), bias_attr=False)
        self.bn = frozen_bn(ch_out)
        self.act = nn.ReLU() if act else None

    def forward(self, x):
        x = self.bn(self.conv(x))
        return self.act(x) if self.act is not None else x


class LightConvBNAct(nn.Layer):
    """1x1 conv without activation, then a depthwise k x k conv with ReLU (stages 3-4)."""

    def __init__(self, ch_in, ch_out, kernel, lr_mult=1.0):
        super().__init__()
        self.conv1 = ConvBNAct(ch_in, ch_out, 1, act=False, lr_mult=lr_mult)
        self.conv2 = ConvBNAct(ch_out, ch_out, kernel, groups=ch_out, lr_mult=lr_mult)

    def forward(self, x):
        return self.conv2(self.conv1(x))


class StemBlock(nn.Layer):
    """3x3 s2, then (2x2 conv -> 2x2 conv) beside a 2x2 max-pool, concatenated, 3x3 s2 and 1x1."""

    def __init__(self, ch_in, mid, ch_out, lr_mult=1.0):
        super().__init__()
        self.stem1 = ConvBNAct(ch_in, mid, 3, 2, lr_mult=lr_mult)
        self.stem2a = ConvBNAct(mid, mid // 2, 2, 1, padding="SAME", lr_mult=lr_mult)
        self.stem2b = ConvBNAct(mid // 2, mid, 2, 1, padding="SAME", lr_mult=lr_mult)
        self.stem3 = ConvBNAct(mid * 2, mid, 3, 2, lr_mult=lr_mult)
        self.stem4 = ConvBNAct(mid, ch_out, 1, 1, lr_mult=lr_mult)
        self.pool = nn.MaxPool2D(kernel_size=2, stride=1, ceil_mode=True, padding="SAME")

    def forward(self, x):
        x = self.stem1(x)
        branch = self.stem2b(self.stem2a(x))
        x = paddle.concat([self.pool(x), branch], 1)
        return self.stem4(self.stem3(x))


class HGBlock(nn.Layer):
    """n convs of `mid` channels, aggregation of input + all outputs (1x1 squeeze, 1x1 excitation)."""

    def __init__(self, ch_in, mid, ch_out, kernel, num_convs, residual, light, lr_mult=1.0):
        super().__init__()
        self.residual = residual
        self.layers = nn.LayerList()
        for i in range(num_convs):
            c = ch_in if i == 0 else mid
            self.layers.append(LightConvBNAct(c, mid, kernel, lr_mult) if light
                               else ConvBNAct(c, mid, kernel, lr_mult=lr_mult))
        total = ch_in + num_convs * mid
        self.aggregation_squeeze_conv = ConvBNAct(total, ch_out // 2, 1, lr_mult=lr_mult)
        self.aggregation_excitation_conv = ConvBNAct(ch_out // 2, ch_out, 1, lr_mult=lr_mult)

    def forward(self, x):
        outs = [x]
        y = x
        for layer in self.layers:
            y = layer(y)
            outs.append(y)
        y = self.aggregation_excitation_conv(self.aggregation_squeeze_conv(paddle.concat(outs, 1)))
        return y + x if self.residual else y


class HGStage(nn.Layer):
    """Optional depthwise 3x3 s2 downsample (no activation), then `blocks` HG blocks."""

    def __init__(self, ch_in, mid, ch_out, blocks, downsample, light, kernel, num_convs, lr_mult=1.0):
        super().__init__()
        self.downsample = (ConvBNAct(ch_in, ch_in, 3, 2, groups=ch_in, act=False, lr_mult=lr_mult)
                           if downsample else None)
        self.blocks = nn.Sequential(*[
            HGBlock(ch_in if i == 0 else ch_out, mid, ch_out, kernel, num_convs, i > 0, light, lr_mult)
            for i in range(blocks)])

    def forward(self, x):
        if self.downsample is not None:
            x = self.downsample(x)
        return self.blocks(x)


@register
@serializable
class PPHGNetV2(nn.Layer):
    """PP-HGNetV2 `arch` (S/M/L/X/H). lr_mult_list: [stem, stage1..4] learning-rate multipliers (the stem is
    frozen anyway); return_idx: which stages to return (Mask-RT-DETR uses all four, strides 4/8/16/32)."""

    def __init__(self, arch="L", lr_mult_list=(0.0, 0.05, 0.05, 0.05, 0.05), return_idx=(0, 1, 2, 3),
                 freeze_stem=True):
        super().__init__()
        if arch not in HGNETV2_ARCHS:
            raise ValueError(f"PPHGNetV2 arch must be one of {sorted(HGNETV2_ARCHS)}, got {arch!r}")
        stem, stages = HGNETV2_ARCHS[arch]
        self.return_idx = list(return_idx)
        self._out_channels = [s[2] for s in stages]
        self._out_strides = [4, 8, 16, 32]
        self.stem = StemBlock(*stem, lr_mult=lr_mult_list[0])
        self.stages = nn.LayerList([HGStage(*cfg, lr_mult=lr_mult_list[i + 1]) for i, cfg in enumerate(stages)])
        self._init_weights()
        if freeze_stem:
            for param in self.stem.parameters():
                param.stop_gradient = True

    def _init_weights(self):
        for layer in self.sublayers():
            if isinstance(layer, nn.Conv2D):
                KaimingNormal()(layer.weight)
            elif isinstance(layer, nn.BatchNorm2D):
                Constant(1.0)(layer.weight)
                Constant(0.0)(layer.bias)

    @property
    def out_shape(self):
        return [ShapeSpec(channels=self._out_channels[i], stride=self._out_strides[i]) for i in self.return_idx]

    def forward(self, inputs):
        x = self.stem(inputs["image"])
        outs = []
        for idx, stage in enumerate(self.stages):
            x = stage(x)
            if idx in self.return_idx:
                outs.append(x)
        return outs
