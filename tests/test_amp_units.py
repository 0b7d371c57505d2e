"""Train.amp without a GPU (issue 17): the GradScaler's state round-trips through a checkpoint and a resume, the
semantic loop enters paddle.amp.auto_cast with the configured level, the NaN hint names AMP, and ppdet's own AMP
is switched on for instance models. Paddle's GPU-place checks are mocked where a real scaler is needed."""
import types

import pytest

from conftest import INST_CONFIG_DIR, SEG_CONFIG_DIR


@pytest.fixture
def gpu_place(monkeypatch):
    """Make paddle's GradScaler believe it runs on a GPU (its only device check), so it is enabled on CPU."""
    import paddle.amp.grad_scaler as gs

    real = gs._dygraph_tracer

    def tracer():
        t = real()
        place = types.SimpleNamespace(is_gpu_place=lambda: True, is_xpu_place=lambda: False,
                                      is_custom_place=lambda: False)
        return types.SimpleNamespace(_expected_place=place, **{"_has_grad": getattr(t, "_has_grad", True)})

    monkeypatch.setattr(gs, "_dygraph_tracer", tracer)


def _scaler_state(amp):
    state = amp.scaler.state_dict()
    return {k: (v.tolist() if hasattr(v, "tolist") else v) for k, v in state.items()}


def test_scaler_state_round_trips_through_a_checkpoint(gpu_place, tmp_path):
    import numpy as np

    from paddlex_train.paddle_env import import_paddle
    from paddlex_train.training.amp import SCALER_KEY, AmpStep
    from paddlex_train.training.checkpoint import load_object, write_checkpoint

    paddle = import_paddle()
    trained = AmpStep("O1")
    assert trained.scaler._enable
    trained.scaler._scale = paddle.to_tensor(np.array([256.0], dtype="float32"))  # as after overflow back-offs
    trained.scaler._incr_count, trained.scaler._decr_count = 7, 1
    write_checkpoint(tmp_path / "iter_4", {"pdopt": trained.pack({"LR_Scheduler": {"last_epoch": 4}})},
                     {"pdopt": "model.pdopt"})
    saved = load_object(tmp_path / "iter_4" / "model.pdopt")
    assert SCALER_KEY in saved
    resumed = AmpStep("O1")
    optimizer_state, scaler_state = resumed.unpack(saved)
    assert SCALER_KEY not in optimizer_state and optimizer_state["LR_Scheduler"] == {"last_epoch": 4}
    assert _scaler_state(resumed) == _scaler_state(trained)
    assert _scaler_state(resumed)["scale"] == [256.0] and _scaler_state(resumed)["incr_count"] == 7


def test_amp_off_keeps_the_optimizer_state_as_is():
    from paddlex_train.training.amp import SCALER_KEY, AmpStep

    off = AmpStep("OFF")
    assert off.scaler is None and off.pack({"a": 1}) == {"a": 1}
    # a checkpoint trained with AMP resumed with Train.amp=OFF: the scaler part is dropped, not fed to the optimizer
    assert off.unpack({"a": 1, SCALER_KEY: {"scale": [8.0]}}) == ({"a": 1}, {"scale": [8.0]})


