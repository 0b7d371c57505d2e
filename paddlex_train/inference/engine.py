"""A thin wrapper over `paddle.inference` that runs an exported static program on numpy arrays.

Paddle is imported lazily through paddle_env (zlib first), so importing this module stays cheap.
"""
import os

from ..errors import BackendError

# oneDNN (MKL-DNN) on CPU: measured with bench/predict.py on PP-LiteSeg-T 512x512 (see the module docstring
# there and the README): set from that measurement. PXT_MKLDNN=0/1 overrides it for one process.
MKLDNN_DEFAULT = True


def _env_flag(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() not in ("0", "false", "no", "off", "")


class StaticEngine:
    """Loads `model_file` + `params_file` once and runs them.

    Args:
        model_file: path of inference.pdmodel.
        params_file: path of inference.pdiparams.
        device: a paddlex_train.device.Device (cpu or gpu/xpu/...).
        cpu_threads: math-library threads on CPU (None = paddle's default or OMP_NUM_THREADS).
        use_mkldnn: enable oneDNN on CPU (None = MKLDNN_DEFAULT, overridable with PXT_MKLDNN).
    """

    def __init__(self, model_file, params_file, device, cpu_threads=None, use_mkldnn=None):
        from ..paddle_env import import_paddle

        inference = import_paddle().inference

        self.device = device
        config = inference.Config(str(model_file), str(params_file))
        if device.type == "gpu":
            config.enable_use_gpu(256, device.ids[0] if device.ids else 0)
        elif device.type == "xpu":
            config.enable_xpu()
            config.set_xpu_device_id(device.ids[0] if device.ids else 0)
        else:
            config.disable_gpu()
            threads = cpu_threads or int(os.environ.get("OMP_NUM_THREADS", "0") or 0) or os.cpu_count() or 1
            config.set_cpu_math_library_num_threads(int(threads))
            self.use_mkldnn = _env_flag("PXT_MKLDNN", MKLDNN_DEFAULT if use_mkldnn is None else use_mkldnn)
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
            self._predictor = inference.create_predictor(config)
        except Exception as e:  # paddle raises its own types; report them as a backend failure in one line
            raise BackendError(f"Paddle Inference could not load {model_file}: {str(e).splitlines()[0]}",
                               hint="re-export the model with the same PaddlePaddle version") from None
        self.input_names = list(self._predictor.get_input_names())
        self.output_names = list(self._predictor.get_output_names())

    def run(self, inputs):
        """Run the program.

        Args:
            inputs: list of numpy arrays in the program's input order, or a dict name -> array.

        Returns:
            list of numpy arrays, one per program output.
        """
        if not isinstance(inputs, dict):
            if len(inputs) != len(self.input_names):
                raise BackendError(f"The model expects {len(self.input_names)} inputs "
                                   f"({', '.join(self.input_names)}), got {len(inputs)}.")
            inputs = dict(zip(self.input_names, inputs))
        for name in self.input_names:
            handle = self._predictor.get_input_handle(name)
            array = inputs[name]
            handle.reshape(list(array.shape))
            handle.copy_from_cpu(array)
        try:
            self._predictor.run()
        except Exception as e:  # e.g. a shape the program cannot take
            raise BackendError(f"Paddle Inference failed: {str(e).strip().splitlines()[-1]}",
                               hint="check the input size against the model's input_shape") from None
        return [self._predictor.get_output_handle(n).copy_to_cpu() for n in self.output_names]
