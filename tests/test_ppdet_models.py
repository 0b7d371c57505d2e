"""Every architecture file: train one iteration, evaluate (all keys), export, static prediction == dygraph.

Backend-level (no subprocess) on a 3-image 64 px synthetic COCO set. Proposal and detection counts are cut down
so each model runs in well under a minute on 2 CPU cores; score thresholds are 0 so the exported program really
produces boxes and masks to compare.
"""
import math

import numpy as np
import pytest

from tests.inst_helpers import coco_set, match_outputs, shrink

pytestmark = pytest.mark.slow


def _models():
    from pathlib import Path

    archs = Path(__file__).resolve().parent.parent / "paddlex_train" / "backends" / "paddledet" / "archs"
    return sorted(p.stem for p in archs.glob("*.yml"))


def test_nine_architecture_files():
    assert len(_models()) == 9


@pytest.mark.parametrize("model", _models())
def test_train_evaluate_export_predict(model, tmp_path_factory, monkeypatch):
    import cv2

    from paddlex_train.backends.paddledet import dygraph
    from paddlex_train.backends.paddledet.config import DetSettings, build_config
    from paddlex_train.backends.paddledet.export import export_inference
    from paddlex_train.backends.paddledet.session import DetTrainSession
    from paddlex_train.inference.base import create_predictor

    data = coco_set(tmp_path_factory)
    out = tmp_path_factory.mktemp(model)
    settings = DetSettings(epochs=1, batch_size=2, learning_rate=0.0005, num_classes=3, target_size=[64, 64],
                           save_dir=str(out), log_interval=1)
    cfg = shrink(build_config(model, data, settings))
    logs = []
    session = DetTrainSession(cfg, model, None, None, 0, logs.append, export_inference)
    info = session.run_unit(1)
    assert math.isfinite(info["loss"]) and info["samples"] == 2
    assert any("[TRAIN] epoch: 1/1, iter: 1/1" in line and "ETA" in line for line in logs)

    score, metrics = session.evaluate()
    for key in ("AP", "bbox_AP", "AP50", "AP75", "APs", "APm", "APl", "per_category_AP"):
        assert key in metrics
    assert set(metrics["per_category_AP"]) == {"circle", "rectangle", "triangle"}
    assert score == metrics["AP"]

    files = session.save_checkpoint(out / "1", 1, score, best=False)
    assert {"pdparams", "pdopt", "pdstates"} <= set(files)
    exported = session.export(out / "1" / "inference")
    import yaml

    yml = yaml.safe_load(exported["inference_config"].read_text())
    for key in ("mode", "draw_threshold", "metric", "arch", "Preprocess", "label_list", "mask"):
        assert key in yml
    assert yml["mask"] is True and yml["label_list"] == ["circle", "rectangle", "triangle"]
    assert yml["Global"]["model_name"] == model

    # Compare the program itself: oneDNN's CPU kernels round differently, which flips near-tied NMS decisions of
    # an untrained model (the predictor's default keeps oneDNN on).
    monkeypatch.setenv("PXT_MKLDNN", "0")
    predictor = create_predictor(out / "1" / "inference", device="cpu", threshold=0.0)
    net = dygraph.build_model(cfg, out / "1" / "model.pdparams")
    image = cv2.imread(str(data / "images" / "synth_0002.jpg"))[:, :, ::-1].copy()
    static, inputs = predictor.run_raw(image)
    match_outputs(static, dygraph.forward(net, inputs))
    results = list(predictor.predict(str(data / "images" / "synth_0002.jpg")))
    assert len(results) == 1 and results[0]["masks"].shape[1:] == image.shape[:2]
    assert np.all([0 <= b["score"] <= 1 for b in results[0]["boxes"]])
