"""Issue 11 (items 1, 2, 3, 8, 9, 10): the shared training/checkpoint/backend contract, without a training suite.

A fake epoch-unit session stands in for ppdet, so the template's cadence, checkpoint states and payloads are
checked in seconds; tests/test_contract_e2e.py checks the same through main.py with real models.
"""
import csv
import re
import subprocess
import sys

import numpy as np
import pytest

from conftest import INST_CONFIG_DIR, REPO, SEG_CONFIG_DIR
from paddlex_train.backends.base import EvaluateOutput, ExportOutput
from paddlex_train.config.loader import load_config
from paddlex_train.errors import ConfigError, TrainingDivergedError
from paddlex_train.tasks import TASKS
from paddlex_train.tasks.base import checkpoint as contract
from paddlex_train.tasks.base.context import weight_file
from paddlex_train.tasks.base.payload import evaluate_payload, export_payload
from paddlex_train.training.progress import Step, StepLogger

INST_YAML = INST_CONFIG_DIR / "MaskRCNN-ResNet50-FPN.yaml"
SEG_YAML = SEG_CONFIG_DIR / "PP-LiteSeg-T.yaml"


class EpochSession:
    """An epoch-unit session like ppdet's: `steps` iterations per epoch, each reported to on_step."""

    unit_name, score_name = "epoch", "mask_AP"

    def __init__(self, total, steps, losses=None):
        self.total, self.steps, self.losses = total, steps, losses or {}
        self.resumed = None

    def run_unit(self, unit, on_step=None):
        for k in range(1, self.steps + 1):
            on_step(Step(unit, self.losses.get((unit, k), 1.0 / (unit * k)), 0.01, step=k, steps=self.steps,
                         samples=2, batch_cost=0.01, parts={"loss_mask": 0.1}))
        return {"loss": 0.5, "lr": 0.01, "reader_cost": 0.0, "samples": 2 * self.steps}

    def evaluate(self):
        return 0.1, {"AP": 0.1}

    def state_dicts(self, unit, best):
        states = {"pdparams": {"w": np.full(2, float(unit), np.float32)}}
        if not best:
            states["pdopt"] = {"lr": np.zeros(1, np.float32)}
        return states

    def resume(self, model_state, optimizer_state, unit):
        self.resumed = unit
        return {"matched": list(model_state), "missing": [], "unexpected": [], "mismatched": {}}

    def export(self, directory):
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "inference.yml").write_text("x: 1\n")
        return {"inference_config": directory / "inference.yml"}

    def reseed(self, unit):
        pass

    def close(self):
        pass


def _inst_trainer(tmp_path, *overrides):
    config = load_config(INST_YAML, ["Global.mode=train", "Global.device=cpu", f"Global.output={tmp_path}",
                                     "Train.num_classes=3", *overrides])
    task = TASKS.get(config.module)
    trainer = task.runner_class("train", config.model)(config, task)
    trainer.output.mkdir(parents=True, exist_ok=True)
    return trainer


def _loss_rows(out):
    rows = list(csv.reader(open(out / "results.csv", encoding="utf-8")))
    return rows[0], [r for r in rows[1:] if r[1]]


def test_epoch_session_logs_at_least_once_per_epoch_with_the_shipped_interval(tmp_path):
    """Item 1: Train.log_interval (10 in the shipped YAML) counts iterations; an epoch of 4 iterations still gets
    a results.csv row, a [TRAIN] line with ETA, and VisualDL points."""
    trainer = _inst_trainer(tmp_path, "Train.epochs_iters=3")
    assert trainer.config["Train"]["log_interval"] == 10
    lines = []
    trainer.logger.info, info = lines.append, trainer.logger.info
    try:
        trainer.train_session(EpochSession(3, 4))
    finally:
        trainer.logger.info = info
    header, rows = _loss_rows(tmp_path)
    assert header == ["epoch", "loss", "lr", "val_mask_AP"]
    assert [r[0] for r in rows] == ["1", "2", "3"]
    assert float(rows[0][1]) == pytest.approx(np.mean([1, 1 / 2, 1 / 3, 1 / 4]), rel=1e-4)
    train_lines = [line for line in lines if line.startswith("[TRAIN]")]
    assert train_lines[0].startswith("[TRAIN] epoch: 1/3, iter: 4/4, loss:") and "loss_mask: 0.1000" in train_lines[0]
    assert "batch_cost: 0.0100 s" in train_lines[0] and "ETA 0:00:00" in train_lines[-1]


