"""Train refuses a missing, unset or incomplete Global.dataset_dir with one clear line (before any suite work)."""
import pytest

from conftest import INST_CONFIG_DIR, SEG_CONFIG_DIR, one_error_line, read_result, run_main

CASES = [
    (SEG_CONFIG_DIR / "PP-LiteSeg-T.yaml", "train.txt"),
    (INST_CONFIG_DIR / "MaskRCNN-ResNet50-FPN.yaml", "instance_train.json"),
]


@pytest.mark.parametrize("config,first_missing", CASES, ids=["semantic", "instance"])
def test_train_dataset_errors(tmp_path, config, first_missing):
    base = ["-c", config, "-o", "Global.mode=train", "-o", "Global.device=cpu", "-o", f"Global.output={tmp_path}",
            "-o", "Train.pretrain_weight_path=null"]
    line = one_error_line(run_main(*base, "-o", f"Global.dataset_dir={tmp_path / 'nope'}"), 1)
    assert "nope does not exist" in line and "Global.dataset_dir" in line
    assert read_result(tmp_path, "train")["err_type"] == "DatasetError"

    assert "Global.dataset_dir is not set" in one_error_line(run_main(*base, "-o", "Global.dataset_dir=null"), 2)

    empty = tmp_path / "empty"
    empty.mkdir()
    line = one_error_line(run_main(*base, "-o", f"Global.dataset_dir={empty}"), 1)
    assert first_missing in line and "check_dataset" in line
