"""ppdet config building (schedule, warm-up, sizes, class check, unavailable models) and the COCO metrics."""
import json
import logging

import pytest

from inst_helpers import coco_set


def _build(tmp_path_factory, model="MaskRCNN-ResNet50-FPN", **kw):
    from paddlex_train.backends.paddledet.config import DetSettings, build_config

    settings = dict(epochs=24, learning_rate=0.02, warmup_steps=50, num_classes=3, target_size=[96, 128])
    settings.update(kw)
    return build_config(model, coco_set(tmp_path_factory), DetSettings(**settings))


def test_schedule_warmup_and_sizes(tmp_path_factory):
    from ppdet.optimizer.optimizer import LinearWarmup, PiecewiseDecay

    cfg = _build(tmp_path_factory)
    decay, warm = cfg["LearningRate"]["schedulers"]
    assert cfg["epoch"] == 24 and cfg["LearningRate"]["base_lr"] == 0.02
    assert isinstance(decay, PiecewiseDecay) and decay.milestones == [16, 22]  # 8/12 and 11/12 of 24 epochs
    assert isinstance(warm, LinearWarmup) and warm.steps == 50
    assert cfg["TrainReader"]["sample_transforms"][1]["RandomResize"]["target_size"] == [[96, 128]]
    assert cfg["EvalReader"]["sample_transforms"][1]["Resize"]["target_size"] == [96, 128]
    assert cfg["num_classes"] == 3 and cfg["use_gpu"] is False
    assert cfg["ResNet"]["freeze_norm"] is False  # no pretrained weights: BN is trained


def test_zero_warmup_disables_it(tmp_path_factory):
    cfg = _build(tmp_path_factory, warmup_steps=0)
    (decay,) = cfg["LearningRate"]["schedulers"]
    assert decay.use_warmup is False
    from ppdet.core.workspace import create

    lr = create("LearningRate")(10)
    assert abs(lr.get_lr() - 0.02) < 1e-9  # starts at the base rate


def test_class_count_checked_against_dataset(tmp_path_factory):
    from paddlex_train.backends.paddledet.config import check_num_classes
    from paddlex_train.errors import ConfigError

    data = coco_set(tmp_path_factory)
    assert check_num_classes(data, 3) == ["circle", "rectangle", "triangle"]
    with pytest.raises(ConfigError, match="num_classes=2 .* 3 categories"):
        check_num_classes(data, 2)


@pytest.mark.parametrize("model", ["PP-YOLOE_seg-L"])  # Mask-RT-DETR S-H and PP-YOLOE_seg-S are implemented (models/)
def test_models_without_arch_file_are_not_available(model):
    from paddlex_train.backends.paddledet.config import arch_path
    from paddlex_train.errors import UnsupportedError

    with pytest.raises(UnsupportedError, match="not available yet"):
        arch_path(model)


def test_metrics_perfect_and_empty(tmp_path_factory, caplog):
    from paddlex_train.backends.paddledet.metrics import coco_metrics

    ann = coco_set(tmp_path_factory) / "annotations" / "instance_val.json"
    gt = json.loads(ann.read_text())
    segm = [{"image_id": a["image_id"], "category_id": a["category_id"], "segmentation": a["segmentation"],
             "score": 1.0} for a in gt["annotations"]]
    from pycocotools import mask as mask_utils

    for s, a in zip(segm, gt["annotations"]):
        img = next(i for i in gt["images"] if i["id"] == a["image_id"])
        s["segmentation"] = mask_utils.merge(mask_utils.frPyObjects(a["segmentation"], img["height"], img["width"]))
        s["segmentation"]["counts"] = s["segmentation"]["counts"].decode()
    perfect = coco_metrics(str(ann), [], segm)
    assert perfect["AP"] == pytest.approx(1.0) and perfect["bbox_AP"] == pytest.approx(1.0)
    present = {c["name"] for c in gt["categories"] if any(a["category_id"] == c["id"] for a in gt["annotations"])}
    assert all(perfect["per_category_AP"][n] == pytest.approx(1.0) for n in present)

    with caplog.at_level(logging.WARNING, logger="paddlex_train"):
        empty = coco_metrics(str(ann), [], [])
    assert empty["AP"] == 0.0 and set(empty["per_category_AP"]) == {"circle", "rectangle", "triangle"}
    assert "predicted no instance" in caplog.text


@pytest.mark.slow
@pytest.mark.parametrize("how", ["local", "url"])
def test_pretrained_weights_local_file_and_url(how, tmp_path_factory, tmp_path, monkeypatch):
    """Train.pretrain_weight_path (local file or URL from a loopback server) really loads into the model."""
    import numpy as np
    import paddle
    from ppdet.core.workspace import create

    from paddlex_train.backends.paddledet.config import DetSettings, build_config
    from paddlex_train.backends.paddledet.runners import make_session
    from paddlex_train.config.loader import load_config
    from conftest import INST_CONFIG_DIR
    from predict_fixtures import LoopbackServer

    data = coco_set(tmp_path_factory)
    cfg = build_config("MaskRCNN-ResNet50-FPN", data, DetSettings(num_classes=3))
    paddle.seed(123)
    weights = create(cfg.architecture).state_dict()
    (tmp_path / "www").mkdir()
    paddle.save(weights, str(tmp_path / "www" / "w.pdparams"))
    server = LoopbackServer(tmp_path / "www") if how == "url" else None
    value = f"{server.url}/w.pdparams" if server else str(tmp_path / "www" / "w.pdparams")
    monkeypatch.setenv("PADDLEX_TRAIN_CACHE", str(tmp_path / "cache"))
    try:
        config = load_config(INST_CONFIG_DIR / "MaskRCNN-ResNet50-FPN.yaml", [
            "Global.device=cpu", f"Global.dataset_dir={data}", "Train.num_classes=3", "Train.epochs_iters=1",
            "Train.input_shape=[64,64]", f"Train.pretrain_weight_path={value}"])
        session = make_session(config, tmp_path / "out", lambda msg: None)
    finally:
        if server:
            server.close()
    name = "backbone.conv1.conv1.conv.weight"
    loaded = session.trainer.model.state_dict()[name].numpy()
    np.testing.assert_array_equal(loaded, weights[name].numpy())
    assert session.cfg["ResNet"]["freeze_norm"] is not False  # pretrained: ppdet's frozen BN is kept
