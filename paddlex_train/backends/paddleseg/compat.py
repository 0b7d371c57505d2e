"""PaddleSeg 2.8.0 compatibility patches for paddle >= 2.5 (0-D tensor semantics). Applied once by `apply()`.

Every patch says what it fixes (see /work/shared/reference/stack.md) and keeps the original in ORIGINALS, so
tests/test_seg_train_compat.py can show that the original fails and the patched version works.
"""
import functools
import importlib

import paddle

from ...utils.labels import IGNORE_INDEX

ORIGINALS = {}
_applied = False


def _as_1d(losses):
    """Reshape 0-D losses to shape [1], the shape paddleseg 2.8 was written for (`l[0]` in core.train)."""
    return [l.reshape([1]) if len(l.shape) == 0 else l for l in losses]


def _patch_core_train_losses():
    """core.train: `avg_loss_list = [l[0] / log_iters ...]` raises IndexError on 0-D losses (paddle >= 2.5).

    Fix: make the loss lists that core.train receives 1-D (the generic `loss_computation` and the
    `loss_computation` methods of models that bring their own, e.g. MaskFormer).
    """
    core_train = importlib.import_module("paddleseg.core.train")  # paddleseg.core.train is also a function name
    from paddleseg.models import maskformer

    ORIGINALS["core.train.loss_computation"] = core_train.loss_computation
    core_train.loss_computation = functools.wraps(core_train.loss_computation)(
        lambda *a, **k: _as_1d(ORIGINALS["core.train.loss_computation"](*a, **k)))
    original_method = maskformer.MaskFormer.loss_computation
    ORIGINALS["MaskFormer.loss_computation"] = original_method
    maskformer.MaskFormer.loss_computation = functools.wraps(original_method)(
        lambda self, *a, **k: _as_1d(original_method(self, *a, **k)))


def calculate_area(pred, label, num_classes, ignore_index=IGNORE_INDEX):
    """paddleseg.utils.metrics.calculate_area with `paddle.stack` instead of `paddle.concat`.

    The per-class sums are 0-D since paddle 2.5 and `paddle.concat` rejects 0-D inputs
    ("axis is expected to be in range of [0, 0)"); stacking them gives the intended [num_classes] vector.
    """
    if len(pred.shape) == 4:
        pred = paddle.squeeze(pred, axis=1)
    if len(label.shape) == 4:
        label = paddle.squeeze(label, axis=1)
    if pred.shape != label.shape:
        raise ValueError(f"Shape of pred and label should be equal, but there are {pred.shape} and {label.shape}.")
    mask = label != ignore_index
    pred_area, label_area, intersect_area = [], [], []
    for i in range(num_classes):
        pred_i = paddle.logical_and(pred == i, mask)
        label_i = label == i
        pred_area.append(paddle.sum(paddle.cast(pred_i, "int64")))
        label_area.append(paddle.sum(paddle.cast(label_i, "int64")))
        intersect_area.append(paddle.sum(paddle.cast(paddle.logical_and(pred_i, label_i), "int64")))
    return paddle.stack(intersect_area), paddle.stack(pred_area), paddle.stack(label_area)


def _patch_calculate_area():
    from paddleseg.utils import metrics

    ORIGINALS["metrics.calculate_area"] = metrics.calculate_area
    metrics.calculate_area = calculate_area


class _PaddleWithBoolGather:
    """A stand-in for the `paddle` module inside maskformer_loss whose `gather` accepts bool tensors.

    MaskFormerLoss gathers bool instance masks; paddle has no CPU kernel for bool gather. Gathering the
    uint8 view and casting back gives the same result. Only that module sees this object, so paddle's own
    `paddle.gather` stays untouched for everybody else.
    """

    def __getattr__(self, name):
        return getattr(paddle, name)

    @staticmethod
    def gather(x, index, axis=None, name=None):
        if x.dtype == paddle.bool:
            return paddle.cast(paddle.gather(paddle.cast(x, "uint8"), index, axis=axis), "bool")
        return paddle.gather(x, index, axis=axis, name=name)


def _patch_maskformer_bool_gather():
    from paddleseg.models.losses import maskformer_loss

    ORIGINALS["maskformer_loss.paddle"] = maskformer_loss.paddle
    maskformer_loss.paddle = _PaddleWithBoolGather()


PATCHES = (_patch_core_train_losses, _patch_calculate_area, _patch_maskformer_bool_gather)


def apply():
    """Apply every patch once (idempotent)."""
    global _applied
    if _applied:
        return
    for patch in PATCHES:
        patch()
    _applied = True
