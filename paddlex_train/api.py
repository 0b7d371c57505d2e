"""The Python API, mirroring PaddleX 3.x: `create_model(...)` and `create_pipeline(...)`.

    from paddlex_train import create_model
    model = create_model("PP-LiteSeg-T", model_dir="output/best_model/inference", device="cpu")
    for res in model.predict("demo.png", batch_size=1, target_size=-1):
        res.print(); res.save_to_img("./out/"); res.save_to_json("./out/")

Inputs: a path, a directory, an http(s) URL, a numpy array (uint8, **BGR** as cv2.imread returns it, like PaddleX),
or a list of these. Nothing here imports paddle until a model is built. This module and `pipelines` do not import
each other: both build models through `inference.load_model`.
"""


def create_model(model_name, model_dir=None, device=None, target_size=None, batch_size=1, where="model_dir",
                 **options):
    """Load an exported model for prediction.

    Args:
        model_name: a model name from configs/modules (e.g. "PP-LiteSeg-T"), or an exported directory.
        model_dir: the exported inference directory (inference.yml + inference.pdmodel + inference.pdiparams);
            None = the model's official export, where the toolkit can fetch it.
        device: "cpu", "gpu", "gpu:0", ... (None = GPU when Paddle has CUDA, else CPU).
        target_size: semantic only: default inference size: -1 (original), int (fit in a square), [w, h], or
            None (the exported model's own setting). A target_size passed to predict() wins over this one.
        batch_size: default images per inference call.
        where: how model_dir was given, for error messages.
        **options: further task options (instance: threshold; semantic: slide_window={crop_size: [w, h],
            stride: [w, h]} and tta={flip_horizontal, flip_vertical, scales: [..]}, see inference/tiling.py).

    Returns:
        a predictor whose `.predict(input, batch_size=None, **options)` is a generator of results.
    """
    from .inference import load_model

    if target_size is not None:
        options["target_size"] = target_size
    return load_model(model_name, model_dir=model_dir, device=device, where=where, batch_size=batch_size,
                      **options)


def create_pipeline(pipeline=None, config=None, device=None, use_hpip=False, **kwargs):
    """Build a pipeline, with PaddleX's signature.

    Args:
        pipeline: built-in name ("semantic_segmentation", "instance_segmentation") or a pipeline YAML path
            (see `python main.py --get_pipeline_config <name>`); None = config["pipeline_name"].
        config: dict in the pipeline YAML layout; its keys take precedence over the YAML's (as in PaddleX).
        device: device string (None = best available).
        use_hpip: run on onnxruntime when the model directory holds inference.onnx (python main.py --paddle2onnx,
            or Export.format=both); otherwise Paddle Inference, with a warning.
        **kwargs: sub-module keys replacing the YAML's: model_name, model_dir, batch_size and the task's options
            (semantic: target_size; instance: threshold). Any other name is refused, with a did-you-mean.

    Returns:
        a Pipeline whose `.predict(input, **options)` yields the same results as create_model().
    """
    from .pipelines import create_pipeline as _create

    return _create(pipeline, config=config, device=device, use_hpip=use_hpip, **kwargs)