def test_epoch_session_rows_per_logged_window(tmp_path):
    """Item 1: with log_interval 2, history gets a row per 2-iteration window, at fractional epochs."""
    trainer = _inst_trainer(tmp_path, "Train.epochs_iters=2", "Train.log_interval=2")
    trainer.train_session(EpochSession(2, 4))
    _, rows = _loss_rows(tmp_path)
    assert [r[0] for r in rows] == ["0.5", "1", "1.5", "2"]


def test_template_writes_the_checkpoint_states(tmp_path):
    """Item 2: model.pdstates holds unit, score, best, model_name, num_classes, task, input_shape (both layouts)."""
    from paddlex_train.training.checkpoint import load_object

    trainer = _inst_trainer(tmp_path, "Train.epochs_iters=2")
    trainer.train_session(EpochSession(2, 1))
    states = load_object(tmp_path / "2" / "model.pdstates")
    assert states == {"unit": 2, "unit_name": "epoch", "score": pytest.approx(0.1), "best": pytest.approx(0.1),
                      "model_name": "MaskRCNN-ResNet50-FPN", "num_classes": 3, "task": "instance_segmentation",
                      "input_shape": None}
    assert (tmp_path / "best_model" / "best_model.pdparams").is_file()
    assert (tmp_path / "best_model" / "model.pdparams").is_file()  # PaddleX's best_model/ layout
    assert not list(tmp_path.rglob(".*.tmp*"))


def test_nan_guard_names_epoch_and_iteration(tmp_path):
    """Item 1: the ppdet step NaN guard is the shared one (training/guard.py), with the session's hint."""
    sink = StepLogger(3, "epoch", lambda line: None, 10, hint="lower Train.learning_rate")
    with pytest.raises(TrainingDivergedError, match=r"loss is nan at epoch 2, iter 3\.") as err:
        sink(Step(2, float("nan"), 0.01, step=3, steps=4))
    assert "lower Train.learning_rate" in err.value.one_line()


def _save(path, obj):
    from paddlex_train.training.checkpoint import save_object

    save_object(obj, path)


def _checkpoint(directory, states, params=None, opt=None):
    directory.mkdir(parents=True, exist_ok=True)
    _save(directory / "model.pdparams", params or {"backbone.w": np.zeros(2, np.float32)})
    if opt is not False:
        _save(directory / "model.pdopt", opt or {"lr": np.zeros(1, np.float32)})
    if states is not None:
        _save(directory / "model.pdstates", states)
    return directory


# What PaddleSeg-backend checkpoints held before the contract (a semantic checkpoint of today's main).
SEMANTIC_STATES = {"mIoU": 0.3, "iter": 2, "best_mIoU": 0.3, "model_name": "PP-LiteSeg-T", "num_classes": 4}
INST = contract.Identity("MaskRCNN-ResNet50-FPN", 3, "instance_segmentation")
PATTERN = re.compile(r"^(\d+)$")


def test_resume_refuses_a_semantic_checkpoint_and_another_class_count(tmp_path):
    """Item 2: the same one-line refusal for both tasks, before any model is built."""
    sem = _checkpoint(tmp_path / "iter_2", SEMANTIC_STATES)
    with pytest.raises(ConfigError, match=r"is a checkpoint of model_name=PP-LiteSeg-T \(semantic_segmentation\), "
                                          r"but this run is instance_segmentation"):
        contract.read_resume_point(str(sem), INST, "epoch", PATTERN, 10)
    five = contract.Identity(INST.model_name, 5, INST.task)
    other = _checkpoint(tmp_path / "3", contract.states("epoch", 3, 0.1, 0.1, five))
    with pytest.raises(ConfigError, match=r"is a checkpoint of num_classes=5, but this run has num_classes=3") as e:
        contract.read_resume_point(str(other), INST, "epoch", PATTERN, 10)
    assert "Train.pretrain_weight_path" in e.value.one_line()


