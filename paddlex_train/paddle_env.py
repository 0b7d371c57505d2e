"""The one place that imports paddle.

Paddle 2.6.2's libpaddle.so exports zlib symbols: importing scipy, pycocotools or ppdet after paddle can crash
unless Python's own zlib is loaded first (stack.md). The environment flags below must also be set before the first
import. Everything else in the toolkit calls `import_paddle()` instead of `import paddle`.
"""
import os

# Set before paddle is imported; setdefault keeps a user's explicit choice.
_ENV_DEFAULTS = {
    # paddle.jit.to_static's SOT fallback breaks ppdet export ("Can't call main_program when full_graph=False").
    "ENABLE_FALL_BACK": "False",
    # Paddle 3.x only: keep writing .pdmodel programs instead of PIR json (harmless on 2.6).
    "FLAGS_enable_pir_api": "0",
    # Glog's per-op INFO lines flood the training log.
    "GLOG_minloglevel": "2",
}

_paddle = None


def import_paddle():
    """Import and return the paddle module, with zlib pre-loaded and the environment flags set."""
    global _paddle
    if _paddle is None:
        import zlib  # noqa: F401  (must precede paddle; see module docstring)

        for key, value in _ENV_DEFAULTS.items():
            os.environ.setdefault(key, value)
        import paddle

        _paddle = paddle
    return _paddle


def compiled_with(device_type):
    """Whether the installed paddle build supports `device_type` ('gpu', 'xpu', ...)."""
    paddle = import_paddle()
    checks = {
        "gpu": lambda: paddle.device.is_compiled_with_cuda() and paddle.device.cuda.device_count() > 0,
        "xpu": paddle.device.is_compiled_with_xpu,
        "npu": lambda: "npu" in paddle.device.get_all_custom_device_type(),
        "mlu": lambda: "mlu" in paddle.device.get_all_custom_device_type(),
    }
    check = checks.get(device_type)
    return bool(check and check())
