"""Which inference engine a predictor runs on: Paddle Inference (inference.engine) or onnxruntime
(inference.onnx_engine).

- A directory holding only `inference.onnx` (python main.py --paddle2onnx, or Export.format=onnx) runs on
  onnxruntime.
- A directory holding a Paddle program runs on Paddle Inference, unless `use_hpip=True` (PaddleX's
  "high-performance inference") and the directory also holds `inference.onnx` and onnxruntime is installed.
- `use_hpip=True` without an ONNX model (or without onnxruntime) is answered with one warning and Paddle Inference.
"""
from ..log import get_logger
from .onnx_engine import onnx_file_of, onnxruntime_available

DEFAULT_ENGINE = "paddle"
ONNX_ENGINE = "onnxruntime"

# (name, callable() -> bool: usable here), fastest first.
HPIP_ENGINES = ((ONNX_ENGINE, onnxruntime_available),)

NO_HPIP_MESSAGE = ("use_hpip=True: ONNX Runtime needs an inference.onnx beside inference.yml (convert the export: "
                   "python main.py --paddle2onnx --paddle_model_dir DIR --onnx_model_dir OUT, or export with "
                   "-o Export.format=both); using Paddle Inference.")
NO_ORT_MESSAGE = "use_hpip=True: onnxruntime is not installed; using Paddle Inference."


def choose_engine(use_hpip=False, warn=None, model=None):
    """The engine name for an InferenceModel `model` (None = no directory known yet, e.g. a pipeline before it
    loads its model): 'onnxruntime' for an ONNX-only directory or for `use_hpip` with an ONNX model at hand,
    else 'paddle' (warning when `use_hpip` cannot be honoured)."""
    warn = warn or get_logger().warning
    has_onnx = model is not None and onnx_file_of(model.model_dir) is not None
    if has_onnx and not model.model_file.is_file():
        return ONNX_ENGINE
    if not use_hpip:
        return DEFAULT_ENGINE
    usable = [name for name, ok in HPIP_ENGINES if ok()]
    if not usable:
        warn(NO_ORT_MESSAGE)
        return DEFAULT_ENGINE
    if model is None or has_onnx:
        return usable[0]
    warn(NO_HPIP_MESSAGE)
    return DEFAULT_ENGINE


def build_engine(model, device, engine=None):
    """The engine object that runs InferenceModel `model` on parsed `device` (`engine`: a choose_engine name;
    None = the model's own choice, set by create_predictor, else choose_engine's default)."""
    name = engine or getattr(model, "engine", None) or choose_engine(False, model=model)
    if not isinstance(name, str):  # a ready engine object (the dynamic-graph reference of tasks/base/parity.py)
        return name
    if name == ONNX_ENGINE:
        from .onnx_engine import OnnxEngine

        return OnnxEngine(onnx_file_of(model.model_dir), device)
    from .engine import StaticEngine

    return StaticEngine(model.model_file, model.params_file, device)
