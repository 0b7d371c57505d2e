"""Mask-RT-DETR-S through main.py with the shipped module YAML: train (1 epoch, 64 px) -> EMA checkpoint layout ->
evaluate -> predict with the exported best model -> the instance_segmentation pipeline (its default model) given
that model_dir. ~4 min on 2 busy cores (the recipe's 12544-point mask losses dominate a CPU step)."""
import json

import pytest

from conftest import INST_CONFIG_DIR, read_result, run_main
from inst_helpers import coco_set

pytestmark = pytest.mark.slow
CFG = INST_CONFIG_DIR / "Mask-RT-DETR-S.yaml"
ENV = {"OMP_NUM_THREADS": "1"}


def _args(data, out, mode, *extra):
    return ["-c", CFG, "-o", f"Global.mode={mode}", "-o", "Global.device=cpu", "-o", f"Global.dataset_dir={data}",
            "-o", f"Global.output={out}", "-o", "Train.num_classes=3", "-o", "Train.input_shape=[64,64]",
            "-o", "Train.log_interval=1", "-o", "Train.pretrain_weight_path=null", *extra]


@pytest.fixture(scope="module")
def trained(tmp_path_factory, module_tmp):
    data = coco_set(tmp_path_factory)
    out = module_tmp("mask_rtdetr_run")
    proc = run_main(*_args(data, out, "train", "-o", "Train.epochs_iters=1"), env=ENV, timeout=1800)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return data, out


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
    proc = run_main(*_args(data, ev, "evaluate", "-o",
                           f"Evaluate.weight_path={out / 'best_model' / 'best_model.pdparams'}"), env=ENV)
    assert proc.returncode == 0, proc.stderr[-2000:]
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
    proc = run_main(*_args(data, pred, "predict", "-o", f"Predict.model_dir={model_dir}",
                           "-o", f"Predict.input={image}"), env=ENV)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert read_result(pred, "predict")["done_flag"] is True
    pipe = tmp_path / "pipe"
    proc = run_main("--pipeline", "instance_segmentation", "--input", image, "--device", "cpu", "--threshold", "0",
                    "--model_dir", model_dir, "--save_path", pipe, env=ENV)
    assert proc.returncode == 0, proc.stderr[-2000:]
    res = json.loads((pipe / "synth_0002_res.json").read_text())["res"]
    assert res["boxes"] and len(res["masks"]) == len(res["boxes"])


def test_two_process_cpu_launch(tmp_path_factory, tmp_path):
    """The existing multi-process launch (Global.device=cpu:0,1) trains Mask-RT-DETR too."""
    data = coco_set(tmp_path_factory)
    out = tmp_path / "dist"
    proc = run_main(*_args(data, out, "train", "-o", "Train.epochs_iters=1", "-o", "Global.device=cpu:0,1",
                           "-o", "Train.batch_size=1"), env=ENV, timeout=1800)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (out / "best_model" / "best_model.pdparams").is_file() and (out / "1" / "model.pdema").is_file()
    assert read_result(out, "train")["done_flag"] is True
