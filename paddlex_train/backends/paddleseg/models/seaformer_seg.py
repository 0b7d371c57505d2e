"""SeaFormer segmentation model: gated fusion chain at 1/8, light head, bilinear x8 (registered as `SeaFormerSeg`).

The head is a module really named `decode_head`, so the recipe's `head` lr x10 parameter group matches it (in
PaddleSeg's port no parameter name contains "head" and the multiplier silently does nothing).
"""
import math

import paddle
from paddle import nn
import paddle.nn.functional as F

from paddleseg.cvlibs import manager
from paddleseg.models.backbones.strideformer import Fusion_block, HSigmoid
from paddleseg.models.pp_mobileseg import PPMobileSegHead


class SeaFormerHead(nn.Layer):
    """Light head: x = 1/8 feature; for each context map g: x = BN(conv1x1(x)) * up(hsigmoid(BN(conv1x1(g)))).

    Then depthwise 1x1 conv+BN+ReLU, Dropout2D, 1x1 classifier (paddleseg's PPMobileSegHead is exactly that tail).

    Args:
        in_channels: backbone output widths [detail, context_1, ...].
        embed_dims: fusion width per context map; the last one is the head width.
        num_classes: number of classes.
        dropout_ratio: Dropout2D probability before the classifier (0 disables it).
    """

    def __init__(self, in_channels, embed_dims, num_classes, dropout_ratio=0.1):
        super().__init__()
        if len(embed_dims) != len(in_channels) - 1:
            raise ValueError(f"SeaFormerHead: {len(in_channels) - 1} context maps need as many embed_dims, "
                             f"got {list(embed_dims)}")
        self.num_fuse = len(embed_dims)
        width = in_channels[0]
        for i, dim in enumerate(embed_dims):
            # 2.8.0's Fusion_block raises TypeError without `activations`; SeaFormer's gate is the hard sigmoid.
            setattr(self, f"fuse{i + 1}", Fusion_block(width, in_channels[i + 1], dim, activations=HSigmoid))
            width = dim
        # PPMobileSegHead always builds its Dropout2D, so dropout_ratio=0 works (it crashes PaddleSeg's SeaFormerSeg).
        self.tail = PPMobileSegHead(num_classes, in_channels=width, use_dw=True, dropout_ratio=dropout_ratio)

    def forward(self, feats):
        x = feats[0]
        for i in range(self.num_fuse):
            x = getattr(self, f"fuse{i + 1}")(x, feats[i + 1])
        return self.tail(x)


def init_head(head):
    """Initialise the head as mmseg does: conv ~ He normal over fan-out, BN 1/0, classifier ~ N(0, 0.01), bias 0."""
    for sub in head.sublayers():
        if isinstance(sub, nn.Conv2D):
            kh, kw = sub._kernel_size
            std = 0.01 if sub is head.tail.conv_seg else math.sqrt(2.0 / (kh * kw * sub._out_channels))
            sub.weight.set_value(paddle.normal(0.0, std, sub.weight.shape))
            if sub.bias is not None:
                sub.bias.set_value(paddle.zeros(sub.bias.shape, sub.bias.dtype))
        elif isinstance(sub, (nn.BatchNorm2D, nn.SyncBatchNorm)):
            sub.weight.set_value(paddle.ones(sub.weight.shape, sub.weight.dtype))
            sub.bias.set_value(paddle.zeros(sub.bias.shape, sub.bias.dtype))


@manager.MODELS.add_component
class SeaFormerSeg(nn.Layer):
    """SeaFormer semantic segmentation model (Wan et al., "SeaFormer: Squeeze-enhanced Axial Transformer for Mobile
    Semantic Segmentation", ICLR 2023).

    Args:
        num_classes: number of classes.
        backbone: a SeaFormer backbone (e.g. `SeaFormer_tiny`), exposing `feat_channels` and `head_dims`.
        embed_dims: fusion widths; default the backbone variant's published widths.
        dropout_ratio: Dropout2D before the classifier.
        align_corners: bilinear upsampling of the logits to the input size.
        pretrained: a whole-model checkpoint (ours or PaddleSeg/PaddleX SeaFormer names), local path or URL.

    Returns (forward): a one-element list of logits [N, num_classes, H, W] (paddleseg's model contract).
    """

    def __init__(self, num_classes, backbone, embed_dims=None, dropout_ratio=0.1, align_corners=False,
                 pretrained=None):
        super().__init__()
        self.backbone = backbone
        self.num_classes = num_classes
        self.align_corners = align_corners
        dims = list(embed_dims) if embed_dims else list(backbone.head_dims)
        self.decode_head = SeaFormerHead(backbone.feat_channels, dims, num_classes, dropout_ratio)
        init_head(self.decode_head)
        if pretrained:
            from .seaformer_ckpt import load_weights  # local import: the key map imports this module
            load_weights(self, pretrained, part="model")

    @staticmethod
    def convert_state_dict(state):
        """Hook for generic weight loaders: PaddleSeg/PaddleX SeaFormer keys (whole model or backbone only) -> ours.

        Keys already in our naming pass through unchanged; backbone-only keys get the `backbone.` prefix.
        """
        from .seaformer_ckpt import to_model_keys

        return to_model_keys(state)

    def forward(self, x):
        size = x.shape[2:]
        logits = self.decode_head(self.backbone(x))
        return [F.interpolate(logits, size=size, mode="bilinear", align_corners=self.align_corners)]
