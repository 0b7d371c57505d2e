"""Issue 12.4: every module YAML ships PaddleX's pretrained weights as Train.pretrain_weight_path (ImageNet backbones
for the semantic models, whole COCO models for the instance models), as PaddleX 3.7.2's own module YAMLs do."""
import re
from pathlib import Path

import pytest

from conftest import INST_CONFIG_DIR, SEG_CONFIG_DIR
from paddlex_train.config import load_config
from paddlex_train.utils.download import PADDLEX_MODEL_HOST

YAMLS = sorted(SEG_CONFIG_DIR.glob("*.yaml")) + sorted(INST_CONFIG_DIR.glob("*.yaml"))
REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "paddlex_pretrained.md"


def expected_url(path):
    """PaddleX's naming: <Model>_backbone_imagenet_pretrained (semantic, but MaskFormer: whole model) or
    <Model>_pretrained (instance)."""
    backbone = path.parent.name == "semantic_segmentation" and not path.stem.startswith("MaskFormer")
    return f"{PADDLEX_MODEL_HOST}{path.stem}_{'backbone_imagenet_' if backbone else ''}pretrained.pdparams"


def test_all_35_models_have_a_default():
    assert len(YAMLS) == 35


@pytest.mark.parametrize("path", YAMLS, ids=lambda p: p.stem)
def test_default_is_paddlex_url(path):
    assert load_config(path).get("Train.pretrain_weight_path") == expected_url(path)


def test_defaults_equal_the_reference_table():
    if not REFERENCE.is_file():
        pytest.skip("../shared/reference is not available")
    rows = re.findall(r"^\| (\w+) \| (\S+) \| (\S+) \| \S+ \|$", REFERENCE.read_text(), re.M)
    table = {model: url for module, model, url in rows if module.endswith("segmentation")}
    assert len(table) == 35
    assert {p.stem: load_config(p).get("Train.pretrain_weight_path") for p in YAMLS} == table
