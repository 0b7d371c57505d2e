"""Backend-agnostic training pieces (no paddle): atomic files, keep-last-N, train_result.json, results.csv, NaN
guard, launch command, weight key report, metrics from a confusion matrix, confusion artefacts."""
import csv
import json
import math

import numpy as np
import pytest

from paddlex_train.device import parse_device
from paddlex_train.errors import TrainingDivergedError
from paddlex_train.training import distributed
from paddlex_train.training.checkpoint import CheckpointKeeper, TrainResultBook, atomic_file
from paddlex_train.training.confusion import write_confusion
from paddlex_train.training.guard import check_finite
from paddlex_train.training.history import History
from paddlex_train.training.weights import compare_keys, describe


def test_atomic_file_keeps_old_content_when_writer_dies(tmp_path):
    target = tmp_path / "model.pdparams"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_file(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("killed")
    assert target.read_text() == "old" and list(tmp_path.iterdir()) == [target]
    with atomic_file(target) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "new"


def test_keeper_keeps_last_n_and_book_schema(tmp_path):
    keeper = CheckpointKeeper(keep=2)
    for unit in (2, 4, 6):
        d = tmp_path / f"iter_{unit}"
        d.mkdir()
        keeper.add(unit, d, ({"pdparams": d / "model.pdparams"}, unit / 10))
    assert not (tmp_path / "iter_2").exists() and (tmp_path / "iter_6").exists()
    book = TrainResultBook(tmp_path, "M", "vdl")
    book.update([(u, info[0], info[1]) for u, _, info in keeper.newest_first()],
                ({"pdparams": tmp_path / "best_model" / "model.pdparams"}, 0.6))
    body = json.loads(book.write(done=False).read_text())
    assert body["done_flag"] is False and body["model_name"] == "M"
    assert body["models"]["last_1"] == {"score": 0.6, "pdparams": "iter_6/model.pdparams"}
    assert body["models"]["last_2"]["pdparams"] == "iter_4/model.pdparams"
    assert body["models"]["best"]["pdparams"] == "best_model/model.pdparams"
    assert {"config", "train_log", "visualdl_log", "label_dict"} <= set(body)


def test_history_csv_resume_and_plot(tmp_path):
    h = History(tmp_path, "iter", "mIoU")
    h.add(1, loss=2.0, lr=0.1)
    h.add(2, loss=1.5, lr=0.09)
    h.add(2, score=0.3)
    h.add(3, loss=1.0, lr=0.08)
    assert h.plot().is_file()
    resumed = History(tmp_path, "iter", "mIoU", keep_until=2)
    rows = list(csv.reader(open(resumed.path)))
    assert rows[0] == ["iter", "loss", "lr", "val_mIoU"] and [r[0] for r in rows[1:]] == ["1", "2", "2"]


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_nan_guard(bad):
    check_finite(1.0, "iter", 3)
    with pytest.raises(TrainingDivergedError, match="iter 7") as err:
        check_finite(bad, "iter", 7)
    assert "learning_rate" in err.value.one_line()


def test_launch_command(tmp_path):
    gpu = distributed.launch_command(parse_device("gpu:0,1"), tmp_path, ["main.py", "-c", "x"], python="py")
    assert gpu == ["py", "-m", "paddle.distributed.launch", "--devices", "0,1", "--log_dir",
                   str(tmp_path / "distributed_train_logs"), "main.py", "-c", "x"]
    cpu = distributed.launch_command(parse_device("cpu:0,1"), tmp_path, ["main.py"], python="py")
    assert cpu[3:5] == ["--nproc_per_node", "2"]


def test_weight_key_report():
    report = compare_keys({"a": (2,), "b": (3,), "c": (1,)}, {"a": (2,), "b": (4,), "x": (1,)})
    assert report["matched"] == ["a"] and report["missing"] == ["c"] and report["unexpected"] == ["x"]
    assert report["mismatched"] == {"b": ((4,), (3,))}
    assert "1 unexpected: x" in describe(report)


def test_metrics_report_absent_classes():
    from paddlex_train.backends.paddleseg.metrics import summarise, update_confusion

    cm = np.zeros((3, 3), dtype=np.int64)
    update_confusion(cm, np.array([0, 0, 1, 1, 0]), np.array([0, 1, 1, 255, 0]))
    out = summarise(cm, ["bg", "fg", "never"])
    assert out["absent_classes"] == ["never"] and out["class_metrics"]["never"]["IoU"] is None
    assert out["metrics"]["mIoU"] == pytest.approx((2 / 3 + 1 / 2) / 2)
    assert out["metrics"]["Acc"] == pytest.approx(3 / 4)
    assert out["class_metrics"]["fg"]["precision"] == 1.0 and out["class_metrics"]["fg"]["recall"] == 0.5


def test_confusion_files(tmp_path):
    files = write_confusion(np.array([[3, 1], [0, 0]]), ["a", "b"], tmp_path)
    rows = list(csv.reader(open(files["normalized_csv"])))
    assert rows[1] == ["a", "0.7500", "0.2500"] and rows[2] == ["b", "0.0000", "0.0000"]
    assert files["png"].is_file()


def test_single_device_is_selected_by_visible_devices_variable():
    env = {}
    assert distributed.restrict_to_single_device(parse_device("gpu:3"), env) is True
    assert env == {"CUDA_VISIBLE_DEVICES": "3"}
    assert distributed.local_place(parse_device("gpu:3"), env) == "gpu:0"
    user = {"CUDA_VISIBLE_DEVICES": "2,3"}  # the user's own choice wins
    assert distributed.restrict_to_single_device(parse_device("gpu:1"), user) is False
    assert distributed.local_place(parse_device("gpu:1"), user) == "gpu:1"
    assert distributed.restrict_to_single_device(parse_device("gpu:0,1"), {}) is False
    assert distributed.local_place(parse_device("cpu"), {}) == "cpu"
