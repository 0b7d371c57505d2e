"""Issue 12.2: semantic train/evaluate on label ids >= Train.num_classes stop before the first iteration with one
line naming the value to set, instead of paddle's one_hot "Illegal index value" internal error.

Through main.py with the YAML as shipped (Train.num_classes: 2) on the 12-class CamVid subset.
"""
import os
import time

import yaml

from conftest import SEG_CONFIG_DIR, one_error_line, read_result, run_main, shared_data
from test_seg_check_helpers import make_dataset

CONFIG = SEG_CONFIG_DIR / "PP-LiteSeg-T.yaml"


def _run(mode, dataset, output, *extra):
    args = ["-c", CONFIG, "-o", f"Global.mode={mode}", "-o", f"Global.dataset_dir={dataset}",
            "-o", f"Global.output={output}", "-o", "Global.device=cpu", "-o", "Train.pretrain_weight_path=null"]
    for e in extra:
        args += ["-o", e]
    return run_main(*args, env={"OMP_NUM_THREADS": "1"}, timeout=300)


def test_train_stops_before_the_first_iteration(tmp_path):
    out = tmp_path / "out"
    proc = _run("train", shared_data("camvid_subset"), out)
    line = one_error_line(proc, 2)
    assert "label ids 2-11 are >= Train.num_classes=2" in line and "-o Train.num_classes=12" in line
    assert "seg_fix_labels" in line  # the remap alternative
    body = read_result(out, "train")
    assert body["done_flag"] is False and body["err_type"] == "ConfigError"
    assert not list(out.glob("iter_*")) and "Illegal index" not in proc.stdout + proc.stderr


def test_train_uses_a_fresh_check_result_and_rescans_a_stale_one(tmp_path):
    """After check_dataset (same output), the ids come from its result; an edited list makes it stale."""
    root = make_dataset(tmp_path / "d", ids=(0, 1, 2))
    out = tmp_path / "out"
    assert _run("check_dataset", root, out).returncode == 0
    proc = _run("train", root, out)
    assert "from " + str(out / "check_dataset_result.json") in proc.stdout + proc.stderr
    assert "-o Train.num_classes=3" in one_error_line(proc, 2)
    lists = [root / "train.txt", root / "val.txt"]
    later = time.time() + 5
    for p in lists:
        os.utime(p, (later, later))
    proc = _run("train", root, out)
    assert "from a scan of the labels" in proc.stdout + proc.stderr
    assert "-o Train.num_classes=3" in one_error_line(proc, 2)


def test_evaluate_checks_val_labels_against_the_trained_class_count(tmp_path):
    """evaluate reads the class count of the run that made the weights; the data's ids must fit it."""
    weights = tmp_path / "run" / "best_model" / "model.pdparams"
    weights.parent.mkdir(parents=True)
    weights.write_bytes(b"not read: the label check comes first")
    (tmp_path / "run" / "config.yaml").write_text(yaml.safe_dump(
        {"Global": {"model": "PP-LiteSeg-T"}, "Train": {"num_classes": 2}}))
    out = tmp_path / "out"
    proc = _run("evaluate", shared_data("camvid_subset"), out, f"Evaluate.weight_path={weights}")
    line = one_error_line(proc, 2)
    assert ">= Train.num_classes=2" in line and "trained for 2 classes" in line and "Train.num_classes=12" in line
    assert read_result(out, "evaluate")["done_flag"] is False


def test_check_result_is_used_only_for_the_same_data_set_and_a_passed_check(tmp_path):
    import json

    from paddlex_train.tasks.semantic_segmentation.label_check import ids_from_check_result

    root = make_dataset(tmp_path / "d", ids=(0, 1, 2))
    out = tmp_path / "out"
    out.mkdir()
    body = {"done_flag": True, "dataset_path": str(root),
            "attributes": {"classes": [{"id": 0, "train_images": 3, "val_images": 2},
                                       {"id": 7, "train_images": 1, "val_images": 0}]}}
    (out / "check_dataset_result.json").write_text(json.dumps(body))
    assert sorted(ids_from_check_result(root, out, ("train", "val"))) == [0, 7]
    assert sorted(ids_from_check_result(root, out, ("val",))) == [0]  # evaluate reads val only
    assert ids_from_check_result(tmp_path / "other", out, ("train", "val")) is None
    (out / "check_dataset_result.json").write_text(json.dumps({**body, "done_flag": False}))
    assert ids_from_check_result(root, out, ("train", "val")) is None


def test_workers_of_a_multi_process_launch_do_not_rescan(tmp_path, monkeypatch):
    from paddlex_train.tasks.semantic_segmentation import label_check
    from paddlex_train.training import distributed

    root = make_dataset(tmp_path / "d", ids=(0, 5))
    monkeypatch.setenv(distributed.WORKER_ENV, "1")
    label_check.check_label_ids(root, 2, tmp_path / "out")  # no error: the parent already checked
    monkeypatch.delenv(distributed.WORKER_ENV)
    try:
        label_check.check_label_ids(root, 2, tmp_path / "out")
    except label_check.ConfigError as e:
        assert "-o Train.num_classes=6" in e.one_line()
    else:
        raise AssertionError("ids >= num_classes were not reported")
