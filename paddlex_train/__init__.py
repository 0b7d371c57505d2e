"""paddlex_train: PaddleX's segmentation module workflow (check_dataset, train, evaluate, export, predict).

`create_model` and `create_pipeline` are loaded on first use (PEP 562), so `import paddlex_train` stays light and
never imports paddle.
"""
import importlib

_LAZY = {"create_model": "paddlex_train.api", "create_pipeline": "paddlex_train.api"}

__all__ = sorted(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'paddlex_train' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_LAZY))
