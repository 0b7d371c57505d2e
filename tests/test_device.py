"""Device strings and the CPU fallback."""
import pytest

from paddlex_train.device import Device, parse_device, resolve_device
from paddlex_train.errors import ConfigError


@pytest.mark.parametrize("text,expected", [
    ("cpu", Device("cpu")), ("gpu", Device("gpu")), ("gpu:0", Device("gpu", (0,))),
    ("gpu:0,1", Device("gpu", (0, 1))), ("GPU:2", Device("gpu", (2,))), ("xpu:1", Device("xpu", (1,))),
    ("npu", Device("npu")), ("mlu:0,1,2", Device("mlu", (0, 1, 2))), ("cpu:0,1", Device("cpu", (0, 1))),
])
def test_parse(text, expected):
    assert parse_device(text) == expected


@pytest.mark.parametrize("text", ["", "tpu", "gpu:", "gpu:a", "gpu:0:1", "gpu:0,,1", "gpu:0,0", "gpu 0"])
def test_malformed(text):
    with pytest.raises(ConfigError):
        parse_device(text)


def test_gpu_falls_back_to_cpu_with_one_warning():
    warnings = []
    dev = resolve_device(parse_device("gpu:0,1"), lambda t: False, warnings.append)
    assert dev == Device("cpu", (0, 1)) and len(warnings) == 1 and "CPU" in warnings[0]
    assert resolve_device(parse_device("gpu:0"), lambda t: False, warnings.append) == Device("cpu")
    assert resolve_device(parse_device("gpu:1"), lambda t: True, warnings.append) == Device("gpu", (1,))
    assert len(warnings) == 2


def test_properties():
    dev = parse_device("gpu:3,4")
    assert dev.is_distributed and dev.num_processes == 2 and dev.paddle_place() == "gpu:3" and str(dev) == "gpu:3,4"
