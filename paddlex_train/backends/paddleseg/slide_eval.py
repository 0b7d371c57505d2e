"""Evaluate a dynamic-graph PaddleSeg model with sliding windows and/or TTA (issue 19).

The windows and augmentations come from inference/tiling.py, the same core the exported-model predictor uses, so
evaluate and predict average logits the same way. Like paddleseg.core.infer (slide_inference / aug_inference),
the model sees each normalised window and the class map is brought back to the label's size through the
sample's trans_info; unlike it, TTA runs per window, and only a band of logits is held at a time.
"""
import numpy as np
import paddle

from ...inference.tiling import infer_labels
from ...utils.labels import IGNORE_INDEX
from .modeling import confusion_matrix

_infer = __import__("paddleseg.core.infer", fromlist=["reverse_transform"])


def _run_logits(model):
    def run(batch):
        return model(paddle.to_tensor(batch))[0].numpy()

    return run


def predict_sample_tiled(model, sample, window, tta):
    """Class ids (numpy, the label's size) of one dataset sample by sliding-window/TTA inference."""
    img = np.asarray(sample["img"], np.float32)
    h, w = img.shape[1:]
    pred = infer_labels(h, w, lambda y0, y1, x0, x1: img[:, y0:y1, x0:x1], _run_logits(model), window, tta)
    if sample.get("trans_info"):
        restored = _infer.reverse_transform(paddle.to_tensor(pred[None, None].astype("float32")),
                                            sample["trans_info"], mode="nearest")
        pred = restored.numpy()[0, 0].astype(np.int32)
    return pred


def tiled_confusion_matrix(model, dataset, num_classes, window, tta, ignore_index=IGNORE_INDEX, log=None,
                           log_interval=0):
    """The confusion matrix (numpy int64) of `model` on `dataset` with windows/TTA (see module docstring)."""
    return confusion_matrix(model, dataset, num_classes, ignore_index, log, log_interval,
                            predict=lambda net, sample: predict_sample_tiled(net, sample, window, tta))
