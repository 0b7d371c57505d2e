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
