"""A thin wrapper over `paddle.inference` that runs an exported static program on numpy arrays.

Paddle is imported lazily through paddle_env (zlib first), so importing this module stays cheap.
"""
import os

from ..errors import BackendError
from ..log import get_logger

# oneDNN on CPU. bench/predict.py (PP-LiteSeg-T, 512x512, 2 cores, paddle 2.6.2) measured about 3-4x lower
# latency with it on than off, with identical class ids. If a program fails under oneDNN (some ops lack oneDNN
# kernels), the engine rebuilds once without it and warns. PXT_MKLDNN=0/1 overrides the default per process.
MKLDNN_DEFAULT = True


def _env_flag(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() not in ("0", "false", "no", "off", "")


def _first_line(error):
    lines = [line for line in str(error).strip().splitlines() if line.strip()]
    return lines[-1] if lines else type(error).__name__


class StaticEngine:
    """Loads `model_file` + `params_file` once and runs them.

    Args:
        model_file: path of inference.pdmodel.
        params_file: path of inference.pdiparams.
        device: a paddlex_train.device.Device (cpu or gpu/xpu/...).
        cpu_threads: math-library threads on CPU (None = OMP_NUM_THREADS, else every core).
        use_mkldnn: enable oneDNN on CPU (None = MKLDNN_DEFAULT, overridable with PXT_MKLDNN).
    """

    def __init__(self, model_file, params_file, device, cpu_threads=None, use_mkldnn=None):
        self.model_file, self.params_file, self.device = model_file, params_file, device
        self.cpu_threads = cpu_threads or int(os.environ.get("OMP_NUM_THREADS", "0") or 0) or os.cpu_count() or 1
        self.use_mkldnn = device.type == "cpu" and _env_flag(
            "PXT_MKLDNN", MKLDNN_DEFAULT if use_mkldnn is None else use_mkldnn)
        self._predictor = self._build()
        self.input_names = list(self._predictor.get_input_names())
        self.output_names = list(self._predictor.get_output_names())

    def _build(self):
        from ..paddle_env import import_paddle

        inference = import_paddle().inference
        config = inference.Config(str(self.model_file), str(self.params_file))
        device = self.device
        if device.type == "gpu":
            config.enable_use_gpu(256, device.ids[0] if device.ids else 0)
        elif device.type == "xpu":
            config.enable_xpu()
            config.set_xpu_device_id(device.ids[0] if device.ids else 0)
        else:
            config.disable_gpu()
            config.set_cpu_math_library_num_threads(int(self.cpu_threads))
            if self.use_mkldnn:
                config.enable_mkldnn()
                # Dynamic input shapes: cap oneDNN's per-shape primitive cache so memory stays bounded.
                config.set_mkldnn_cache_capacity(10)
            else:
                config.disable_mkldnn()
        config.switch_ir_optim(True)
        config.enable_memory_optim()
        config.disable_glog_info()
        try:
            return inference.create_predictor(config)
        except Exception as e:  # paddle raises its own types; report them as a backend failure in one line
            raise BackendError(f"Paddle Inference could not load {self.model_file}: {_first_line(e)}",
                               hint="re-export the model with the installed PaddlePaddle version") from None

    def _run_once(self, inputs, outputs=None):
        for name in self.input_names:
            handle = self._predictor.get_input_handle(name)
            array = inputs[name]
            handle.reshape(list(array.shape))
            handle.copy_from_cpu(array)
        self._predictor.run()
        names = self.output_names if outputs is None else [self.output_names[i] for i in outputs]
        return [self._predictor.get_output_handle(n).copy_to_cpu() for n in names]

    def run(self, inputs, outputs=None):
        """Run the program.

        Args:
            inputs: list of numpy arrays in the program's input order, or a dict name -> array.
            outputs: indices of the outputs to copy out (None = all); e.g. a semantic model's class ids only,
                not its logits, which at a large image size would cost C times the memory.

        Returns:
            list of numpy arrays, one per requested program output.
        """
        if not isinstance(inputs, dict):
            if len(inputs) != len(self.input_names):
                raise BackendError(f"The model expects {len(self.input_names)} inputs "
                                   f"({', '.join(self.input_names)}), got {len(inputs)}.")
            inputs = dict(zip(self.input_names, inputs))
        try:
            return self._run_once(inputs, outputs)
        except Exception as e:  # noqa: BLE001 (paddle's error types are internal)
            if not self.use_mkldnn:
                raise BackendError(f"Paddle Inference failed on {self.model_file}: {_first_line(e)}",
                                   hint="check the input size against the model's input_shape") from None
            get_logger().warning(f"Paddle Inference failed with oneDNN ({_first_line(e)}); retrying without it.")
            self.use_mkldnn = False
            self._predictor = self._build()
            return self.run(inputs, outputs)
