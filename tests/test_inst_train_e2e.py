"""Instance segmentation through main.py: train -> evaluate -> export -> predict, resume, 2-process CPU launch,
and the clear errors (class-count mismatch, missing data set, models not in ppdet 2.6)."""
import json

import pytest

from conftest import read_result, run_main
from inst_e2e_helpers import args_for, data, train_one_epoch, train_two_processes  # noqa: F401 (data is a fixture)
from seg_helpers import run_ok

ENV = {"OMP_NUM_THREADS": "1"}

_args = args_for("MaskRCNN-ResNet50-FPN", "Train.batch_size=2", "Train.learning_rate=0.0005", "Train.warmup_steps=1")


@pytest.fixture(scope="module")
def trained(data, module_tmp):
    return train_one_epoch(_args, data, module_tmp("inst_run"))


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
    run_ok(*_args(data, trained, "evaluate"))
    metrics = read_result(trained, "evaluate")["metrics"]
    assert {"AP", "bbox_AP", "AP50", "AP75", "APs", "APm", "APl"} <= set(metrics)
    assert set(metrics["per_category_AP"]) == {"circle", "rectangle", "triangle"}

    exp = tmp_path / "exp"
    run_ok(*_args(data, exp, "export", "-o",
                  f"Export.weight_path={trained / 'best_model' / 'best_model.pdparams'}"))
    import yaml

    yml = yaml.safe_load((exp / "inference.yml").read_text())
    assert yml["mask"] is True and yml["label_list"] == ["circle", "rectangle", "triangle"]
    assert {"mode", "draw_threshold", "metric", "arch", "Preprocess"} <= set(yml)

    pred = tmp_path / "pred"
    run_ok(*_args(data, pred, "predict", "-o", f"Predict.model_dir={exp}", "-o",
                  f"Predict.input={data / 'images'}"))
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
        run_ok(*_args(data, out, "predict", "-o", f"Predict.model_dir={exp}", "-o",
                      f"Predict.input={data / 'images'}", "-o", f"Predict.threshold={threshold}"))
        counts[threshold] = sum(len(json.loads((out / e["json"]).read_text())["res"]["boxes"])
                                for e in read_result(out, "predict")["results"])
    assert counts[1.0] == 0 and counts[0.0] > 0


@pytest.mark.slow
def test_resume_continues_at_next_epoch(trained, data):
    run_ok(*_args(data, trained, "train", "-o", "Train.epochs_iters=2", "-o",
                  f"Train.resume_path={trained / '1'}"), timeout=900)
    log = (trained / "train.log").read_text()
    assert "Resumed from" in log and "[TRAIN] epoch: 2/2, iter: 1/2" in log
    assert "[TRAIN] epoch: 1/2" not in log.split("Resumed from")[-1]
    models = read_result(trained, "train")["models"]
    assert models["last_1"]["pdparams"] == "2/model.pdparams" and models["last_2"]["pdparams"] == "1/model.pdparams"


@pytest.mark.slow
def test_two_process_cpu_launch(data, tmp_path):
    out = train_two_processes(_args, data, tmp_path / "dist")
    assert (out / "distributed_train_logs").is_dir()


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
