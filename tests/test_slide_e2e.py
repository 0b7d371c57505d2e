"""Issue 19 through main.py with the PP-LiteSeg-T YAML as shipped: evaluate and predict with slide_window/tta,
the results recording what was used, and the user's likely mistakes with their exact messages."""
import json

import pytest

from conftest import SEG_CONFIG_DIR, one_error_line, read_result, run_main
from seg_helpers import run_ok, seg_args

WHOLE = "{crop_size: [64, 64], stride: [64, 64]}"  # the tiny data set's images are 32x32: one window each
WINDOW = "{crop_size: [24, 24], stride: [16, 16]}"
TTA = "{flip_horizontal: true, scales: [0.75, 1.0, 1.25]}"


@pytest.fixture(scope="module")
def trained(module_tmp):
    from dataset_tools.synthetic_seg import generate

    data = generate(module_tmp("data") / "seg", num=8, size=32, seed=0, val_fraction=0.25)
    out = module_tmp("run")
    run_ok(*seg_args("PP-LiteSeg-T", "train", data, out, "Train.epochs_iters=2", "Train.eval_interval=2",
                     "Train.batch_size=2", "Train.input_shape=[32,32]"))
    return data, out


def _evaluate(data, run, out, *extra):
    run_ok(*seg_args("PP-LiteSeg-T", "evaluate", data, out, f"Evaluate.weight_path={run}/best_model/model.pdparams",
                     "Train.input_shape=[32,32]", *extra))
    return read_result(out, "evaluate")


@pytest.mark.slow
def test_evaluate_and_predict_with_windows_and_tta(trained, module_tmp):
    data, run = trained
    plain = _evaluate(data, run, module_tmp("e0"))
    assert plain["slide_window"] is None and plain["tta"] is None
    whole = _evaluate(data, run, module_tmp("e1"), f"Evaluate.slide_window={WHOLE}")
    assert whole["metrics"] == plain["metrics"]  # a window covering the whole image is the whole-image result
    assert whole["slide_window"] == {"crop_size": [64, 64], "stride": [64, 64]}
    both = _evaluate(data, run, module_tmp("e2"), f"Evaluate.slide_window={WINDOW}", f"Evaluate.tta={TTA}")
    assert both["tta"] == {"flip_horizontal": True, "flip_vertical": False, "scales": [0.75, 1.0, 1.25]}
    assert 0.0 <= both["metrics"]["mIoU"] <= 1.0 and both["done_flag"] is True

    export = module_tmp("x")
    run_ok(*seg_args("PP-LiteSeg-T", "export", data, export, f"Export.weight_path={run}/best_model/model.pdparams"))
    model_dir = export / "inference" if (export / "inference").is_dir() else read_result(export, "export")["export_dir"]
    pred = module_tmp("p")
    run_ok(*seg_args("PP-LiteSeg-T", "predict", data, pred, f"Predict.model_dir={model_dir}",
                     f"Predict.input={data}/images", f"Predict.slide_window={WINDOW}", f"Predict.tta={TTA}"))
    result = read_result(pred, "predict")
    assert result["options"]["slide_window"] == {"crop_size": [24, 24], "stride": [16, 16]}
    first = json.loads((pred / f"{result['results'][0]['json']}").read_text())["res"]
    assert first["tta"]["scales"] == [0.75, 1.0, 1.25]


@pytest.mark.parametrize("key, value, message", [
    ("Predict.slide_window", "{crop_size: [512, 512], stride: [600, 256]}",
     "Error: Predict.slide_window.stride=[600, 256] is larger than crop_size=[512, 512]: windows would leave gaps. "
     "Hint: use a stride <= crop_size (e.g. 3/4 of it for overlap)"),
    ("Evaluate.slide_window", "{crop_size: [-1, 512], stride: [256, 256]}",
     "Error: Evaluate.slide_window.crop_size=[-1, 512] must be positive. Hint: e.g. crop_size: [512, 512]"),
    ("Evaluate.tta", "{scales: []}",
     "Error: Evaluate.tta.scales=[] must be a non-empty list of positive numbers. "
     "Hint: e.g. scales: [0.75, 1.0, 1.25] (or [1.0] for flips only)"),
    ("Predict.tta", "{flip: true}",
     "Error: Predict.tta has unknown key 'flip'. Hint: Predict.tta takes: flip_horizontal, flip_vertical, scales"),
    ("Predict.slide_window", "512",
     "Error: Predict.slide_window=512 has the wrong type: expected dict."),
])
def test_config_mistakes(key, value, message, tmp_path):
    proc = run_main("-c", SEG_CONFIG_DIR / "PP-LiteSeg-T.yaml", "-o", "Global.mode=predict",
                    "-o", f"Global.output={tmp_path}", "-o", f"{key}={value}")
    assert one_error_line(proc, 2) == message
    assert read_result(tmp_path, "predict")["done_flag"] is False


def test_instance_evaluate_refuses_slide_window(tmp_path):
    proc = run_main("-c", SEG_CONFIG_DIR.parent / "instance_segmentation" / "MaskRCNN-ResNet50-FPN.yaml",
                    "-o", "Global.mode=evaluate", "-o", f"Global.output={tmp_path}", "-o", "Global.device=cpu",
                    "-o", f"Evaluate.slide_window={WINDOW}")
    assert one_error_line(proc, 2) == (
        "Error: Evaluate.slide_window does not apply to instance_segmentation (it is an option of "
        "semantic_segmentation). Hint: instance_segmentation takes: threshold")
