"""Which inference engine a predictor runs on. Today there is one: Paddle Inference (inference.engine).

`use_hpip=True` (PaddleX's "high-performance inference") asks for the fastest engine available. None of the
high-performance engines (ONNX Runtime, TensorRT, OpenVINO) is wired into this toolkit yet, so the request is
answered with one clear warning and Paddle Inference. When an engine lands, it gets a row in HPIP_ENGINES.
"""
from ..log import get_logger

DEFAULT_ENGINE = "paddle"

# (name, callable() -> bool: usable here), fastest first. ONNX Runtime is planned (the ONNX issue), not there yet.
HPIP_ENGINES = ()

NO_HPIP_MESSAGE = ("use_hpip=True: no high-performance inference engine is available in this toolkit yet "
                   "(ONNX Runtime support is not there yet); using Paddle Inference.")


def choose_engine(use_hpip=False, warn=None):
    """The engine name to use: the first usable HPIP engine when `use_hpip`, else (or failing that) 'paddle'."""
    if not use_hpip:
        return DEFAULT_ENGINE
    for name, usable in HPIP_ENGINES:
        if usable():
            return name
    (warn or get_logger().warning)(NO_HPIP_MESSAGE)
    return DEFAULT_ENGINE
