"""Issue 11 through main.py: instance history cadence (item 1) and the checkpoint contract (item 2) for both tasks.

The refusals need no training: checkpoints are written with paddle.save in the layouts train mode writes (a
semantic checkpoint as today's PaddleSeg backend writes it). One short instance run (2 epochs) backs the slow
tests.
"""
import numpy as np
import pytest

from conftest import INST_CONFIG_DIR, SEG_CONFIG_DIR, one_error_line, read_result, run_main
from inst_helpers import coco_set

INST = INST_CONFIG_DIR / "MaskRCNN-ResNet50-FPN.yaml"
SEG = SEG_CONFIG_DIR / "PP-LiteSeg-T.yaml"
ENV = {"OMP_NUM_THREADS": "1"}


def _inst(data, out, mode, *extra):
    args = ["-c", INST, "-o", f"Global.mode={mode}", "-o", "Global.device=cpu", "-o", f"Global.dataset_dir={data}",
            "-o", f"Global.output={out}", "-o", "Train.num_classes=3", "-o", "Train.input_shape=[64,64]",
            "-o", "Train.batch_size=2", "-o", "Train.learning_rate=0.0005", "-o", "Train.warmup_steps=1",
            "-o", "Train.pretrain_weight_path=null"]
    for item in extra:
        args += ["-o", item]
    return run_main(*args, env=ENV, timeout=900)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return coco_set(tmp_path_factory, num=6, name="coco64x6")


def _save(path, obj):
    from paddlex_train.training.checkpoint import save_object

    save_object(obj, path)


def _checkpoint(directory, states, params=None):
    directory.mkdir(parents=True, exist_ok=True)
    _save(directory / "model.pdparams", params or {"backbone.conv1.weight": np.zeros((4, 3, 3, 3), np.float32)})
    _save(directory / "model.pdopt", {"lr": np.zeros(1, np.float32)})
    if states is not None:
        _save(directory / "model.pdstates", states)
    return directory


@pytest.fixture
def semantic_checkpoint(tmp_path):
    """iter_2/ of a PP-LiteSeg-T run, with the model.pdstates the PaddleSeg backend wrote before this contract."""
    return _checkpoint(tmp_path / "seg_run" / "iter_2", {"mIoU": 0.3, "iter": 2, "best_mIoU": 0.3,
                                                          "model_name": "PP-LiteSeg-T", "num_classes": 4})


SEMANTIC_REFUSAL = ("is a checkpoint of model_name=PP-LiteSeg-T (semantic_segmentation), but this run is "
                    "instance_segmentation.")


def test_instance_resume_refuses_a_semantic_checkpoint(data, tmp_path, semantic_checkpoint):
    proc = _inst(data, tmp_path / "o", "train", "Train.epochs_iters=3", f"Train.resume_path={semantic_checkpoint}")
    line = one_error_line(proc, code=2)
    assert f"Train.resume_path={semantic_checkpoint} {SEMANTIC_REFUSAL}" in line
    assert read_result(tmp_path / "o", "train")["err_type"] == "ConfigError"


def test_instance_evaluate_refuses_a_semantic_checkpoint(data, tmp_path, semantic_checkpoint):
    weight = semantic_checkpoint / "model.pdparams"
    proc = _inst(data, tmp_path / "o", "evaluate", f"Evaluate.weight_path={weight}")
    assert SEMANTIC_REFUSAL in one_error_line(proc, code=2)


def test_instance_resume_refuses_another_class_count(data, tmp_path):
    from paddlex_train.tasks.base.checkpoint import Identity, states

    five = Identity("MaskRCNN-ResNet50-FPN", 5, "instance_segmentation")
    ckpt = _checkpoint(tmp_path / "run" / "2", states("epoch", 2, 0.1, 0.1, five))
    proc = _inst(data, tmp_path / "o", "train", "Train.epochs_iters=3", f"Train.resume_path={ckpt}")
    line = one_error_line(proc, code=2)
    assert "is a checkpoint of num_classes=5, but this run has num_classes=3." in line
    assert "Hint: resume with the same Global.model and Train.num_classes" in line


