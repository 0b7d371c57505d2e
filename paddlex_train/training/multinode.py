"""Multi-machine training (Train.dist_ips) and detection of a launch the user started.

`-o Train.dist_ips=10.0.0.1,10.0.0.2` runs the same command on every machine, as in PaddleX: each machine
relaunches itself through `python -m paddle.distributed.launch --ips 10.0.0.1,10.0.0.2 ...` with its own devices
(`--devices` for accelerators, `--nproc_per_node` for cpu). The first IP's machine hosts global rank 0, which alone
writes results and checkpoints.

A user may instead start main.py with paddle's launcher themselves (`--master IP:PORT --nnodes 2 ...`): the
launcher sets PADDLE_TRAINER_ID/PADDLE_TRAINERS_NUM in every worker, so main.py trains as that worker and does
not relaunch.

Paddle's launcher reads POD_IP (this machine's address) and PADDLE_START_PORT from the environment, so a test can
run two "machines" on one host with distinct loopback addresses (127.0.0.2, 127.0.0.3) without any hook here.
"""
import os
import socket

from ..errors import ConfigError

TRAINER_ENV = ("PADDLE_TRAINER_ID", "PADDLE_TRAINERS_NUM")


def started_by_launcher(environ=None):
    """True when this process is a worker of a paddle.distributed.launch someone else started."""
    environ = os.environ if environ is None else environ
    return all(name in environ for name in TRAINER_ENV)


def parse_ips(dist_ips):
    """The machine list of Train.dist_ips ([] when unset)."""
    return [ip.strip() for ip in (dist_ips or "").split(",") if ip.strip()]


def node_ip(environ=None):
    """This machine's address as paddle's launcher determines it (POD_IP, else the host name's address)."""
    environ = os.environ if environ is None else environ
    if environ.get("POD_IP"):
        return environ["POD_IP"]
    try:
        return socket.gethostbyname(socket.getfqdn(socket.gethostname()))
    except OSError:
        return "127.0.0.1"


def check_this_machine(ips, environ=None):
    """Index of this machine in `ips`, or ConfigError: paddle would silently give it rank 0's place."""
    here = node_ip(environ)
    if here not in ips:
        raise ConfigError(f"Train.dist_ips={','.join(ips)} does not list this machine ({here}).",
                          hint="list every machine's IP as the others reach it, or set POD_IP=<this machine's IP>")
    if len(ips) > 1 and "127.0.0.1" in ips:
        raise ConfigError("Train.dist_ips may not contain 127.0.0.1 when it lists several machines.",
                          hint="use the addresses the machines reach each other by")
    return ips.index(here)


def hosts_rank0(dist_ips, environ=None):
    """False on a machine that is not the first of Train.dist_ips (it must not write the run's files)."""
    ips = parse_ips(dist_ips)
    return not ips or node_ip(environ) == ips[0]


def launch_args(device, ips):
    """The launcher arguments that place this machine's processes: --ips (multi-machine) and the devices."""
    where = ["--nproc_per_node", str(device.num_processes)] if device.type == "cpu" else \
        ["--devices", ",".join(str(i) for i in device.ids) or "0"]
    return (["--ips", ",".join(ips)] if ips else []) + where


DIGEST_ENV = "PADDLEX_TRAIN_PARAM_DIGEST_DIR"


def param_digest_writer(rank, environ=None):
    """Test hook: when PADDLEX_TRAIN_PARAM_DIGEST_DIR is set, a callable(unit, session) that appends
    `<unit> <sha1 of every trainable parameter>` to <dir>/rank<rank>.txt after each unit, so a test can see that all ranks
    hold identical weights after every step; otherwise a no-op."""
    environ = os.environ if environ is None else environ
    folder = environ.get(DIGEST_ENV)
    if not folder:
        return lambda unit, session: None

    def write(unit, session):
        import hashlib

        model = getattr(session, "model", None) or session.trainer.model
        h = hashlib.sha1()
        # trainable parameters only: BatchNorm running statistics (paddle parameters with stop_gradient) are
        # per rank, as each rank normalises its own batches
        for name, value in sorted(model.named_parameters()):
            if value.stop_gradient:
                continue
            h.update(name.encode())
            h.update(value.numpy().tobytes())
        with open(os.path.join(folder, f"rank{rank}.txt"), "a", encoding="utf-8") as f:
            f.write(f"{unit} {h.hexdigest()}\n")

    return write
