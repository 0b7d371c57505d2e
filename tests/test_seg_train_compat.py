"""Each PaddleSeg compat patch: the original fails on this stack, the patched version works."""
import importlib

import numpy as np
import pytest

from paddlex_train.backends.paddleseg import compat  # applies the patches

paddle = compat.paddle


def test_core_train_losses_are_1d_so_indexing_works():
    core_train = importlib.import_module("paddleseg.core.train")
    from paddleseg.models.losses import CrossEntropyLoss

    logits = [paddle.rand([1, 3, 4, 4])]
    labels = paddle.zeros([1, 4, 4], dtype="int64")
    losses = {"types": [CrossEntropyLoss()], "coef": [1]}
    raw = compat.ORIGINALS["core.train.loss_computation"](logits, labels, None, losses)
    with pytest.raises(IndexError):  # what core.train does with the original: l.numpy()[0]
        _ = [l.numpy()[0] for l in raw]
    patched = core_train.loss_computation(logits, labels, None, losses)
    assert [l.numpy()[0] for l in patched] == pytest.approx([float(raw[0])])


def test_calculate_area_stacks_0d_sums():
    from paddleseg.utils import metrics

    pred = paddle.to_tensor(np.array([[[0, 1], [1, 1]]]), dtype="int64")
    label = paddle.to_tensor(np.array([[[0, 1], [0, 255]]]), dtype="int64")
    with pytest.raises(Exception):
        compat.ORIGINALS["metrics.calculate_area"](pred, label, 2)
    inter, pred_area, label_area = metrics.calculate_area(pred, label, 2)
    assert inter.numpy().tolist() == [1, 1] and pred_area.numpy().tolist() == [1, 2]
    assert label_area.numpy().tolist() == [2, 1]


def test_maskformer_loss_gathers_bool_masks():
    from paddleseg.models.losses import maskformer_loss

    masks = paddle.to_tensor(np.array([[True, False], [False, True], [True, True]]))
    index = paddle.to_tensor([0, 2], dtype="int64")
    with pytest.raises(Exception):
        compat.ORIGINALS["maskformer_loss.paddle"].gather(masks, index, axis=0)
    out = maskformer_loss.paddle.gather(masks, index, axis=0)
    assert out.dtype == paddle.bool and out.numpy().tolist() == [[True, False], [True, True]]
    assert maskformer_loss.paddle.zeros is paddle.zeros  # everything else is paddle itself