def test_instance_evaluate_refuses_another_class_count(data, tmp_path):
    from paddlex_train.tasks.base.checkpoint import Identity, states

    five = Identity("MaskRCNN-ResNet50-FPN", 5, "instance_segmentation")
    ckpt = _checkpoint(tmp_path / "run" / "best_model", states("epoch", 2, 0.1, 0.1, five))
    proc = _inst(data, tmp_path / "o", "evaluate", f"Evaluate.weight_path={ckpt / 'model.pdparams'}")
    assert "was trained with 5 classes, but" in one_error_line(proc, code=2)


def test_instance_evaluate_lists_missing_and_unexpected_tensors(data, tmp_path):
    """Weights without any identity (no model.pdstates, no config.yaml) must still load completely."""
    ckpt = _checkpoint(tmp_path / "bare", None, params={"decode_head.conv_seg.weight": np.zeros((4, 8), "float32")})
    proc = _inst(data, tmp_path / "o", "evaluate", f"Evaluate.weight_path={ckpt / 'model.pdparams'}")
    line = one_error_line(proc, code=2)
    assert "does not fit MaskRCNN-ResNet50-FPN with 3 classes (0 tensors matched;" in line
    assert " missing: backbone." in line and "1 unexpected: decode_head.conv_seg.weight" in line


@pytest.fixture(scope="module")
def trained(data, module_tmp):
    """Two instance epochs with the shipped Train.log_interval (10 iterations; an epoch here has 2)."""
    out = module_tmp("inst_two_epochs")
    proc = _inst(data, out, "train", "Train.epochs_iters=2")
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out


@pytest.mark.slow
def test_instance_history_has_a_row_per_epoch(trained):
    """Item 1: results.csv (and curves/VisualDL) get a loss point per epoch, not one per 10 epochs."""
    rows = [r.split(",") for r in (trained / "results.csv").read_text().splitlines()]
    assert rows[0] == ["epoch", "loss", "lr", "val_mask_AP"]
    assert [r[0] for r in rows[1:] if r[1]] == ["1", "2"]
    log = (trained / "train.log").read_text()
    assert "[TRAIN] epoch: 1/2, iter: 2/2, loss:" in log and "ETA" in log


@pytest.mark.slow
def test_instance_checkpoint_states_follow_the_contract(trained):
    from paddlex_train.training.checkpoint import load_object

    states = load_object(trained / "2" / "model.pdstates")
    assert {k: states[k] for k in ("unit", "unit_name", "model_name", "num_classes", "task")} == {
        "unit": 2, "unit_name": "epoch", "model_name": "MaskRCNN-ResNet50-FPN", "num_classes": 3,
        "task": "instance_segmentation"}
    assert isinstance(states["score"], float) and states["best"] >= states["score"]


@pytest.mark.slow
def test_semantic_evaluate_refuses_an_instance_checkpoint(trained, tmp_path):
    proc = run_main("-c", SEG, "-o", "Global.mode=evaluate", "-o", "Global.device=cpu", "-o",
                    f"Global.output={tmp_path}", "-o", f"Evaluate.weight_path={trained / '2' / 'model.pdparams'}",
                    env=ENV)
    line = one_error_line(proc, code=2)
    assert ("is a checkpoint of model_name=MaskRCNN-ResNet50-FPN (instance_segmentation), but this run is "
            "semantic_segmentation.") in line


@pytest.mark.slow
def test_export_into_the_training_output_keeps_it(trained, data):
    """Export mode writes PaddleX's files into Global.output without removing what is there (the checkpoints)."""
    proc = _inst(data, trained, "export")
    assert proc.returncode == 0, proc.stderr[-2000:]
    body = read_result(trained, "export")
    assert body["model_name"] == "MaskRCNN-ResNet50-FPN" and body["export_dir"] == str(trained)
    assert body["inference_config"] == "inference.yml" and (trained / "inference.yml").is_file()
    for rel in ("1/model.pdparams", "2/model.pdopt", "best_model/best_model.pdparams", "train_result.json"):
        assert (trained / rel).is_file(), rel
    assert not list(trained.glob(".export*"))
