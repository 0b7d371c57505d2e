"""Train-mode features on PP-LiteSeg-T at 64x64: resume continues the same run, the NaN guard stops training,
pretrained weights load from a local file or a loopback URL (offline URL = clear error), incompatible
checkpoints are refused, and cpu:0,1 trains with 2 processes."""
import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest

from conftest import REPO, read_result, run_main
from predict_fixtures import LoopbackServer
from seg_helpers import data, run_ok, seg_args  # noqa: F401 (data is a fixture)

MODEL = "PP-LiteSeg-T"
TINY = ("Train.input_shape=[64,64]", "Train.batch_size=2", "Train.log_interval=1")


@pytest.fixture(scope="module")
def full_run(data, module_tmp):
    """4 iterations in one go, checkpoints every 2."""
    out = module_tmp("full") / "out"
    run_ok(*seg_args(MODEL, "train", data, out, "Train.epochs_iters=4", "Train.eval_interval=2", *TINY))
    return out


def _load(path):
    from paddlex_train.paddle_env import import_paddle

    return {k: v.numpy() for k, v in import_paddle().load(str(path)).items()}


def _train_and_kill_after_first_save(args, out):
    """Start a training run and SIGKILL it as soon as its first checkpoint is recorded (an interrupted run)."""
    env = dict(os.environ, OMP_NUM_THREADS="1")
    proc = subprocess.Popen([sys.executable, str(REPO / "main.py"), *map(str, args)], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 600
    while not (out / "train_result.json").is_file() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    proc.kill()
    proc.wait()


@pytest.mark.slow
def test_resume_continues_the_same_run(data, full_run, tmp_path):
    out = tmp_path / "out"
    _train_and_kill_after_first_save(seg_args(MODEL, "train", data, out, "Train.epochs_iters=4",
                                              "Train.eval_interval=2", *TINY), out)
    assert not (out / "iter_4").exists()
    interrupted = read_result(out, "train")  # rewritten after every save, done_flag false until the end
    assert interrupted["done_flag"] is False and interrupted["models"]["last_1"]["pdparams"] == "iter_2/model.pdparams"
    assert not list(out.rglob(".*.tmp*"))  # no half-written temporary files left behind
    run_ok(*seg_args(MODEL, "train", data, out, "Train.epochs_iters=4", "Train.eval_interval=2",
                     f"Train.resume_path={out / 'iter_2'}", *TINY))
    a, b = _load(full_run / "iter_4" / "model.pdparams"), _load(out / "iter_4" / "model.pdparams")
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_allclose(a[key], b[key], rtol=1e-4, atol=1e-5, err_msg=key)
    body = read_result(out, "train")
    assert body["models"]["last_2"]["pdparams"] == "iter_2/model.pdparams"  # the first run's checkpoint is kept
    losses = [r.split(",")[1] for r in (out / "results.csv").read_text().splitlines()[1:] if r.split(",")[1]]
    full = [r.split(",")[1] for r in (full_run / "results.csv").read_text().splitlines()[1:] if r.split(",")[1]]
    assert np.allclose([float(x) for x in losses], [float(x) for x in full], rtol=1e-3)


@pytest.mark.slow
def test_resume_refuses_other_class_count(data, full_run, tmp_path):
    args = seg_args(MODEL, "train", data, tmp_path / "o", "Train.epochs_iters=6",
                    f"Train.resume_path={full_run / 'iter_4' / 'model.pdparams'}", *TINY)
    args[args.index("Train.num_classes=4")] = "Train.num_classes=5"
    proc = run_main(*args, env={"OMP_NUM_THREADS": "1"})
    assert proc.returncode == 2 and "num_classes=4" in proc.stderr and "Hint" in proc.stderr


@pytest.mark.slow
def test_nan_guard_stops_with_hint(data, tmp_path):
    proc = run_main(*seg_args(MODEL, "train", data, tmp_path / "o", "Train.epochs_iters=6", "Train.eval_interval=6",
                              "Train.learning_rate=1e30", *TINY), env={"OMP_NUM_THREADS": "1"})
    assert proc.returncode == 1
    body = read_result(tmp_path / "o", "train")
    assert body["err_type"] == "TrainingDivergedError" and "lower Train.learning_rate" in body["err_msg"]


def _edited_weights(full_run, tmp_path):
    from paddlex_train.paddle_env import import_paddle

    paddle = import_paddle()
    state = paddle.load(str(full_run / "best_model" / "model.pdparams"))
    dropped = sorted(state)[0]
    state.pop(dropped)
    state["not_in_the_model.weight"] = paddle.zeros([2])
    path = tmp_path / "edited.pdparams"
    paddle.save(state, str(path))
    return path, dropped


@pytest.mark.slow
def test_pretrained_local_and_url(data, full_run, tmp_path):
    path, dropped = _edited_weights(full_run, tmp_path)
    out = tmp_path / "local"
    run_ok(*seg_args(MODEL, "train", data, out, "Train.epochs_iters=1", f"Train.pretrain_weight_path={path}", *TINY))
    log = (out / "train.log").read_text()
    assert "1 missing: " + dropped in log and "1 unexpected: not_in_the_model.weight" in log
    server = LoopbackServer(tmp_path)
    try:
        url = f"{server.url}/edited.pdparams"
        out = tmp_path / "url"
        run_ok(*seg_args(MODEL, "train", data, out, "Train.epochs_iters=1", f"Train.pretrain_weight_path={url}",
                         *TINY), env={"PADDLEX_TRAIN_CACHE": str(tmp_path / "cache")})
        assert "1 unexpected: not_in_the_model.weight" in (out / "train.log").read_text()
        assert list((tmp_path / "cache").glob("*/edited.pdparams"))
    finally:
        server.close()
    proc = run_main(*seg_args(MODEL, "train", data, tmp_path / "off", "Train.epochs_iters=1",
                              "Train.pretrain_weight_path=http://127.0.0.1:9/w.pdparams", *TINY),
                    env={"OMP_NUM_THREADS": "1", "PADDLEX_TRAIN_CACHE": str(tmp_path / "cache")})
    assert proc.returncode == 1 and "Could not download pretrained weights" in proc.stderr
    assert "local path" in proc.stderr


@pytest.mark.slow
def test_two_cpu_processes(data, tmp_path):
    out = tmp_path / "out"
    run_ok(*seg_args(MODEL, "train", data, out, "Global.device=cpu:0,1", "Train.epochs_iters=2",
                     "Train.eval_interval=2", "Train.input_shape=[64,64]", "Train.batch_size=1",
                     "Train.log_interval=1"))
    body = read_result(out, "train")
    assert body["done_flag"] is True and (out / "best_model" / "model.pdparams").is_file()
    logs = sorted((out / "distributed_train_logs").glob("workerlog.*"))
    assert len(logs) == 2
    # rank 1's engine writes its result file aside, never over rank 0's train_result.json
    assert (out / "distributed_train_logs" / "rank1" / "train_result.json").is_file()
    assert "2 process(es)" in (out / "train.log").read_text()
    assert json.loads((out / "train_result.json").read_text())["models"]["last_1"]["pdparams"] == \
        "iter_2/model.pdparams"
