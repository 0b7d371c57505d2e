"""Multi-machine training without a GPU (issue 17): two paddle launchers on this host, each one "machine" with one
CPU process (gloo), train PP-LiteSeg-T for 4 iterations. World size 2, identical parameters on both ranks after
every step (the PADDLEX_TRAIN_PARAM_DIGEST_DIR test hook), and only global rank 0 writes results and checkpoints.

1. the user's own launcher: `python -m paddle.distributed.launch --master 127.0.0.1:<port> --nnodes 2 main.py ...`
   (main.py sees it is already a worker and does not relaunch), 2 iterations and a resume on both machines for 2 more;
2. PaddleX style: the same `main.py ... -o Train.dist_ips=127.0.0.2,127.0.0.3` on both "machines"; paddle's
   launcher reads POD_IP (which machine this is) and PADDLE_START_PORT from the environment, so loopback
   addresses stand in for two hosts.
"""
import os
import socket
import subprocess
import sys

import pytest

from conftest import REPO, read_result
from seg_helpers import data, seg_args  # noqa: F401 (data is a fixture)

MODEL = "PP-LiteSeg-T"
RUN = ("Train.epochs_iters=4", "Train.eval_interval=4", "Train.input_shape=[64,64]", "Train.batch_size=1",
       "Train.log_interval=1")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_machines(commands, envs, timeout=600):
    """Start one process per "machine" at once and wait for all; returns [(code, output)]."""
    procs = [subprocess.Popen(cmd, cwd=REPO, env=dict(os.environ, OMP_NUM_THREADS="1", **env),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for cmd, env in zip(commands, envs)]
    results = []
    for p in procs:
        try:
            out, _ = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            for q in procs:
                q.kill()
            raise
        results.append((p.returncode, out))
    return results


def _digests(folder):
    return [(folder / f"rank{r}.txt").read_text().split("\n") for r in (0, 1)]


def _check_rank0_only(out0, out1, digest_dir):
    body = read_result(out0, "train")
    assert body["done_flag"] is True
    assert (out0 / "iter_4" / "model.pdparams").is_file() and (out0 / "best_model" / "model.pdparams").is_file()
    assert "(2 process(es))" in (out0 / "train.log").read_text()
    # the other machine wrote no results, checkpoints, logs or config of the run at its top level
    assert sorted(p.name for p in out1.iterdir()) == ["distributed_train_logs"], list(out1.iterdir())
    assert not list(out1.rglob("*.pdparams"))
    rank0, rank1 = _digests(digest_dir)
    assert [line.split()[0] for line in rank0 if line] == ["1", "2", "3", "4"]
    assert rank0 == rank1  # both ranks hold the same weights after every step


def _own_launcher(tmp_path, data, outs, *extra, tag=""):
    """Both machines' commands: paddle's launcher started by the user, main.py as its worker."""
    port = _free_port()
    return [[sys.executable, "-m", "paddle.distributed.launch", "--master", f"127.0.0.1:{port}", "--nnodes", "2",
             "--rank", str(i), "--nproc_per_node", "1", "--log_dir", str(tmp_path / f"launcher{tag}{i}"),
             str(REPO / "main.py"), *map(str, seg_args(MODEL, "train", data, out, *RUN, *extra))]
            for i, out in enumerate(outs)]


@pytest.mark.slow
def test_users_own_launcher_two_machines_and_resume(data, tmp_path):
    """Iterations 1-2, then a resume from rank 0's iter_2 (reachable from both machines) for 3-4."""
    digest = tmp_path / "digest"
    digest.mkdir()
    outs = [tmp_path / "machine0", tmp_path / "machine1"]
    env = {"PADDLEX_TRAIN_PARAM_DIGEST_DIR": str(digest)}
    first = _own_launcher(tmp_path, data, outs, "Train.epochs_iters=2", "Train.eval_interval=2")
    for code, text in _run_machines(first, [env, env]):
        assert code == 0, text[-3000:]
    logs = [(tmp_path / f"launcher{i}" / "workerlog.0").read_text() for i in (0, 1)]
    assert all("Launching" not in log for log in logs)  # already a worker: no second launch
    resume = _own_launcher(tmp_path, data, outs, f"Train.resume_path={outs[0] / 'iter_2'}", tag="r")
    for code, text in _run_machines(resume, [env, env]):
        assert code == 0, text[-3000:]
    for i in (0, 1):
        assert "Resumed from" in (tmp_path / f"launcherr{i}" / "workerlog.0").read_text()
    _check_rank0_only(outs[0], outs[1], digest)
    assert read_result(outs[1] / "distributed_train_logs" / "rank1", "train")["done_flag"] is True


@pytest.mark.slow
def test_dist_ips_two_machines(data, tmp_path):
    port, digest = _free_port(), tmp_path / "digest"
    digest.mkdir()
    ips = ["127.0.0.2", "127.0.0.3"]
    outs = [tmp_path / "machine0", tmp_path / "machine1"]
    commands = [[sys.executable, str(REPO / "main.py"),
                 *map(str, seg_args(MODEL, "train", data, out, *RUN, f"Train.dist_ips={','.join(ips)}"))]
                for out in outs]
    envs = [{"POD_IP": ip, "PADDLE_START_PORT": str(port), "PADDLEX_TRAIN_PARAM_DIGEST_DIR": str(digest)}
            for ip in ips]
    results = _run_machines(commands, envs)
    for code, text in results:
        assert code == 0, text[-3000:]
    assert "--ips 127.0.0.2,127.0.0.3 --nproc_per_node 1" in results[0][1]
    _check_rank0_only(outs[0], outs[1], digest)
    # machine 2's own run result says where the results are, beside its worker logs
    note = read_result(outs[1] / "distributed_train_logs" / "node1", "train")
    assert note["done_flag"] is True and "127.0.0.2" in note["note"]


def test_dist_ips_must_list_this_machine(data, tmp_path):
    from conftest import one_error_line, run_main

    proc = run_main(*seg_args(MODEL, "train", data, tmp_path / "out", "Train.dist_ips=10.0.0.1,10.0.0.2"),
                    env={"POD_IP": "10.9.9.9"})
    assert one_error_line(proc, 2) == ("Error: Train.dist_ips=10.0.0.1,10.0.0.2 does not list this machine "
                                       "(10.9.9.9). Hint: list every machine's IP as the others reach it, or set "
                                       "POD_IP=<this machine's IP>")


def test_dist_ips_typo_is_one_line(data, tmp_path):
    from conftest import one_error_line, run_main

    proc = run_main(*seg_args(MODEL, "train", data, tmp_path / "out", "Train.dist_ips=10.0.0.1;10.0.0.2"))
    assert "Train.dist_ips='10.0.0.1;10.0.0.2' must be comma-separated IP addresses" in one_error_line(proc, 2)


def test_a_failing_worker_writes_its_failure_beside_not_over_rank_0(tmp_path, monkeypatch):
    """A rank >= 1 that fails reports into distributed_train_logs/rank<N>, leaving <output>/train_result.json alone."""
    from paddlex_train.cli import _fail
    from paddlex_train.errors import ConfigError

    (tmp_path / "train_result.json").write_text('{"done_flag": true}')
    monkeypatch.setenv("PADDLE_TRAINER_ID", "1")
    assert _fail(ConfigError("rank 1 went wrong."), "train", str(tmp_path), debug=False) == 2
    assert (tmp_path / "train_result.json").read_text() == '{"done_flag": true}'
    side = tmp_path / "distributed_train_logs" / "rank1" / "train_result.json"
    assert '"done_flag": false' in side.read_text()
