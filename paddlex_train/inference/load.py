"""load_model: the one way a model name and/or an exported directory becomes a predictor.

Used by api.create_model, the pipelines and Global.mode=predict, so a model is found, checked and refused the
same way everywhere. Nothing here imports paddle until a predictor is built.
"""
from pathlib import Path

from ..catalog import available_models, catalog
from ..errors import ConfigError
from ..registry import did_you_mean
from .base import create_predictor

_GET_MODEL_HINT = ("train one (python main.py -c {cfg} -o Global.mode=train ...), export it "
                   "(-o Global.mode=export), and set model_dir to the exported inference directory "
                   "(e.g. output/best_model/inference)")


def load_model(model_name=None, model_dir=None, device=None, where="model_dir", batch_size=1, use_hpip=False,
               **options):
    """Build the predictor of a catalogued model or an exported directory.

    Args:
        model_name: a model name from configs/modules (e.g. "PP-LiteSeg-T"), an exported directory, or None.
        model_dir: the exported inference directory; None = the model's official export (when the toolkit can
            fetch it; otherwise a ConfigError says how to get one).
        device: "cpu", "gpu", "gpu:0", ... (None = GPU when Paddle has CUDA, else CPU).
        where: how model_dir was given, for messages.
        batch_size: default images per inference call.
        use_hpip: run on onnxruntime when model_dir holds inference.onnx (inference.engines).
        **options: the task's predictor options (target_size, threshold).
    """
    if model_dir is None and model_name is not None and Path(str(model_name)).is_dir():
        model_dir, model_name = model_name, None
    if model_name is not None and model_name not in catalog():
        raise ConfigError(f"Unknown model {model_name!r}.{did_you_mean(model_name, catalog())}",
                          hint="use a model name from configs/modules, or pass an exported directory")
    if model_dir is None:
        model_dir = _official_model_dir(model_name, device, where)
    return create_predictor(model_dir, model_name=model_name, device=device, what=where,
                            batch_size=batch_size, use_hpip=use_hpip, **options)


def _official_model_dir(model_name, device, where):
    """The official export of `model_name` (paddlex_train.official), or the ConfigError saying what to do."""
    entry = catalog().get(model_name)
    if entry is not None and not entry.available:  # an official export needs the backend's implementation
        raise ConfigError(f"No model_dir given for {model_name} ({where}), and {model_name} is not available yet "
                          "in this toolkit, so it has no official export.",
                          hint=f"pass an exported inference directory as model_dir; models available: "
                               f"{', '.join(available_models(entry.module))}")
    if entry is not None:
        try:
            from ..official import resolve_official_model_dir
        except ModuleNotFoundError as e:
            if e.name != f"{__package__.rpartition('.')[0]}.official":
                raise
        else:
            from ..log import get_logger

            return resolve_official_model_dir(model_name, device=device, log=get_logger().info)
    cfg = entry.config_path.relative_to(entry.config_path.parents[3]) if entry else "<module config>"
    raise ConfigError(f"No model_dir given for {model_name or 'the model'} ({where}), and pretrained weights "
                      "cannot be downloaded offline.", hint=_GET_MODEL_HINT.format(cfg=cfg))
