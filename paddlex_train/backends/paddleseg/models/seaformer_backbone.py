"""SeaFormer backbone: five MobileNetV2 stacks with Sea-attention stages after the last two (Large: three).

The four variants are data (`VARIANTS`); `SeaFormer_tiny` ... `SeaFormer_large` are registered in paddleseg's
`manager.BACKBONES` so that a PaddleSeg config can say `backbone: {type: SeaFormer_tiny}`. Attribute names follow
PaddleSeg's port (`smb{i}.stem_block`, `smb{i}.layer{j}`, `trans{i}.transformer_blocks.{j}`), so checkpoint keys differ
from the port's only in the conv/BN leaf names (see seaformer_ckpt.py).
"""
from paddle import nn

from paddleseg.cvlibs import manager
from paddleseg.models.backbones.top_transformer import Conv2DBN, InvertedResidual

from .seaformer_attention import DROP_PATH_RATE, init_from_scratch, sea_stage

# Each MV2 row is kernel / expansion t / output channels / stride. `sea` is aligned with `stacks`: None, or
# (depth, key_dim, mlp_ratio) for a Sea stage following that stack at its width. `head_dims` are the light head's
# fusion widths (one per Sea stage); they are the model's defaults, kept here so a variant is one table entry.
VARIANTS = {
    "tiny": dict(
        stem=16, heads=4, head_dims=[64, 96],
        stacks=[[[3, 1, 16, 1], [3, 4, 16, 2], [3, 3, 16, 1]], [[5, 3, 32, 2], [5, 3, 32, 1]],
                [[3, 3, 64, 2], [3, 3, 64, 1]], [[5, 3, 128, 2]], [[3, 6, 160, 2]]],
        sea=[None, None, None, (2, 16, 2), (2, 24, 4)]),
    "small": dict(
        stem=16, heads=6, head_dims=[96, 128],
        stacks=[[[3, 1, 16, 1], [3, 4, 24, 2], [3, 3, 24, 1]], [[5, 3, 48, 2], [5, 3, 48, 1]],
                [[3, 3, 96, 2], [3, 3, 96, 1]], [[5, 4, 160, 2]], [[3, 6, 192, 2]]],
        sea=[None, None, None, (3, 16, 2), (3, 24, 4)]),
    "base": dict(
        stem=16, heads=8, head_dims=[128, 160],
        stacks=[[[3, 1, 16, 1], [3, 4, 32, 2], [3, 3, 32, 1]], [[5, 3, 64, 2], [5, 3, 64, 1]],
                [[3, 3, 128, 2], [3, 3, 128, 1]], [[5, 4, 192, 2]], [[3, 6, 256, 2]]],
        sea=[None, None, None, (4, 16, 2), (4, 24, 4)]),
    "large": dict(
        stem=32, heads=8, head_dims=[128, 160, 192],
        stacks=[[[3, 3, 32, 1], [3, 4, 64, 2], [3, 4, 64, 1]], [[5, 4, 128, 2], [5, 4, 128, 1]],
                [[3, 4, 192, 2], [3, 4, 192, 1]], [[5, 4, 256, 2]], [[3, 6, 320, 2]]],
        sea=[None, None, (3, 16, 2), (3, 20, 4), (3, 24, 6)]),
}

#: Index of the stack whose output is the shared 1/8 detail feature (first output of the backbone).
DETAIL_STACK = 1


class MV2Stack(nn.Layer):
    """A run of MobileNetV2 inverted residuals (optionally preceded by the 3x3 stride-2 stem).

    Args:
        in_channels: input width.
        rows: [kernel, expansion, out_channels, stride] per block.
        stem_channels: when given, a 3x3 s2 conv+BN+ReLU from `in_channels` to this width comes first.
    """

    def __init__(self, in_channels, rows, stem_channels=None):
        super().__init__()
        self.stem_block = None
        if stem_channels:
            self.stem_block = nn.Sequential(Conv2DBN(in_channels, stem_channels, ks=3, stride=2, pad=1), nn.ReLU())
            in_channels = stem_channels
        self.num_layers = len(rows)
        for j, (k, t, c, s) in enumerate(rows):
            self.add_sublayer(f"layer{j + 1}", InvertedResidual(in_channels, c, kernel_size=k, stride=s,
                                                                expand_ratio=t, activations=nn.ReLU))
            in_channels = c
        self.out_channels = in_channels

    def forward(self, x):
        if self.stem_block is not None:
            x = self.stem_block(x)
        for j in range(self.num_layers):
            x = getattr(self, f"layer{j + 1}")(x)
        return x


class SeaFormer(nn.Layer):
    """SeaFormer backbone returning [1/8 detail feature, output of each Sea stage].

    Args:
        stem: stem width.
        stacks: MV2 rows per stack (five stacks, strides 1/4 ... 1/64).
        sea: per stack, None or (depth, key_dim, mlp_ratio) of the Sea stage that follows it.
        heads: attention heads (all Sea stages).
        head_dims: default fusion widths of the light head (read by SeaFormerSeg).
        in_channels: image channels.
        drop_path_rate: stochastic depth of the last block of each Sea stage.
        pretrained: local path or URL of backbone weights (ours or PaddleSeg/PaddleX names), or None to train from
            scratch with the original initialisation.
    """

    def __init__(self, stem, stacks, sea, heads, head_dims, in_channels=3, drop_path_rate=DROP_PATH_RATE,
                 pretrained=None):
        super().__init__()
        self.head_dims = list(head_dims)
        self.sea_after = [i for i, spec in enumerate(sea) if spec]
        channels = in_channels
        for i, rows in enumerate(stacks):
            stack = MV2Stack(channels, rows, stem_channels=stem if i == 0 else None)
            setattr(self, f"smb{i + 1}", stack)
            channels = stack.out_channels
        # Sea stages are registered after all stacks, as in PaddleSeg's port (keeps parameter order one-to-one).
        self.feat_channels = [stacks[DETAIL_STACK][-1][2]]
        for n, i in enumerate(self.sea_after):
            depth, key_dim, mlp_ratio = sea[i]
            width = stacks[i][-1][2]
            setattr(self, f"trans{n + 1}", sea_stage(width, depth, heads, key_dim, mlp_ratio, drop_path_rate))
            self.feat_channels.append(width)
        self.num_stacks = len(stacks)
        init_from_scratch(self)
        if pretrained:
            from .seaformer_ckpt import load_weights  # local import: the key map imports this module
            load_weights(self, pretrained, part="backbone")

    def forward(self, x):
        outputs = []
        n = 0
        for i in range(self.num_stacks):
            x = getattr(self, f"smb{i + 1}")(x)
            if i == DETAIL_STACK:
                outputs.append(x)
            if i in self.sea_after:
                n += 1
                x = getattr(self, f"trans{n}")(x)
                outputs.append(x)
        return outputs


def _factory(variant):
    """A registered constructor `SeaFormer_<variant>(**kwargs)` for one row of VARIANTS."""

    def build(**kwargs):
        return SeaFormer(**VARIANTS[variant], **kwargs)

    build.__name__ = build.__qualname__ = f"SeaFormer_{variant}"
    build.__doc__ = f"SeaFormer-{variant.capitalize()} backbone (see VARIANTS['{variant}'])."
    return build


for _variant in VARIANTS:
    globals()[f"SeaFormer_{_variant}"] = manager.BACKBONES.add_component(_factory(_variant))
