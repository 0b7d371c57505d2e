"""Every module YAML loads and validates (a new YAML adds a test case automatically)."""
import pytest
import yaml

from conftest import INST_CONFIG_DIR, SEG_CONFIG_DIR
from paddlex_train.catalog import catalog
from paddlex_train.config import load_config
from paddlex_train.config.schema import SECTIONS

ALL_YAMLS = sorted(SEG_CONFIG_DIR.glob("*.yaml")) + sorted(INST_CONFIG_DIR.glob("*.yaml"))

SEMANTIC = ["PP-LiteSeg-T", "PP-LiteSeg-B"] + [f"SegFormer-B{i}" for i in range(6)] + [
    "Deeplabv3-R50", "Deeplabv3-R101", "Deeplabv3_Plus-R50", "Deeplabv3_Plus-R101", "OCRNet_HRNet-W18",
    "OCRNet_HRNet-W48", "SeaFormer_tiny", "SeaFormer_small", "SeaFormer_base", "SeaFormer_large",
    "MaskFormer_tiny", "MaskFormer_small"]
INSTANCE = [f"Mask-RT-DETR-{s}" for s in "SMLXH"] + [
    "MaskRCNN-ResNet50", "MaskRCNN-ResNet50-FPN", "MaskRCNN-ResNet50-vd-FPN", "MaskRCNN-ResNet101-FPN",
    "MaskRCNN-ResNet101-vd-FPN", "MaskRCNN-ResNeXt101-vd-FPN", "Cascade-MaskRCNN-ResNet50-FPN",
    "Cascade-MaskRCNN-ResNet50-vd-SSLDv2-FPN", "PP-YOLOE_seg-S", "SOLOv2"]


def test_catalog_is_exactly_the_35_models():
    models = catalog()
    assert sorted(m for m, e in models.items() if e.module == "semantic_segmentation") == sorted(SEMANTIC)
    assert sorted(m for m, e in models.items() if e.module == "instance_segmentation") == sorted(INSTANCE)


@pytest.mark.parametrize("path", ALL_YAMLS, ids=lambda p: p.stem)
def test_yaml_loads_and_validates(path):
    raw = yaml.safe_load(path.read_text())
    assert list(raw) == list(SECTIONS), "the six PaddleX sections, in order"
    cfg = load_config(path)
    assert cfg.model == path.stem, "the file is named exactly as its model"
    assert cfg.module == path.parent.name
    assert cfg.get("Global.device") == "gpu:0"
    # Train.pretrain_weight_path is PaddleX's URL on purpose (issue 12.4; tests/test_pretrained_defaults.py)
    for key in ("Global.dataset_dir", "Predict.input", "Export.weight_path"):
        value = str(cfg.get(key) or "")
        assert "://" not in value, f"{key} must not need the network"


def test_instance_defaults_follow_paddlex():
    get = {p.stem: load_config(p) for p in INST_CONFIG_DIR.glob("*.yaml")}
    assert get["Cascade-MaskRCNN-ResNet50-FPN"].get("Train.batch_size") == 1
    assert get["PP-YOLOE_seg-S"].get("Train.batch_size") == 8
    assert get["PP-YOLOE_seg-S"].get("Train.learning_rate") == 0.001
    assert get["Mask-RT-DETR-L"].get("Train.learning_rate") == 0.0001
    assert get["Mask-RT-DETR-S"].get("Train.learning_rate") == 0.00005
    assert all(c.get("Train.epochs_iters") == 40 and c.get("Train.warmup_steps") == 100 for c in get.values())


def test_maskformer_has_fixed_export_shape():
    for name in ("MaskFormer_tiny", "MaskFormer_small"):
        assert load_config(SEG_CONFIG_DIR / f"{name}.yaml").get("Export.input_shape") == [1, 3, 512, 512]
