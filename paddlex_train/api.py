"""The Python API, mirroring PaddleX 3.x: `create_model(...)` and `create_pipeline(...)`.

    from paddlex_train import create_model
    model = create_model("PP-LiteSeg-T", model_dir="output/best_model/inference", device="cpu")
    for res in model.predict("demo.png", batch_size=1, target_size=-1):
        res.print(); res.save_to_img("./out/"); res.save_to_json("./out/")

Inputs: a path, a directory, an http(s) URL, a numpy array (uint8, **BGR** as cv2.imread returns it, like PaddleX),
or a list of these. Nothing here imports paddle until a model is built.
"""
from pathlib import Path

from .errors import ConfigError

_GET_MODEL_HINT = ("train one (python main.py -c {cfg} -o Global.mode=train ...), export it "
                   "(-o Global.mode=export), and set model_dir to the exported inference directory "
                   "(e.g. output/best_model/inference)")


def create_model(model_name, model_dir=None, device=None, target_size=None, batch_size=1, where="model_dir",
                 **options):
    """Load an exported model for prediction.

    Args:
        model_name: a model name from configs/modules (e.g. "PP-LiteSeg-T"), or an exported directory.
        model_dir: the exported inference directory (inference.yml + inference.pdmodel + inference.pdiparams).
        device: "cpu", "gpu", "gpu:0", ... (None = GPU when Paddle has CUDA, else CPU).
        target_size: default inference size for this model: -1 (original), int (fit in a square), [w, h], or
            None (the exported model's own setting). A target_size passed to predict() wins over this one.
        batch_size: default images per inference call.
        where: how model_dir was given, for error messages.
        **options: further task options.

    Returns:
        a predictor whose `.predict(input, batch_size=None, target_size=None)` is a generator of results.
    """
    from .catalog import catalog
    from .inference.base import create_predictor
    from .registry import did_you_mean

    if model_dir is None and model_name is not None and Path(str(model_name)).is_dir():
        model_dir, model_name = model_name, None
    if model_name is not None and model_name not in catalog():
        raise ConfigError(f"Unknown model {model_name!r}.{did_you_mean(model_name, catalog())}",
                          hint="use a model name from configs/modules, or pass an exported directory")
    if model_dir is None:
        entry = catalog().get(model_name)
        cfg = entry.config_path.relative_to(entry.config_path.parents[3]) if entry else "<module config>"
        raise ConfigError(f"No model_dir given for {model_name or 'the model'} ({where}), and pretrained weights "
                          "cannot be downloaded offline.", hint=_GET_MODEL_HINT.format(cfg=cfg))
    if target_size is not None:
        options["target_size"] = target_size
    return create_predictor(model_dir, model_name=model_name, device=device, what=where,
                            batch_size=batch_size, **options)


def create_pipeline(pipeline, device=None, **overrides):
    """Build a pipeline from a built-in name ("semantic_segmentation") or a pipeline YAML path.

    Args:
        pipeline: pipeline name or YAML path (see `python main.py --get_pipeline_config <name>`).
        device: device string (None = best available).
        **overrides: sub-module keys replacing the YAML's (model_dir, batch_size, target_size).

    Returns:
        a Pipeline whose `.predict(input, target_size=None)` yields the same results as create_model().
    """
    from .pipelines import create_pipeline as _create

    return _create(pipeline, device=device, **overrides)
