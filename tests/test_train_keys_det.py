"""Issue 17, instance models: Train.basic_config_path merges a user's PaddleDetection config over the shipped
architecture (module keys still on top) and refuses configs that cannot build an instance-segmentation model."""
import pytest
import yaml


def _settings(tmp_path, user):
    from paddlex_train.backends.paddledet.config import DetSettings

    return DetSettings(num_classes=3, arch_file=str(user), save_dir=str(tmp_path / "out"))


def test_user_config_changes_the_architecture(tmp_path):
    from paddlex_train.backends.paddledet.config import build_config

    (tmp_path / "base.yml").write_text(yaml.safe_dump({"FPN": {"out_channel": 128}}))
    user = tmp_path / "my_mask_rcnn.yml"
    user.write_text(yaml.safe_dump({"_BASE_": ["base.yml"], "architecture": "MaskRCNN", "num_classes": 80,
                                    "MaskHead": {"share_bbox_feat": True}}))
    cfg = build_config("MaskRCNN-ResNet50-FPN", tmp_path, _settings(tmp_path, user))
    assert cfg["FPN"]["out_channel"] == 128 and cfg["MaskHead"]["share_bbox_feat"] is True
    assert cfg["num_classes"] == 3  # the module key wins over the user's file
    assert "TrainReader" in cfg and cfg["architecture"] == "MaskRCNN"  # sections it omits stay shipped


@pytest.mark.parametrize("content, message", [
    ({"model": {"type": "PPLiteSeg"}}, "is a PaddleSeg config; instance segmentation models need a PaddleDetection "
                                       "config (with an `architecture`)."),
    ({"architecture": "MaskRCNNN"}, "architecture 'MaskRCNNN' is not a PaddleDetection model. Did you mean MaskRCNN?"),
    ({"architecture": "FasterRCNN"}, "architecture FasterRCNN has no mask head"),
])
def test_user_config_is_validated(tmp_path, content, message):
    from paddlex_train.backends.paddledet.config import build_config
    from paddlex_train.errors import ConfigError

    user = tmp_path / "user.yml"
    user.write_text(yaml.safe_dump(content))
    with pytest.raises(ConfigError) as e:
        build_config("MaskRCNN-ResNet50-FPN", tmp_path, _settings(tmp_path, user))
    assert e.value.message.startswith(f"Train.basic_config_path={user}")
    assert message in e.value.message


def test_user_config_can_switch_the_optimizer(tmp_path):
    """A user's optimizer of another type replaces the shipped one instead of inheriting its arguments (ppdet's
    recursive merge alone would hand SGD's `momentum` to AdamW, which refuses it)."""
    import paddle
    from ppdet.core.workspace import create

    from paddlex_train.backends.paddledet.config import build_config

    user = tmp_path / "adamw.yml"
    user.write_text(yaml.safe_dump({"OptimizerBuilder": {"clip_grad_by_norm": 5.0, "regularizer": None,
                                                         "optimizer": {"type": "AdamW", "weight_decay": 0.0001}}}))
    cfg = build_config("PP-YOLOE_seg-S", tmp_path, _settings(tmp_path, user))
    assert dict(cfg["OptimizerBuilder"]["optimizer"]) == {"type": "AdamW", "weight_decay": 0.0001}
    optimizer = create("OptimizerBuilder")(0.001, paddle.nn.Linear(2, 2))
    assert isinstance(optimizer, paddle.optimizer.AdamW)
    assert isinstance(optimizer._grad_clip, paddle.nn.ClipGradByGlobalNorm)


def test_user_config_of_the_same_optimizer_still_merges(tmp_path):
    from paddlex_train.backends.paddledet.config import build_config

    user = tmp_path / "momentum.yml"
    user.write_text(yaml.safe_dump({"OptimizerBuilder": {"optimizer": {"type": "Momentum", "use_nesterov": True}}}))
    cfg = build_config("PP-YOLOE_seg-S", tmp_path, _settings(tmp_path, user))
    assert dict(cfg["OptimizerBuilder"]["optimizer"]) == {"type": "Momentum", "momentum": 0.9, "use_nesterov": True}
