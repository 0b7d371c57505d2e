"""Mask-RT-DETR-S through main.py with the shipped module YAML: train (1 epoch, 64 px) -> EMA checkpoint layout ->
evaluate -> predict with the exported best model -> the instance_segmentation pipeline (its default model) given
that model_dir. ~4 min on 2 busy cores (the recipe's 12544-point mask losses dominate a CPU step)."""
import json

import pytest

from conftest import read_result
from inst_e2e_helpers import args_for, train_one_epoch, train_two_processes
from inst_helpers import coco_set
from seg_helpers import run_ok

pytestmark = pytest.mark.slow
_args = args_for("Mask-RT-DETR-S")


@pytest.fixture(scope="module")
def trained(tmp_path_factory, module_tmp):
    data = coco_set(tmp_path_factory)
    return data, train_one_epoch(_args, data, module_tmp("mask_rtdetr_run"), timeout=1800)


def test_train_saves_ema_weights_as_paddlex(trained):
    """model.pdparams = EMA-averaged weights, model.pdema = raw weights (ppdet/PaddleX layout)."""
    import paddle

    _, out = trained
    assert read_result(out, "train")["done_flag"] is True
    ema, raw = paddle.load(str(out / "1" / "model.pdparams")), paddle.load(str(out / "1" / "model.pdema"))
    assert set(ema) == set(raw)
    key = "transformer.score_head.weight"  # trained, so EMA (one exponential update) and raw differ slightly
    assert not bool(paddle.equal_all(ema[key], raw[key]))
    assert bool(paddle.allclose(ema[key], raw[key], rtol=1e-2, atol=1e-4))
    assert (out / "best_model" / "best_model.pdparams").is_file()
    assert (out / "best_model" / "inference" / "inference.yml").is_file()


def test_evaluate_reports_mask_ap(trained):
    data, out = trained
    ev = out / "eval"
    run_ok(*_args(data, ev, "evaluate", "-o",
                  f"Evaluate.weight_path={out / 'best_model' / 'best_model.pdparams'}"))
    metrics = read_result(ev, "evaluate")["metrics"]
    for key in ("AP", "bbox_AP", "AP50", "per_category_AP"):
        assert key in metrics


def test_predict_and_pipeline_with_exported_model(trained, tmp_path):
    import yaml

    data, out = trained
    model_dir = out / "best_model" / "inference"
    yml = yaml.safe_load((model_dir / "inference.yml").read_text())
    assert yml["arch"] == "DETR" and yml["mask"] is True and yml["use_dynamic_shape"] is False
    assert yml["Global"]["model_name"] == "Mask-RT-DETR-S"
    assert yml["Preprocess"][0]["target_size"] == [64, 64]  # export size = eval size = Train.input_shape
    image = data / "images" / "synth_0002.jpg"
    pred = tmp_path / "pred"
    run_ok(*_args(data, pred, "predict", "-o", f"Predict.model_dir={model_dir}", "-o", f"Predict.input={image}"))
    assert read_result(pred, "predict")["done_flag"] is True
    pipe = tmp_path / "pipe"
    run_ok("--pipeline", "instance_segmentation", "--input", image, "--device", "cpu", "--threshold", "0",
           "--model_dir", model_dir, "--save_path", pipe)
    res = json.loads((pipe / "synth_0002_res.json").read_text())["res"]
    assert res["boxes"] and len(res["masks"]) == len(res["boxes"])


def test_two_process_cpu_launch(tmp_path_factory, tmp_path):
    """The existing multi-process launch (Global.device=cpu:0,1) trains Mask-RT-DETR too."""
    out = train_two_processes(_args, coco_set(tmp_path_factory), tmp_path / "dist", timeout=1800)
    assert (out / "1" / "model.pdema").is_file()
