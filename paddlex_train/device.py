"""Device strings: `cpu`, `gpu`, `gpu:0`, `gpu:0,1`, `xpu/npu/mlu[:N,...]`, and our `cpu:0,1` (multi-process CPU).

Parsing never imports paddle (config validation must stay fast); resolving against the installed Paddle build
happens only in modes that need paddle anyway.
"""
import re
from dataclasses import dataclass

from .errors import ConfigError

DEVICE_TYPES = ("cpu", "gpu", "xpu", "npu", "mlu")
_DEVICE_RE = re.compile(r"^(?P<type>[a-z]+)(?::(?P<ids>\d+(?:,\d+)*))?$")

# Environment variable that restricts a single process to one accelerator of each type.
VISIBLE_DEVICES_ENV = {
    "gpu": "CUDA_VISIBLE_DEVICES",
    "xpu": "XPU_VISIBLE_DEVICES",
    "npu": "ASCEND_RT_VISIBLE_DEVICES",
    "mlu": "MLU_VISIBLE_DEVICES",
}


@dataclass(frozen=True)
class Device:
    """A parsed device request.

    Attributes:
        type: one of DEVICE_TYPES.
        ids: the requested device ids (empty = the default device).
    """

    type: str
    ids: tuple = ()

    @property
    def num_processes(self):
        """How many training processes this device string asks for."""
        return max(1, len(self.ids))

    @property
    def is_distributed(self):
        """True when more than one process is needed."""
        return len(self.ids) > 1

    def __str__(self):
        return self.type + (":" + ",".join(str(i) for i in self.ids) if self.ids else "")

    def paddle_place(self):
        """The argument for `paddle.set_device` in one process (the first id, or the default)."""
        if self.type == "cpu":
            return "cpu"
        return f"{self.type}:{self.ids[0] if self.ids else 0}"


def parse_device(text):
    """Parse a device string, raising ConfigError with the accepted forms when it is malformed."""
    raw = "" if text is None else str(text).strip()
    m = _DEVICE_RE.match(raw.lower())
    if not m or m.group("type") not in DEVICE_TYPES:
        raise ConfigError(
            f"Global.device={raw!r} is not a device string.",
            hint="use cpu, gpu, gpu:0 or gpu:0,1 (also xpu/npu/mlu:N, and cpu:0,1 for 2 CPU processes)",
        )
    ids = tuple(int(i) for i in m.group("ids").split(",")) if m.group("ids") else ()
    if len(set(ids)) != len(ids):
        raise ConfigError(f"Global.device={raw!r} lists a device id twice.", hint="e.g. gpu:0,1")
    return Device(m.group("type"), ids)


def resolve_device(device, compiled_with, warn):
    """Return the device to really use, falling back to CPU when Paddle lacks the requested backend.

    Args:
        device: a parsed Device.
        compiled_with: callable(type) -> bool telling whether the installed paddle supports that device type.
        warn: callable(message) used once for the fallback warning.
    """
    if device.type == "cpu" or compiled_with(device.type):
        return device
    warn(
        f"Global.device={device} asked for {device.type.upper()}, but the installed PaddlePaddle has no "
        f"{device.type.upper()} support; running on CPU instead (install paddlepaddle-gpu==2.6.2 for GPUs)."
    )
    return Device("cpu", tuple(range(len(device.ids))) if device.is_distributed else ())
