"""The ppdet compat patch Mask-RT-DETR's recipe needs: ModelEMA(ema_filter_no_grad=True) crashes on ppdet 2.6.0
without it (the black list is a set, the filter appends to it)."""
import pytest


def _model_with_frozen_param():
    import paddle

    import paddlex_train.backends.paddledet  # noqa: F401 (patches applied)

    model = paddle.nn.Sequential(paddle.nn.Linear(2, 2), paddle.nn.Linear(2, 2))
    model[0].weight.stop_gradient = True
    return model


def test_ema_filter_no_grad_needs_the_patch():
    from ppdet.optimizer.ema import ModelEMA

    from paddlex_train.backends.paddledet import compat

    model = _model_with_frozen_param()
    compat.revert("ema_filter_no_grad")
    try:
        with pytest.raises(AttributeError, match="append"):
            ModelEMA(model, ema_filter_no_grad=True)
    finally:
        compat.apply_one("ema_filter_no_grad")
    ema = ModelEMA(model, decay=0.9999, ema_decay_type="exponential", ema_filter_no_grad=True)
    assert "0.weight" in ema.ema_black_list and "1.weight" not in ema.ema_black_list
