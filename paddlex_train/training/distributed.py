"""Multi-process training: the relaunch command and the rank of the current process.

`Global.device=gpu:0,1` (or any accelerator with several ids) relaunches the same command line through
`python -m paddle.distributed.launch --devices 0,1 --log_dir <output>/distributed_train_logs main.py <args>`.
`cpu:0,1` is our extension: `--nproc_per_node 2` (gloo), because `--devices` fails on CPU-only paddle builds.
The workers see WORKER_ENV set, so they train instead of relaunching; only rank 0 writes files.
"""
import os
import subprocess
import sys
from pathlib import Path

from ..device import VISIBLE_DEVICES_ENV
from ..errors import BackendError
from . import multinode

WORKER_ENV = "PADDLEX_TRAIN_WORKER"
LOG_DIR_NAME = "distributed_train_logs"


def rank():
    """This process's rank (0 outside distributed runs)."""
    return int(os.environ.get("PADDLE_TRAINER_ID", "0"))


def rank_output(output):
    """Where this process writes its result files: `output` for rank 0, else <output>/distributed_train_logs/rank<N>
    (the engine writes <output>/train_result.json after the run; other ranks must not overwrite rank 0's)."""
    return Path(output) if rank() == 0 else Path(output) / LOG_DIR_NAME / f"rank{rank()}"


def world_size():
    """Number of training processes (1 outside distributed runs)."""
    return int(os.environ.get("PADDLE_TRAINERS_NUM", "1"))


def is_worker():
    """True inside a process started by `launch`."""
    return os.environ.get(WORKER_ENV) == "1"


def already_launched():
    """True inside any paddle.distributed.launch worker: ours (WORKER_ENV) or one the user started
    (`python -m paddle.distributed.launch --master ... main.py ...`, training/multinode.py); never relaunch then."""
    return is_worker() or multinode.started_by_launcher()


def restrict_to_single_device(device, environ=None):
    """For one accelerator id (`gpu:3`), hide the others as PaddleX does (CUDA_VISIBLE_DEVICES=3, or the XPU/NPU/
    MLU variable), before paddle initialises the device runtime. A variable the user already set is respected.

    Returns:
        True when the variable was set here (the process then addresses its device as id 0).
    """
    environ = os.environ if environ is None else environ
    name = VISIBLE_DEVICES_ENV.get(device.type)
    if not name or len(device.ids) != 1 or already_launched() or name in environ:
        return False
    environ[name] = str(device.ids[0])
    return True


def local_place(device, environ=None):
    """The `paddle.set_device` argument of this process for `device` ('cpu', 'gpu:0', ...)."""
    environ = os.environ if environ is None else environ
    if device.type == "cpu":
        return "cpu"
    if world_size() > 1:  # the launcher gives each worker its device in FLAGS_selected_<type>s
        return f"{device.type}:{environ.get(f'FLAGS_selected_{device.type}s', '0').split(',')[0]}"
    name = VISIBLE_DEVICES_ENV.get(device.type)
    if device.ids and name and environ.get(name) == str(device.ids[0]):
        return f"{device.type}:0"  # only that device is visible
    return device.paddle_place()


def log_dir(output, node=None):
    """Where the launcher writes worker logs: <output>/distributed_train_logs, per machine (node<i>) when several
    machines may share one output directory."""
    return Path(output) / LOG_DIR_NAME / (f"node{node}" if node else "")


def launch_command(device, output, argv=None, python=None, ips=None, node=None):
    """The command that restarts this program on every device of `device`.

    Args:
        device: a parsed Device with several ids.
        output: the run's output directory (the launcher's logs go to <output>/distributed_train_logs).
        argv: the program and its arguments (default: sys.argv).
        python: interpreter (default: sys.executable).
        ips: Train.dist_ips as a list (multi-machine: `--ips`), or None.
        node: this machine's index in `ips` (its logs go to distributed_train_logs/node<i>).
    """
    argv = list(sys.argv if argv is None else argv)
    return [python or sys.executable, "-m", "paddle.distributed.launch", *multinode.launch_args(device, ips),
            "--log_dir", str(log_dir(output, node)), *argv]


def relaunch(device, output, log, ips=None, node=None):
    """Run the training again under paddle.distributed.launch and wait for it.

    Raises:
        BackendError: when a worker fails; the message points at the worker logs.
    """
    cmd = launch_command(device, output, ips=ips, node=node)
    log("Launching %d training processes%s: %s" % (device.num_processes, f" on machine {node + 1} of {len(ips)}"
                                                   if ips else "", " ".join(cmd)))
    env = dict(os.environ, **{WORKER_ENV: "1"})
    if device.type == "cpu":
        env.pop("CUDA_VISIBLE_DEVICES", None)
    code = subprocess.call(cmd, env=env)
    if code != 0:
        logs = log_dir(output, node)
        tail = ""
        for worker_log in sorted(logs.glob("workerlog.*")):
            lines = worker_log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
            if lines:
                tail = f" Last line of {worker_log.name}: {lines[-1].strip()}"
                break
        raise BackendError(f"Distributed training failed (exit code {code}).{tail}",
                           hint=f"see the worker logs in {logs}")
