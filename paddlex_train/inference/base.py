"""The predictor layer: read an exported directory, pick the task's predictor from a table, batch the inputs.

`create_predictor(model_dir)` reads `inference.yml`, decides the task (from `Global.model_name` through the model
catalog, else from the file's layout) and builds the predictor class named for that task in PREDICTORS.
"""
import importlib

from ..catalog import catalog
from ..device import parse_device, resolve_device
from ..errors import ConfigError, UnsupportedError
from ..log import get_logger
from .model_config import read_inference_dir
from .readers import expand_inputs, read_image

_PKG = __package__

# task (config folder name) -> 'module:Class' of its predictor; imported only when used.
PREDICTORS = {
    "semantic_segmentation": f"{_PKG}.semantic:SegPredictor",
    "instance_segmentation": f"{_PKG}.instance:InstPredictor",
}

# inference.yml layouts when Global.model_name is missing or unknown: top-level key -> task.
_LAYOUT_HINTS = (("Deploy", "semantic_segmentation"), ("Preprocess", "instance_segmentation"))


def task_of(model):
    """The task of an InferenceModel: from its model name if catalogued, else from the YAML layout."""
    entry = catalog().get(model.model_name) if model.model_name else None
    if entry is not None:
        return entry.module
    for key, task in _LAYOUT_HINTS:
        if key in model.raw:
            return task
    raise UnsupportedError(f"{model.model_dir / 'inference.yml'} has neither a known Global.model_name nor a "
                           "Deploy/Preprocess section, so its task is unknown.",
                           hint="re-export the model with Global.mode=export")


def pick_device(device):
    """Parse a device string (None = gpu:0 when Paddle has CUDA, else cpu), falling back to CPU with a warning."""
    from ..paddle_env import compiled_with

    if device is None:
        return parse_device("gpu:0" if compiled_with("gpu") else "cpu")
    return resolve_device(parse_device(device), compiled_with, get_logger().warning)


def create_predictor(model_dir, model_name=None, device=None, what="model_dir", use_hpip=False, **kwargs):
    """Build the predictor for an exported model directory.

    Args:
        model_dir: directory holding inference.yml, inference.pdmodel and inference.pdiparams.
        model_name: the expected model name (a mismatch with inference.yml is logged, not fatal).
        device: device string such as 'cpu' or 'gpu:0' (None = best available).
        what: how model_dir was given, for messages.
        use_hpip: run on onnxruntime when the directory holds inference.onnx (inference.engines).
        **kwargs: predictor options (batch_size, target_size, ...).
    """
    from .engines import choose_engine

    model = read_inference_dir(model_dir, what=what)
    model.engine = choose_engine(use_hpip, model=model)  # read by BasePredictor through engines.build_engine
    if model_name and model.model_name and model_name != model.model_name:
        get_logger().warning(f"{what} holds a {model.model_name} model, not {model_name}; using it as exported.")
    task = task_of(model)
    module_name, _, class_name = PREDICTORS[task].partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    cls.check_options(task, {k: v for k, v in kwargs.items() if k != "batch_size"})
    return cls(model, device=pick_device(device), **kwargs)


class BasePredictor:
    """Common predictor flow: expand inputs, read them in batches, call `process()`, yield results.

    Subclasses implement `process(images, sources, **options)` returning one result per image, and name their
    task's prediction options in `task_options` (the same as the task's TaskSpec.predict_options; a test keeps
    them equal, since inference/ does not import tasks/).

    Args:
        model: an InferenceModel (see model_config.read_inference_dir).
        device: a parsed Device.
        batch_size: default images per inference call.
    """

    task_options = ()

    def __init__(self, model, device, batch_size=1):
        from .engines import build_engine

        self.model = model
        self.device = device
        self.batch_size = int(batch_size)
        self.engine = build_engine(model, device)  # Paddle Inference or onnxruntime (inference.engines)

    @classmethod
    def check_options(cls, task, options):
        """Raise ConfigError for an option (name -> value, None = unset) this task's predictor does not take."""
        for key, value in options.items():
            if value is not None and key not in cls.task_options:
                raise ConfigError(f"{key} does not apply to {task} models.",
                                  hint=f"{task} takes: {', '.join(cls.task_options) or 'no task option'}")

    @property
    def model_name(self):
        """The exported model's name (None if inference.yml does not say)."""
        return self.model.model_name

    def predict(self, input, batch_size=None, what="input", **options):  # noqa: A002 (PaddleX's argument name)
        """Yield one result per input image.

        Args:
            input: path, directory, http(s) URL, numpy array (BGR uint8) or a list of these.
            batch_size: images per inference call (None = the predictor's default).
            what: how the input was given, for messages.
            **options: per-call options of the task (e.g. target_size).
        """
        self.check_options(task_of(self.model), options)
        sources = expand_inputs(input, what=what)
        size = int(batch_size or self.batch_size)
        if size < 1:
            raise UnsupportedError(f"batch_size={size} must be >= 1.")
        for start in range(0, len(sources), size):
            batch = sources[start:start + size]
            images = [read_image(s) for s in batch]
            for source, result in zip(batch, self.process(images, batch, **options)):
                if source.input_path is None:
                    result.stem = source.stem
                yield result

    def __call__(self, input, **kwargs):  # noqa: A002
        return self.predict(input, **kwargs)

    def process(self, images, sources, **options):
        """Run the model on RGB `images` (with their Sources) and return one result per image."""
        raise NotImplementedError
