"""Issue 17: PaddleX's hidden training keys through main.py -- module YAMLs with the keys added load and run,
Train.uniform_output_enabled=false, and the one-line refusals (amp on CPU, PIR export on paddle 2.6, dy2st for a
model that cannot, typos)."""
import json

import pytest
import yaml

from conftest import INST_CONFIG_DIR, SEG_CONFIG_DIR, one_error_line, read_result, run_main
from seg_helpers import data, run_ok, seg_args  # noqa: F401 (data is a fixture)

MODEL = "PP-LiteSeg-T"
TINY = ("Train.input_shape=[64,64]", "Train.batch_size=1", "Train.log_interval=1")
# The six keys as a PaddleX user's module YAML would hold them (values PaddleX's trainers accept).
PADDLEX_KEYS = {"Global": {"export_with_pir": False},
                "Train": {"amp": "OFF", "dy2st": False, "dist_ips": None, "uniform_output_enabled": True,
                          "basic_config_path": None}}


def _with_keys(src, dst, **train):
    """Copy module YAML `src` to `dst` with PADDLEX_KEYS added (Train values overridable)."""
    cfg = yaml.safe_load(src.read_text())
    for section, keys in PADDLEX_KEYS.items():
        cfg[section].update(keys)
    cfg["Train"].update(train)
    dst.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return dst


@pytest.mark.parametrize("module_yaml", [SEG_CONFIG_DIR / "OCRNet_HRNet-W18.yaml",
                                         INST_CONFIG_DIR / "MaskRCNN-ResNet50-FPN.yaml",
                                         INST_CONFIG_DIR / "Mask-RT-DETR-S.yaml"])
def test_paddlex_yamls_with_the_keys_load(module_yaml, tmp_path):
    from paddlex_train.config import load_config

    cfg = load_config(_with_keys(module_yaml, tmp_path / module_yaml.name))
    assert cfg["Train"]["amp"] == "OFF" and cfg["Train"]["uniform_output_enabled"] is True
    assert cfg["Global"]["export_with_pir"] is False


def test_schema_defaults_without_the_keys():
    from paddlex_train.config import load_config

    cfg = load_config(SEG_CONFIG_DIR / f"{MODEL}.yaml")
    assert (cfg["Train"]["amp"], cfg["Train"]["dy2st"], cfg["Train"]["dist_ips"],
            cfg["Train"]["uniform_output_enabled"], cfg["Train"]["basic_config_path"],
            cfg["Global"]["export_with_pir"]) == ("OFF", False, None, True, None, False)


@pytest.mark.slow
def test_yaml_with_keys_trains_without_per_checkpoint_inference(data, tmp_path):
    """A PaddleX YAML with the keys runs unchanged; uniform_output_enabled=false leaves inference/ out of the
    periodic checkpoints, and best_model/inference is still written."""
    config = _with_keys(SEG_CONFIG_DIR / f"{MODEL}.yaml", tmp_path / "PP-LiteSeg-T.yaml",
                        uniform_output_enabled=False)
    out = tmp_path / "out"
    args = seg_args(MODEL, "train", data, out, "Train.epochs_iters=4", "Train.eval_interval=2", *TINY)
    args[1] = config
    run_ok(*args)
    assert read_result(out, "train")["done_flag"] is True
    assert (out / "iter_2" / "model.pdparams").is_file() and (out / "iter_4" / "model.pdparams").is_file()
    assert not (out / "iter_2" / "inference").exists() and not (out / "iter_4" / "inference").exists()
    assert (out / "best_model" / "inference" / "inference.pdmodel").is_file()
    models = json.loads((out / "train_result.json").read_text())["models"]
    assert "pdmodel" not in models["last_1"] and models["best"]["pdmodel"].startswith("best_model/inference/")


def test_amp_on_cpu_is_one_line(data, tmp_path):
    proc = run_main(*seg_args(MODEL, "train", data, tmp_path / "out", "Train.amp=O1"))
    assert one_error_line(proc, 2) == ("Error: Train.amp=O1 needs a GPU (float16 mixed precision); "
                                       "Global.device=cpu is a CPU. Hint: set -o Train.amp=OFF, or train on gpu:N")
    assert read_result(tmp_path / "out", "train")["done_flag"] is False


def test_amp_lower_case_is_refused(data, tmp_path):
    proc = run_main(*seg_args(MODEL, "train", data, tmp_path / "out", "Train.amp=o1"))
    assert "Train.amp='o1' must be one of OFF, O1, O2 (upper case, as in PaddleX)" in one_error_line(proc, 2)


def test_export_with_pir_is_refused_on_paddle_2(data, tmp_path):
    proc = run_main(*seg_args(MODEL, "export", data, tmp_path / "out", "Global.export_with_pir=True"))
    line = one_error_line(proc, 2)
    assert line.startswith("Error: Global.export_with_pir=True needs Paddle 3 (PIR export writes model.json "
                           "programs); the installed paddle is 2.x")
    assert "set Global.export_with_pir=False" in line


def test_dy2st_for_an_instance_model_is_not_supported(tmp_path):
    from conftest import REPO

    data = tmp_path / "coco"
    (data / "annotations").mkdir(parents=True)
    proc = run_main("-c", INST_CONFIG_DIR / "MaskRCNN-ResNet50-FPN.yaml", "-o", "Global.mode=train",
                    "-o", "Global.device=cpu", "-o", f"Global.dataset_dir={data}", "-o", f"Global.output={tmp_path}/o",
                    "-o", "Train.pretrain_weight_path=null", "-o", "Train.dy2st=True", cwd=REPO)
    assert one_error_line(proc) == ("Error: Train.dy2st=True (static-graph training) is not supported for "
                                    "MaskRCNN-ResNet50-FPN. Hint: set -o Train.dy2st=False (dynamic-graph training "
                                    "gives the same weights)")


def test_dy2st_check_names_the_model():
    from paddlex_train.errors import UnsupportedError
    from paddlex_train.training.train_keys import check_dy2st

    check_dy2st(True, "semantic_segmentation", MODEL)
    check_dy2st(False, "instance_segmentation", "SOLOv2")
    with pytest.raises(UnsupportedError, match=r"not supported for SOLOv2\."):
        check_dy2st(True, "instance_segmentation", "SOLOv2")


def test_typo_of_a_new_key_suggests_it(data, tmp_path):
    proc = run_main(*seg_args(MODEL, "train", data, tmp_path / "out", "Train.uniform_output_enable=False"))
    assert "Did you mean Train.uniform_output_enabled?" in one_error_line(proc, 2)
