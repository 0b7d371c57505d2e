"""PaddleX's training keys beyond its module YAMLs (issue 17): value checks (used by config/schema.py) and the
run-time rules that need the resolved device or the task (used by the trainer before any work starts).

Kept free of paddle and of the suites: config validation imports this module.
"""
import ipaddress
from importlib import metadata

from ..errors import ConfigError, UnsupportedError

AMP_LEVELS = ("OFF", "O1", "O2")
AMP_DOC = ("mixed precision: OFF, O1 (auto_cast white-list ops in float16) or O2 (float16 weights with float32 "
           "master copies); GPU only")

# Tasks whose backend can train through paddle.jit.to_static (see each backend's session).
DY2ST_TASKS = ("semantic_segmentation",)


def check_amp_level(value):
    """Schema check of Train.amp."""
    return None if value in AMP_LEVELS else f"must be one of {', '.join(AMP_LEVELS)} (upper case, as in PaddleX)"


def check_dist_ips(value):
    """Schema check of Train.dist_ips: comma-separated IPv4/IPv6 addresses, no duplicates."""
    ips = [part.strip() for part in value.split(",")]
    for ip in ips:
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            return f"must be comma-separated IP addresses, e.g. 10.0.0.1,10.0.0.2 ({ip!r} is not one)"
    if len(set(ips)) != len(ips):
        return "lists a machine twice; give each machine's IP once"
    return None


def paddle_major_version():
    """Major version of the installed paddle (read from the package metadata: no `import paddle`), or None."""
    for dist in ("paddlepaddle", "paddlepaddle-gpu"):
        try:
            return int(metadata.version(dist).split(".")[0])
        except (metadata.PackageNotFoundError, ValueError):
            continue
    return None


def check_export_with_pir(value):
    """Schema check of Global.export_with_pir: PIR programs exist only from Paddle 3 on."""
    if not value:
        return None
    major = paddle_major_version()
    if major is not None and major < 3:
        return (f"needs Paddle 3 (PIR export writes model.json programs); the installed paddle is {major}.x, "
                f"which exports .pdmodel programs: set Global.export_with_pir=False")
    return None


def check_amp_device(amp, device):
    """Refuse Train.amp=O1/O2 on a CPU device with one line (float16 kernels and GradScaler are GPU features)."""
    if amp != "OFF" and device.type == "cpu":
        raise ConfigError(f"Train.amp={amp} needs a GPU (float16 mixed precision); Global.device={device} is a CPU.",
                          hint="set -o Train.amp=OFF, or train on gpu:N")


def check_dy2st(dy2st, task_name, model_name):
    """Refuse Train.dy2st=True for a task whose backend cannot train through to_static."""
    if dy2st and task_name not in DY2ST_TASKS:
        raise UnsupportedError(f"Train.dy2st=True (static-graph training) is not supported for {model_name}.",
                               hint="set -o Train.dy2st=False (dynamic-graph training gives the same weights)")


def check_train_keys(train, device, task_name, model_name):
    """All run-time checks of the issue-17 keys, before any relaunch or model build."""
    check_amp_device(train.get("amp", "OFF"), device)
    check_dy2st(train.get("dy2st", False), task_name, model_name)