def test_resume_point_reads_old_and_new_checkpoints(tmp_path):
    new = _checkpoint(tmp_path / "new" / "4", contract.states("epoch", 4, 0.2, 0.3, INST))
    point = contract.read_resume_point(str(new / "model.pdparams"), INST, "epoch", PATTERN, 10)
    assert (point.unit, point.best) == (4, pytest.approx(0.3))
    old = _checkpoint(tmp_path / "old" / "3", {"metric": 0.2, "epoch": 3}, opt={"last_epoch": 3, "x": np.zeros(1)})
    _checkpoint(tmp_path / "old" / "best_model", {"metric": 0.25, "epoch": 2}, opt=False)
    point = contract.read_resume_point(str(old), INST, "epoch", PATTERN, 10)
    assert (point.unit, point.best) == (3, pytest.approx(0.25)) and "last_epoch" not in point.optimizer_state
    with pytest.raises(ConfigError, match="model.pdopt not found"):
        contract.read_resume_point(str(tmp_path / "old" / "best_model"), INST, "epoch", PATTERN, 10)
    with pytest.raises(ConfigError, match="is at epoch 4, but Train.epochs_iters=4"):
        contract.read_resume_point(str(new), INST, "epoch", PATTERN, 4)


def test_fit_check_lists_missing_and_unexpected_keys():
    report = {"matched": ["a"], "missing": ["head.w", "head.b"], "unexpected": ["seg.x"], "mismatched": {}}
    with pytest.raises(ConfigError) as err:
        contract.check_fit(report, "Evaluate.weight_path", "w.pdparams", INST, "fix it")
    line = err.value.one_line()
    assert "does not fit MaskRCNN-ResNet50-FPN with 3 classes" in line
    assert "2 missing: head.w, head.b" in line and "1 unexpected: seg.x" in line
    contract.check_fit({"matched": ["a"], "missing": [], "unexpected": ["x"], "mismatched": {}}, "k", "v", INST, "")


def test_identity_of_evaluate_weights(tmp_path):
    """Item 2: model.pdstates beside the weight wins, else the run's config.yaml, else the current config."""
    fallback = contract.Identity("MaskRCNN-ResNet50-FPN", 3, "instance_segmentation")
    sem = _checkpoint(tmp_path / "sem" / "best_model", SEMANTIC_STATES)
    found = contract.read_identity(sem / "model.pdparams", fallback)
    assert (found.model_name, found.num_classes, found.task) == ("PP-LiteSeg-T", 4, "semantic_segmentation")
    with pytest.raises(ConfigError, match="but this run is instance_segmentation"):
        contract.check_task(found, "instance_segmentation", "Evaluate.weight_path", sem / "model.pdparams")
    bare = _checkpoint(tmp_path / "bare", None)
    assert contract.read_identity(bare / "model.pdparams", fallback) == fallback


def test_checkpoint_remembers_the_input_size_it_was_trained_at(tmp_path):
    """The trained input size is part of the weights' identity (model.pdstates), so evaluate and export use it
    even when the run's config.yaml is gone or was written by another run; the config.yaml is the older fallback."""
    identity = contract.Identity("PP-YOLOE_seg-S", 3, "instance_segmentation", None, [1, 3, 128, 128])
    states = contract.states("epoch", 5, 0.5, 0.5, identity)
    assert states["input_shape"] == [1, 3, 128, 128]
    run = tmp_path / "run"
    best = _checkpoint(run / "best_model", states)
    (run / "config.yaml").write_text("Global: {model: PP-YOLOE_seg-S}\nTrain: {input_shape: [1, 3, 640, 640]}\n")
    fallback = contract.Identity("PP-YOLOE_seg-S", 3, "instance_segmentation")
    assert contract.read_identity(best / "model.pdparams", fallback).input_shape == [1, 3, 128, 128]
    older = _checkpoint(tmp_path / "older" / "best_model", SEMANTIC_STATES)  # written before input_shape was kept
    (tmp_path / "older" / "config.yaml").write_text("Global: {model: PP-LiteSeg-T}\nTrain: {input_shape: [1, 3, 64, 64]}\n")
    assert contract.read_identity(older / "model.pdparams", fallback).input_shape == [1, 3, 64, 64]


