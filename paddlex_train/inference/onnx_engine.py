"""Run an exported ONNX model (`inference.onnx`, written by `main.py --paddle2onnx` or Export.format=onnx|both)
on onnxruntime with the same `run()` interface as inference.engine.StaticEngine, so the predictors' pre- and
post-processing stay the same whichever engine runs the program.

Providers: CUDAExecutionProvider when the device is a GPU and onnxruntime has it, else CPUExecutionProvider.
"""
import os
from pathlib import Path

import numpy as np

from ..errors import BackendError
from ..log import get_logger
from .engine import _first_line  # errors are reported the same way for both engines

ONNX_FILE = "inference.onnx"


def onnx_file_of(model_dir):
    """`model_dir`/inference.onnx when it exists, else None."""
    path = Path(model_dir) / ONNX_FILE
    return path if path.is_file() else None


def onnxruntime_available():
    """Whether onnxruntime can be imported here."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


class OnnxEngine:
    """Loads `onnx_file` once into an onnxruntime InferenceSession and runs it on numpy arrays.

    Args:
        onnx_file: path of inference.onnx.
        device: a paddlex_train.device.Device.
        cpu_threads: intra-op threads on CPU (None = OMP_NUM_THREADS, else every core).
    """

    name = "onnxruntime"

    def __init__(self, onnx_file, device, cpu_threads=None):
        import onnxruntime as ort

        self.model_file, self.device = Path(onnx_file), device
        options = ort.SessionOptions()
        options.intra_op_num_threads = int(cpu_threads or int(os.environ.get("OMP_NUM_THREADS", "0") or 0)
                                           or os.cpu_count() or 1)
        options.log_severity_level = 3  # errors only: onnxruntime's warnings about unused initialisers are noise
        self.providers = ["CPUExecutionProvider"]
        if device.type == "gpu":
            if "CUDAExecutionProvider" in ort.get_available_providers():
                self.providers.insert(0, "CUDAExecutionProvider")
            else:
                get_logger().warning("onnxruntime has no CUDAExecutionProvider here; running the ONNX model on CPU.")
        try:
            self._session = ort.InferenceSession(str(self.model_file), options, providers=self.providers)
        except Exception as e:  # noqa: BLE001 (onnxruntime raises its own exception types)
            raise BackendError(f"onnxruntime could not load {self.model_file}: {_first_line(e)}",
                               hint="convert the model again (python main.py --paddle2onnx ...)") from None
        self.input_names = [i.name for i in self._session.get_inputs()]
        self.output_names = [o.name for o in self._session.get_outputs()]

    def run(self, inputs, outputs=None):
        """Run the model.

        Args:
            inputs: list of numpy arrays in the model's input order, or a dict name -> array.
            outputs: indices of the outputs to compute and return (None = all), as StaticEngine.run takes them.

        Returns:
            list of numpy arrays, one per model output (the Paddle program's output order).
        """
        if not isinstance(inputs, dict):
            if len(inputs) != len(self.input_names):
                raise BackendError(f"The model expects {len(self.input_names)} inputs "
                                   f"({', '.join(self.input_names)}), got {len(inputs)}.")
            inputs = dict(zip(self.input_names, inputs))
        feed = {name: np.ascontiguousarray(inputs[name]) for name in self.input_names}
        try:
            names = self.output_names if outputs is None else [self.output_names[i] for i in outputs]
            return list(self._session.run(names, feed))
        except Exception as e:  # noqa: BLE001
            raise BackendError(f"onnxruntime failed on {self.model_file}: {_first_line(e)}",
                               hint="check the input size against the model's input_shape") from None
