"""Issue 11 item 10: the same invalid input gives the same error type, exit code and wording in both tasks
(train/evaluate/export side), because one template makes the check."""
import numpy as np
import pytest

from conftest import INST_CONFIG_DIR, SEG_CONFIG_DIR, one_error_line, read_result, run_main
from inst_helpers import coco_set

TASKS = {"semantic": (SEG_CONFIG_DIR / "PP-LiteSeg-T.yaml", 4), "instance": (INST_CONFIG_DIR / "SOLOv2.yaml", 3)}


@pytest.fixture(scope="module")
def datasets(tmp_path_factory):
    from dataset_tools.synthetic_seg import generate

    seg = tmp_path_factory.mktemp("seg_data") / "d"
    generate(seg, num=4, size=32, seed=0, val_fraction=0.5)
    return {"semantic": seg, "instance": coco_set(tmp_path_factory)}


def _run(task, datasets, out, mode, *extra):
    config, classes = TASKS[task]
    args = ["-c", config, "-o", f"Global.mode={mode}", "-o", "Global.device=cpu", "-o",
            f"Global.dataset_dir={datasets[task]}", "-o", f"Global.output={out}", "-o", f"Train.num_classes={classes}",
            "-o", "Train.pretrain_weight_path=null"]
    for item in extra:
        args += ["-o", item]
    return run_main(*args, env={"OMP_NUM_THREADS": "1"})


@pytest.mark.parametrize("task", list(TASKS))
def test_resume_from_best_model_is_the_same_config_error(task, datasets, tmp_path):
    best = tmp_path / "run" / "best_model"
    best.mkdir(parents=True)
    (best / "model.pdparams").write_bytes(b"not used")
    proc = _run(task, datasets, tmp_path / "o", "train", f"Train.resume_path={best}")
    line = one_error_line(proc, code=2)
    assert f"Train.resume_path={best}: model.pdopt not found in {best}." in line
    assert "best_model/ has no optimizer state" in line
    assert read_result(tmp_path / "o", "train")["err_type"] == "ConfigError"


@pytest.mark.parametrize("mode", ["evaluate", "export"])
@pytest.mark.parametrize("task", list(TASKS))
def test_weights_that_are_not_a_state_dict_are_the_same_config_error(task, mode, datasets, tmp_path):
    from paddlex_train.training.checkpoint import save_object

    weight = tmp_path / "w" / "model.pdparams"
    save_object(np.zeros(3, np.float32), weight)
    section = "Evaluate" if mode == "evaluate" else "Export"
    proc = _run(task, datasets, tmp_path / "o", mode, f"{section}.weight_path={weight}")
    line = one_error_line(proc, code=2)
    assert f"{section}.weight_path={weight} is not a PaddlePaddle state dict (.pdparams)." in line
    assert read_result(tmp_path / "o", mode)["err_type"] == "ConfigError"


@pytest.mark.parametrize("task", list(TASKS))
def test_missing_default_weights_are_the_same_config_error(task, datasets, tmp_path):
    proc = _run(task, datasets, tmp_path / "o", "evaluate", "Evaluate.weight_path=null")
    line = one_error_line(proc, code=2)
    assert "Evaluate.weight_path=" in line and "file not found" in line and "train first" in line