def test_payloads_have_the_same_keys_for_both_tasks():
    """Item 3: evaluate_result/export_result keys do not depend on the task."""
    seg, inst = contract.Identity("PP-LiteSeg-T", 2), contract.Identity("MaskRCNN-ResNet50-FPN", 3)
    a = evaluate_payload(seg, "w", EvaluateOutput({"mIoU": 0.5}, 3, {"bg": {"IoU": 1}}, [], {"csv": "c.csv"}))
    b = evaluate_payload(inst, "w", EvaluateOutput({"AP": 0.1}, 3, {"circle": {"AP": 0.1}}))
    assert list(a) == list(b) == ["model_name", "weight_path", "metrics", "num_images", "class_metrics",
                                  "absent_classes", "confusion_matrix"]
    files = {"pdmodel": "/o/inference.pdmodel", "pdiparams": "/o/inference.pdiparams",
             "inference_config": "/o/inference.yml"}
    a = export_payload(seg, "w", ExportOutput("/o", files, [1, 3, 64, 64]))
    b = export_payload(inst, "w", ExportOutput("/o", files))
    assert list(a) == list(b) and a["export_dir"] == "/o" and b["inference_config"] == "inference.yml"


def test_config_is_frozen_and_still_dumps(tmp_path):
    """Item 9: runners cannot write into the config; what they decide is in their RunContext."""
    import yaml

    trainer = _inst_trainer(tmp_path)
    with pytest.raises(TypeError, match="read-only"):
        trainer.config["Global"]["output"] = "elsewhere"
    with pytest.raises(TypeError):
        trainer.config["Train"]["input_shape"] = [1, 2]
    assert yaml.safe_load(trainer.config.to_yaml())["Global"]["model"] == "MaskRCNN-ResNet50-FPN"
    copy = trainer.config.copy()
    copy.data["Global"]["output"] = "x"  # a copy is the caller's own, mutable
    assert trainer.ctx.output == tmp_path and trainer.ctx.rank == 0


def test_weight_path_follows_the_yaml_output_not_the_literal_output_folder(tmp_path):
    """Item 9: the shipped default (inside the YAML's own Global.output) follows -o Global.output, whatever that
    folder is called; an explicit path elsewhere is taken as given."""
    text = SEG_YAML.read_text(encoding="utf-8").replace('output: "output"', 'output: "runs/a"')
    text = text.replace('"output/best_model/model.pdparams"', '"runs/a/best_model/model.pdparams"')
    assert "runs/a/best_model" in text
    yaml_path = tmp_path / "PP-LiteSeg-T.yaml"
    yaml_path.write_text(text, encoding="utf-8")
    out = tmp_path / "moved"
    (out / "best_model").mkdir(parents=True)
    (out / "best_model" / "model.pdparams").write_bytes(b"x")
    config = load_config(yaml_path, [f"Global.output={out}"])
    assert weight_file(config, "Evaluate", "best_model/model.pdparams", out) == \
        (out / "best_model" / "model.pdparams").resolve()
    config = load_config(yaml_path, [f"Global.output={out}", "Evaluate.weight_path=output/best_model/x.pdparams"])
    with pytest.raises(ConfigError, match="output/best_model/x.pdparams: file not found"):
        weight_file(config, "Evaluate", "best_model/model.pdparams", out)


def test_available_models_without_paddle():
    """Item 3: the backend interface answers "which models" by listing architecture files (no paddle)."""
    code = ("import sys; from paddlex_train.backends.base import available_models; "
            "names = available_models('instance_segmentation'); "
            "assert 'MaskRCNN-ResNet50-FPN' in names and 'PP-LiteSeg-T' in available_models('semantic_segmentation'); "
            "assert 'paddle' not in sys.modules, 'paddle imported'")
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_one_atomic_write_and_folder_safe_moves(tmp_path):
    """Item 8: one atomic writer; moving export files into a shared folder keeps its other files."""
    from paddlex_train.utils.fs import atomic_dir, move_files_into

    target = tmp_path / "inference"
    with atomic_dir(target) as tmp:
        (tmp / "a.txt").write_text("1")
    with pytest.raises(RuntimeError):
        with atomic_dir(target) as tmp:
            (tmp / "b.txt").write_text("half")
            raise RuntimeError("killed")
    assert [p.name for p in target.iterdir()] == ["a.txt"]
    shared = tmp_path / "out"
    shared.mkdir()
    (shared / "keep.pdparams").write_text("k")
    moved = move_files_into(target, shared)
    assert sorted(p.name for p in shared.iterdir()) == ["a.txt", "keep.pdparams"] and set(moved) == {"a.txt"}
    sources = "".join(p.read_text(encoding="utf-8") for p in (REPO / "paddlex_train").rglob("*.py"))
    assert len(re.findall(r"def (atomic_file|write_text_atomic|replace_dir)\(", sources)) == 3
