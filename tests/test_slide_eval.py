"""The dynamic-graph side of issue 19 (backends/paddleseg/slide_eval.py) on tiny random-weight models."""
import os

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")


def _models():
    import paddle

    class Net(paddle.nn.Layer):
        """PaddleSeg's calling convention: a list of logits."""

        def __init__(self, kernel):
            super().__init__()
            self.conv = paddle.nn.Conv2D(3, 5, kernel, padding=kernel // 2)

        def forward(self, x):
            return [self.conv(x)]

    paddle.seed(0)
    return Net(1), Net(3)


def _samples(n=2, h=36, w=52):
    rng = np.random.default_rng(0)
    return [{"img": rng.normal(size=(3, h, w)).astype(np.float32), "label": rng.integers(0, 5, (h, w)),
             "trans_info": []} for _ in range(n)]


def _whole(model, sample):
    import paddle

    with paddle.no_grad():
        return model(paddle.to_tensor(sample["img"][None]))[0].numpy()[0].argmax(0)


def test_windows_match_the_whole_image_where_the_receptive_field_allows():
    import paddle

    from paddlex_train.backends.paddleseg.slide_eval import predict_sample_tiled
    from paddlex_train.inference.tiling import SlideWindow

    pointwise, conv3 = _models()
    sample = _samples(1)[0]
    with paddle.no_grad():
        for model in (pointwise, conv3):
            whole = _whole(model, sample)
            assert np.array_equal(predict_sample_tiled(model, sample, SlideWindow(52, 36, 52, 36), None), whole)
        got = predict_sample_tiled(pointwise, sample, SlideWindow(20, 16, 12, 10), None)
        assert np.array_equal(got, _whole(pointwise, sample))


def test_tiled_confusion_matrix_equals_the_plain_one_for_a_covering_window():
    from paddlex_train.backends.paddleseg.metrics import update_confusion
    from paddlex_train.backends.paddleseg.slide_eval import tiled_confusion_matrix
    from paddlex_train.inference.tiling import TTA, SlideWindow

    _, conv3 = _models()
    samples = _samples()
    plain = np.zeros((5, 5), np.int64)
    for s in samples:
        update_confusion(plain, _whole(conv3, s), s["label"])
    got = tiled_confusion_matrix(conv3, samples, 5, SlideWindow(64, 64, 64, 64), None)
    assert np.array_equal(got, plain)
    tta = tiled_confusion_matrix(conv3, samples, 5, SlideWindow(24, 24, 16, 16), TTA(True, True, (0.75, 1.0)))
    assert tta.sum() == plain.sum()
