"""Each ppdet compat patch is needed: reverting it makes a real forward pass fail; re-applying fixes it."""
import os

import pytest

from inst_helpers import coco_set, shrink


def _forward(model, mode, tmp_path_factory):
    """One forward pass of `model` on one batch of the tiny COCO set ('train' = losses, 'eval' = predictions)."""
    import paddle

    from paddlex_train.backends.paddledet.config import DetSettings, build_config
    from paddlex_train.backends.paddledet.session import DetTrainer

    data = coco_set(tmp_path_factory)
    settings = DetSettings(batch_size=2, num_classes=3, target_size=[64, 64], save_dir=str(data.parent / "o"))
    cfg = shrink(build_config(model, data, settings))
    trainer = DetTrainer(cfg, mode=mode)
    batch = next(iter(trainer.loader))
    if mode == "train":
        trainer.model.train()
        return trainer.model(batch)
    trainer.model.eval()
    with paddle.no_grad():
        return trainer.model(batch)


# patch key -> (model, mode) whose forward fails without it
CASES = {
    "rpn_head": ("MaskRCNN-ResNet50-FPN", "train"),
    "proposal_target": ("MaskRCNN-ResNet50-FPN", "train"),
    "mask_target": ("MaskRCNN-ResNet50-FPN", "train"),
    "cascade_rois": ("Cascade-MaskRCNN-ResNet50-FPN", "train"),
    "bbox_post_process": ("MaskRCNN-ResNet50-FPN", "eval"),
    "solov2_seg_single": ("SOLOv2", "eval"),
    "mask_matrix_nms": ("SOLOv2", "eval"),
}


def test_every_patch_has_a_guard_test():
    from paddlex_train.backends.paddledet import compat

    # ema_filter_no_grad is guarded by tests/test_mask_rtdetr_compat.py (a ModelEMA call, not a forward pass)
    assert set(compat.REWRITES) == set(CASES) | {"solov2_bbox_num", "ema_filter_no_grad"}


@pytest.mark.slow
@pytest.mark.parametrize("key", sorted(CASES))
def test_patch_is_needed(key, tmp_path_factory):
    from paddlex_train.backends.paddledet import compat

    model, mode = CASES[key]
    compat.revert(key)
    try:
        with pytest.raises((ValueError, IndexError, RuntimeError, AssertionError)):
            _forward(model, mode, tmp_path_factory)
    finally:
        compat.apply_one(key)
    out = _forward(model, mode, tmp_path_factory)
    assert ("loss" in out) if mode == "train" else ("bbox_num" in out)


@pytest.mark.slow
def test_solov2_bbox_num_is_1d(tmp_path_factory):
    from paddlex_train.backends.paddledet import compat

    compat.revert("solov2_bbox_num")
    try:
        assert len(_forward("SOLOv2", "eval", tmp_path_factory)["bbox_num"].shape) == 0
    finally:
        compat.apply_one("solov2_bbox_num")
    assert list(_forward("SOLOv2", "eval", tmp_path_factory)["bbox_num"].shape) == [1]


def test_rewrite_that_no_longer_matches_fails_loudly():
    from paddlex_train.backends.paddledet import compat
    from paddlex_train.errors import BackendError

    bogus = compat.Rewrite("ppdet.modeling.heads.mask_head", "MaskHead.forward", "no such text", "x", "test")
    compat.REWRITES["_bogus"] = bogus
    try:
        with pytest.raises(BackendError, match="no longer matches"):
            compat.apply_one("_bogus")
    finally:
        del compat.REWRITES["_bogus"]


def test_export_forces_full_graph(monkeypatch):
    from paddlex_train.backends.paddledet import compat

    monkeypatch.setenv("ENABLE_FALL_BACK", "True")
    compat.force_full_graph_export()
    assert os.environ["ENABLE_FALL_BACK"] == "False"


def test_load_arch_does_not_leak_between_models():
    from paddlex_train.backends.paddledet.config import load_arch

    assert load_arch("MaskRCNN-ResNeXt101-vd-FPN")["ResNet"]["groups"] == 64
    assert "head" in dict(load_arch("Cascade-MaskRCNN-ResNet50-FPN")["CascadeHead"])
    cfg = load_arch("MaskRCNN-ResNet50-FPN")
    assert "groups" not in dict(cfg["ResNet"]) and cfg["ResNet"]["depth"] == 50
    assert "head" not in dict(cfg["CascadeHead"])  # registered module back to its bare schema
