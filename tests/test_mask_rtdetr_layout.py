"""Mask-RT-DETR S/M/L/X/H: the built model's state dict equals the official layout (manifest.json) key for key and
shape for shape, so PaddleX's *_pretrained.pdparams load with nothing missing or unexpected; parameter counts
are the published 14.66 / 18.82 / 32.89 / 68.78 / 130.02 M. Building H on CPU takes ~10 s; all five ~20 s."""
import pytest

from mask_rtdetr_helpers import SIZES, build_model, manifest

PARAMS_M = {"S": 14.66, "M": 18.82, "L": 32.89, "X": 68.78, "H": 130.02}


@pytest.mark.parametrize("size", SIZES)
def test_state_dict_matches_official_layout(size):
    model = build_model(size)
    ours = {k: list(v.shape) for k, v in model.state_dict().items()}
    official = manifest(size)
    assert sorted(set(official) - set(ours)) == [], "missing keys"
    assert sorted(set(ours) - set(official)) == [], "unexpected keys"
    assert {k: v for k, v in ours.items() if v != official[k]} == {}, "shape mismatch"
    total = sum(v.size for v in model.state_dict().values())
    assert round(total / 1e6, 2) == PARAMS_M[size]


def test_backbone_frozen_stem_and_norms_and_stage_lr():
    """Stem and every backbone BatchNorm take no gradient; stage convs carry the size's lr multiplier."""
    model = build_model("S")
    backbone = model.backbone
    assert all(p.stop_gradient for p in backbone.stem.parameters())
    norms = [n for n, p in backbone.named_parameters() if ".bn." in n]
    assert norms and all(p.stop_gradient for n, p in backbone.named_parameters() if ".bn." in n)
    conv = backbone.stages[2].blocks[0].aggregation_squeeze_conv.conv.weight
    assert conv.optimize_attr["learning_rate"] == pytest.approx(0.1)
    assert not conv.stop_gradient


@pytest.mark.parametrize("size,level,prototypes", [("S", 1, 128), ("M", 1, 128), ("L", 2, 32), ("X", 2, 128),
                                                    ("H", 2, 128)])
def test_aifi_level_and_prototypes(size, level, prototypes):
    """AIFI runs at s16 for S/M and at s32 for L/X/H (index over s8/s16/s32); L keeps 32 prototypes."""
    model = build_model(size)
    assert model.neck.use_encoder_idx == [level]
    assert model.neck.enc_mask_output[1].weight.shape[0] == prototypes
