"""PP-YOLOE_seg-S through main.py with the shipped module YAML: train (1 and 2 processes), evaluate, export (fixed
size = the training size, NMS in the graph), predict, create_model, create_pipeline and the pipeline command line,
on a 6-image 64 px synthetic COCO set from random init."""
import json

import pytest
import yaml

from conftest import read_result
from inst_e2e_helpers import args_for, data, train_one_epoch, train_two_processes  # noqa: F401 (data is a fixture)
from seg_helpers import run_ok

pytestmark = pytest.mark.slow
_args = args_for("PP-YOLOE_seg-S", "Train.batch_size=2", "Train.warmup_steps=1")


@pytest.fixture(scope="module")
def trained(data, module_tmp):
    return train_one_epoch(_args, data, module_tmp("ppyoloe_seg_run"))


@pytest.fixture(scope="module")
def exported(trained, data, module_tmp):
    out = module_tmp("ppyoloe_seg_export")
    run_ok(*_args(data, out, "export", "-o",
                  f"Export.weight_path={trained / 'best_model' / 'best_model.pdparams'}"))
    return out


def test_train_writes_checkpoints_and_inference(trained):
    result = read_result(trained, "train")
    assert result["done_flag"] is True
    for rel in ("1/model.pdparams", "best_model/best_model.pdparams", "best_model/inference/inference.pdmodel"):
        assert (trained / rel).is_file(), rel
    log = (trained / "train.log").read_text()
    assert "[TRAIN] epoch: 1/1, iter: 1/2" in log and "loss_mask" in log


def test_evaluate_reports_mask_and_box_ap(trained, data):
    run_ok(*_args(data, trained, "evaluate"))
    metrics = read_result(trained, "evaluate")["metrics"]
    assert {"AP", "bbox_AP", "AP50", "AP75", "APs", "APm", "APl"} <= set(metrics)
    assert set(metrics["per_category_AP"]) == {"circle", "rectangle", "triangle"}


def test_export_is_fixed_size_with_mask(exported):
    yml = yaml.safe_load((exported / "inference.yml").read_text())
    assert yml["Global"]["model_name"] == "PP-YOLOE_seg-S" and yml["mask"] is True and yml["arch"] == "PPYOLOE"
    assert yml["label_list"] == ["circle", "rectangle", "triangle"]
    resize = yml["Preprocess"][0]
    # eval_size (the anchors baked into the graph) follows the export size: the training run's 64 x 64.
    assert resize["type"] == "Resize" and resize["target_size"] == [64, 64] and resize["keep_ratio"] is False


def test_predict_mode_api_and_pipeline(exported, data, tmp_path):
    import cv2

    from paddlex_train import create_model, create_pipeline

    pred = tmp_path / "pred"
    run_ok(*_args(data, pred, "predict", "-o", f"Predict.model_dir={exported}", "-o",
                  f"Predict.input={data / 'images'}", "-o", "Predict.threshold=0.0"))
    result = read_result(pred, "predict")
    assert result["num_inputs"] == 6
    bodies = [json.loads((pred / e["json"]).read_text())["res"] for e in result["results"]]
    assert all(len(b["masks"]) == len(b["boxes"]) for b in bodies) and any(b["boxes"] for b in bodies)

    image = sorted((data / "images").glob("*.jpg"))[0]
    res = next(create_model("PP-YOLOE_seg-S", model_dir=str(exported), device="cpu", threshold=0.0).predict(str(image)))
    assert res["masks"].shape[1:] == cv2.imread(str(image)).shape[:2] and len(res["boxes"]) == len(res["masks"])
    pipe = create_pipeline("instance_segmentation", device="cpu", model_dir=str(exported), threshold=0.0)
    assert len(list(pipe.predict(str(data / "images")))) == 6
    out = tmp_path / "cli"
    run_ok("--pipeline", "instance_segmentation", "--input", image, "--model_dir", exported, "--device", "cpu",
           "--save_path", out)
    assert (out / f"{image.stem}_res.json").is_file()


def test_two_process_cpu_launch(data, tmp_path):
    train_two_processes(_args, data, tmp_path / "dist")