@pytest.mark.parametrize("level", ["O1", "O2"])
def test_semantic_loop_enters_auto_cast_with_the_level_and_checkpoints_the_scaler(level, gpu_place, monkeypatch,
                                                                                  tmp_path):
    import contextlib

    from dataset_tools.synthetic_seg import generate
    from paddlex_train.backends.paddleseg.session import SegTrainSession
    from paddlex_train.config.loader import load_config
    from paddlex_train.paddle_env import import_paddle
    from paddlex_train.training.amp import SCALER_KEY

    paddle = import_paddle()
    entered, decorated = [], []

    @contextlib.contextmanager
    def auto_cast(enable=True, level="O1", **kwargs):  # records; no float16 kernels on this CPU
        entered.append((enable, level))
        yield

    monkeypatch.setattr(paddle.amp, "auto_cast", auto_cast)
    monkeypatch.setattr(paddle.amp, "decorate", lambda models, optimizers, level, save_dtype:
                        decorated.append((level, save_dtype)) or (models, optimizers))
    data = generate(tmp_path / "data", num=4, size=32, seed=0, val_fraction=0.25)
    config = load_config(SEG_CONFIG_DIR / "PP-LiteSeg-T.yaml", [
        "Global.mode=train", "Global.device=cpu", f"Global.dataset_dir={data}", f"Global.output={tmp_path}/o",
        "Train.num_classes=4", "Train.input_shape=[32,32]", "Train.batch_size=1", "Train.epochs_iters=2",
        "Train.pretrain_weight_path=null", f"Train.amp={level}"])
    (tmp_path / "o").mkdir()
    session = SegTrainSession(config, tmp_path / "o", lambda m: None)
    try:
        assert decorated == ([("O2", "float32")] if level == "O2" else [])
        assert "Train.amp=" + level in session.divergence_hint
        # resume restores the scaler state saved in model.pdopt, and the next checkpoint carries it again
        state = session.state_dicts(2, best=False)
        state["pdopt"][SCALER_KEY]["incr_count"] = 5
        session.resume(session.model.state_dict(), state["pdopt"], 1)
        assert session.amp.scaler.state_dict()["incr_count"] == 5
        assert session.state_dicts(2, best=False)["pdopt"][SCALER_KEY]["incr_count"] == 5
        # (without float16 kernels the scaler switches itself off at the first scale(): the step still trains)
        session.run_unit(2)
    finally:
        session.close()
    assert entered == [(True, level)]


def test_amp_nan_hint():
    from paddlex_train.errors import TrainingDivergedError
    from paddlex_train.training.amp import divergence_hint
    from paddlex_train.training.guard import check_finite

    assert divergence_hint("OFF") is None
    with pytest.raises(TrainingDivergedError) as e:
        check_finite(float("nan"), "iter", 3, hint=divergence_hint("O1"))
    assert e.value.one_line() == ("Training diverged: the loss is nan at iter 3. Hint: the loss became NaN/Inf under "
                                  "mixed precision (Train.amp=O1): float16 overflow is likely; retry with "
                                  "-o Train.amp=OFF, or lower Train.learning_rate")


@pytest.mark.parametrize("level", ["OFF", "O1", "O2"])
def test_instance_models_use_ppdets_own_amp(level):
    from paddlex_train.backends.paddledet.user_config import apply_train_keys

    cfg = {}
    apply_train_keys(cfg, {"amp": level})
    assert cfg == ({} if level == "OFF" else {"amp": True, "amp_level": level})


def test_instance_yaml_loads_with_amp():
    from paddlex_train.config.loader import load_config

    cfg = load_config(INST_CONFIG_DIR / "SOLOv2.yaml", ["Train.amp=O2"])
    assert cfg["Train"]["amp"] == "O2"



def test_instance_session_turns_on_ppdets_amp_and_names_it_on_nan(tmp_path, tmp_path_factory):
    from inst_helpers import coco_set
    from paddlex_train.backends.paddledet.runners import make_session
    from paddlex_train.config.loader import load_config

    config = load_config(INST_CONFIG_DIR / "MaskRCNN-ResNet50-FPN.yaml", [
        "Global.device=cpu", f"Global.dataset_dir={coco_set(tmp_path_factory)}", "Train.num_classes=3",
        "Train.epochs_iters=1", "Train.input_shape=[64,64]", "Train.pretrain_weight_path=null", "Train.amp=O1"])
    session = make_session(config, tmp_path / "out", lambda msg: None)
    try:
        assert (session.trainer.use_amp, session.trainer.amp_level) == (True, "O1")
        assert "Train.amp=O1" in session.divergence_hint and session._own_steps.hint == session.divergence_hint
    finally:
        session.close()
