"""Locally made weight files in the layouts PaddleX publishes (random weights, never downloaded), for the tests of
pretrained defaults and official models: whole models with the official class count, and backbone-only files
(backbone keys without the `backbone.` prefix, as PaddleX's `*_backbone_imagenet_pretrained.pdparams`)."""
import tempfile
from pathlib import Path


def seg_state(model_name, num_classes, seed=0):
    """State dict of a randomly initialised semantic model (our PaddleSeg build, PaddleSeg's key names)."""
    from paddlex_train.backends.paddleseg.modeling import build
    from paddlex_train.paddle_env import import_paddle

    paddle = import_paddle()
    paddle.seed(seed)
    with tempfile.TemporaryDirectory() as tmp:
        builder, _, _ = build(model_name, tmp, num_classes)
        return {k: v.numpy() for k, v in builder.model.state_dict().items()}


def inst_state(model_name, num_classes, seed=0):
    """State dict of a randomly initialised instance model (ppdet's key names)."""
    from ppdet.core.workspace import create

    from paddlex_train.backends.paddledet.config import DetSettings, build_config
    from paddlex_train.paddle_env import import_paddle

    paddle = import_paddle()
    paddle.seed(seed)
    with tempfile.TemporaryDirectory() as tmp:
        cfg = build_config(model_name, Path(tmp), DetSettings(num_classes=num_classes))
        return {k: v.numpy() for k, v in create(cfg.architecture).state_dict().items()}


def backbone_only(state, prefix="backbone."):
    """The backbone part of a whole-model state, keys without the prefix."""
    return {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}


def save(state, path):
    """paddle.save a {name: numpy} state to `path`; returns the path."""
    from paddlex_train.paddle_env import import_paddle

    paddle = import_paddle()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    paddle.save({k: paddle.to_tensor(v) for k, v in state.items()}, str(path))
    return path
