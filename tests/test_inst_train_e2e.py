"""Instance segmentation through main.py: train -> evaluate -> export -> predict, resume, 2-process CPU launch,
and the clear errors (class-count mismatch, missing data set, models not in ppdet 2.6)."""
import json

import pytest

from conftest import INST_CONFIG_DIR, read_result, run_main
from inst_helpers import coco_set

CFG = INST_CONFIG_DIR / "MaskRCNN-ResNet50-FPN.yaml"
ENV = {"OMP_NUM_THREADS": "1"}


def _args(data, out, mode, *extra):
    return ["-c", CFG, "-o", f"Global.mode={mode}", "-o", "Global.device=cpu", "-o", f"Global.dataset_dir={data}",
            "-o", f"Global.output={out}", "-o", "Train.num_classes=3", "-o", "Train.input_shape=[64,64]",
            "-o", "Train.batch_size=2", "-o", "Train.learning_rate=0.0005", "-o", "Train.warmup_steps=1",
            "-o", "Train.log_interval=1", "-o", "Train.pretrain_weight_path=null", *extra]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return coco_set(tmp_path_factory, num=6, name="coco64x6")


@pytest.fixture(scope="module")
def trained(data, module_tmp):
    out = module_tmp("inst_run")
    proc = run_main(*_args(data, out, "train", "-o", "Train.epochs_iters=1"), env=ENV, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out


@pytest.mark.slow
def test_train_output_tree(trained):
    result = read_result(trained, "train")
    assert result["done_flag"] is True
    best = result["models"]["best"]
    assert best["pdparams"] == "best_model/best_model.pdparams" and isinstance(best["score"], float)
    assert result["models"]["last_1"]["pdparams"] == "1/model.pdparams"
    for rel in ("1/model.pdparams", "1/model.pdopt", "1/model.pdstates", "1/inference/inference.pdmodel",
                "best_model/best_model.pdparams", "best_model/model.pdparams", "best_model/inference/inference.yml",
                "train.log", "results.csv", "curves.png", "config.yaml"):
        assert (trained / rel).is_file(), rel
    log = (trained / "train.log").read_text()
    assert "[TRAIN] epoch: 1/1, iter: 1/2" in log and "ETA" in log


@pytest.mark.slow
def test_evaluate_export_predict(trained, data, tmp_path):
    proc = run_main(*_args(data, trained, "evaluate"), env=ENV)
    assert proc.returncode == 0, proc.stderr[-2000:]
    metrics = read_result(trained, "evaluate")["metrics"]
    assert {"AP", "bbox_AP", "AP50", "AP75", "APs", "APm", "APl"} <= set(metrics)
    assert set(metrics["per_category_AP"]) == {"circle", "rectangle", "triangle"}

    exp = tmp_path / "exp"
    proc = run_main(*_args(data, exp, "export", "-o",
                           f"Export.weight_path={trained / 'best_model' / 'best_model.pdparams'}"), env=ENV)
    assert proc.returncode == 0, proc.stderr[-2000:]
    import yaml

    yml = yaml.safe_load((exp / "inference.yml").read_text())
    assert yml["mask"] is True and yml["label_list"] == ["circle", "rectangle", "triangle"]
    assert {"mode", "draw_threshold", "metric", "arch", "Preprocess"} <= set(yml)

    pred = tmp_path / "pred"
    proc = run_main(*_args(data, pred, "predict", "-o", f"Predict.model_dir={exp}", "-o",
                           f"Predict.input={data / 'images'}"), env=ENV)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = read_result(pred, "predict")
    assert result["num_inputs"] == 6
    for entry in result["results"]:
        body = json.loads((pred / entry["json"]).read_text())["res"]
        assert (pred / entry["res"]).is_file()
        assert len(body["masks"]) == len(body["boxes"])
        for box in body["boxes"]:
            assert set(box) == {"cls_id", "label", "score", "coordinate"}

    counts = {}
    for threshold in (0.0, 1.0):  # Predict.threshold reaches the predictor: 0 keeps every instance, 1 none
        out = tmp_path / f"pred_t{threshold}"
        proc = run_main(*_args(data, out, "predict", "-o", f"Predict.model_dir={exp}", "-o",
                               f"Predict.input={data / 'images'}", "-o", f"Predict.threshold={threshold}"), env=ENV)
        assert proc.returncode == 0, proc.stderr[-2000:]
        counts[threshold] = sum(len(json.loads((out / e["json"]).read_text())["res"]["boxes"])
                                for e in read_result(out, "predict")["results"])
    assert counts[1.0] == 0 and counts[0.0] > 0


@pytest.mark.slow
def test_resume_continues_at_next_epoch(trained, data):
    proc = run_main(*_args(data, trained, "train", "-o", "Train.epochs_iters=2", "-o",
                           f"Train.resume_path={trained / '1'}"), env=ENV, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    log = (trained / "train.log").read_text()
    assert "Resumed from" in log and "[TRAIN] epoch: 2/2, iter: 1/2" in log
    assert "[TRAIN] epoch: 1/2" not in log.split("Resumed from")[-1]
    models = read_result(trained, "train")["models"]
    assert models["last_1"]["pdparams"] == "2/model.pdparams" and models["last_2"]["pdparams"] == "1/model.pdparams"


@pytest.mark.slow
def test_two_process_cpu_launch(data, tmp_path):
    out = tmp_path / "dist"
    proc = run_main(*_args(data, out, "train", "-o", "Train.epochs_iters=1", "-o", "Global.device=cpu:0,1",
                           "-o", "Train.batch_size=1"), env=ENV, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (out / "best_model" / "best_model.pdparams").is_file()
    assert (out / "distributed_train_logs").is_dir()
    assert read_result(out, "train")["done_flag"] is True


def test_class_count_mismatch_is_a_config_error(data, tmp_path):
    proc = run_main(*_args(data, tmp_path, "train", "-o", "Train.num_classes=5"), env=ENV)
    assert proc.returncode == 2
    err = read_result(tmp_path, "train")
    assert err["err_type"] == "ConfigError" and "num_classes=5" in err["err_msg"] and "3 categories" in err["err_msg"]


def test_missing_dataset_is_a_dataset_error(tmp_path):
    proc = run_main(*_args(tmp_path / "nowhere", tmp_path / "o", "train"), env=ENV)
    assert proc.returncode == 1
    assert read_result(tmp_path / "o", "train")["err_type"] == "DatasetError"


def test_missing_model_dir_is_clear(tmp_path, data):
    proc = run_main(*_args(data, tmp_path, "predict", "-o", f"Predict.model_dir={tmp_path / 'none'}",
                           "-o", f"Predict.input={data / 'images'}"), env=ENV)
    assert proc.returncode != 0
    assert "does not exist" in read_result(tmp_path, "predict")["err_msg"]
