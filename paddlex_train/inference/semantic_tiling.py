"""Sliding-window / TTA prediction with an exported semantic model (the SegPredictor side of inference/tiling.py).

The exported program has the class ids as output 0 and, since issue 19, the float32 logits as the output that
inference.yml's `Deploy.logits_output` names. Windows are normalised one at a time, so a large image is never
held as float32.
"""
import inspect

import numpy as np

from ..errors import ConfigError
from .tiling import check_fixed_size, describe, infer_labels, parse_slide_window, parse_tta

REEXPORT_HINT = "re-export it with this version (-o Global.mode=export) to get the logits output"


def tiling_options(slide_window, tta, where=""):
    """(SlideWindow or None, TTA or None) from config/API values; ConfigError naming `where` if bad."""
    return parse_slide_window(slide_window, f"{where}slide_window"), parse_tta(tta, f"{where}tta")


def logits_index(model):
    """Index of the program's logits output; ConfigError (one line, naming the fix) for an ids-only export."""
    index = model.deploy.get("logits_output")
    if isinstance(index, int) and not isinstance(index, bool):
        return index
    if str(model.deploy.get("output_op", "")).lower() in ("none", "softmax"):
        return 0  # PaddleSeg's export with --output_op none/softmax: scores are the only output
    raise ConfigError(f"{model.model_dir} was exported with class ids only (no Deploy.logits_output in "
                      "inference.yml), so slide_window/tta cannot average its logits.", hint=REEXPORT_HINT)


def run_output(engine, batch, index):
    """Output `index` of the engine for `batch`, copying out only that output when the engine allows it."""
    if "outputs" in inspect.signature(engine.run).parameters:
        return engine.run([batch], outputs=[index])[0]
    return engine.run([batch])[index]


def predict_tiled(predictor, image, size, window, tta):
    """Class ids (h, w) int32 of an RGB uint8 image resized to `size` (w, h), by windows and/or TTA."""
    import cv2

    index = logits_index(predictor.model)
    fixed = predictor.fixed_hw
    check_fixed_size(fixed, window, tta)
    if (image.shape[1], image.shape[0]) != tuple(size):
        image = cv2.resize(image, tuple(size), interpolation=cv2.INTER_LINEAR)
    mean, std = predictor.mean, predictor.std

    def read_crop(y0, y1, x0, x1):
        crop = (image[y0:y1, x0:x1].astype(np.float32) / 255.0 - mean) / std
        return crop.transpose(2, 0, 1)

    def run_logits(batch):
        return run_output(predictor.engine, batch, index)

    return infer_labels(size[1], size[0], read_crop, run_logits, window, tta, pad_to=fixed)


def record(result, window, tta):
    """Add what was used to a result (its JSON then says so): slide_window and tta, as given or null."""
    result.update(describe(window, tta))
    return result
