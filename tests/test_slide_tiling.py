"""The sliding-window / TTA core (inference/tiling.py) against test-double models with known receptive fields."""
import numpy as np
import pytest

from paddlex_train.errors import ConfigError
from paddlex_train.inference.tiling import (TTA, SlideWindow, infer_labels, parse_slide_window, parse_tta,
                                            window_starts)

RNG = np.random.default_rng(0)
WEIGHTS = RNG.normal(size=(5, 3)).astype(np.float32)


def pointwise(batch):
    """A 1x1 'conv': receptive field of one pixel, like a random-weight model with a tiny receptive field."""
    return np.einsum("kc,nchw->nkhw", WEIGHTS, batch)


def box3(batch):
    """A 3x3 mean (zero padding) then a 1x1 map: receptive field radius 1."""
    padded = np.pad(batch, ((0, 0), (0, 0), (1, 1), (1, 1)))
    h, w = batch.shape[2:]
    mean = sum(padded[:, :, dy:dy + h, dx:dx + w] for dy in range(3) for dx in range(3)) / 9
    return pointwise(mean)


def run(image, model, window=None, tta=None, pad_to=None):
    h, w = image.shape[1:]
    return infer_labels(h, w, lambda y0, y1, x0, x1: image[:, y0:y1, x0:x1], model, window, tta, pad_to)


def whole(image, model):
    return model(image[None])[0].argmax(0).astype(np.int32)


IMAGE = RNG.normal(size=(3, 70, 90)).astype(np.float32)


def test_window_starts_cover_and_end_at_the_border():
    assert window_starts(10, 4, 3) == [0, 3, 6]
    assert window_starts(11, 4, 3) == [0, 2, 4, 7]  # steps <= stride, evenly spread: no near-complete overlap
    assert window_starts(4, 8, 2) == [0]
    for length, crop, stride in ((4000, 768, 640), (8000, 768, 640), (10000, 512, 384), (770, 768, 640)):
        starts = window_starts(length, crop, stride)
        steps = [b - a for a, b in zip(starts, starts[1:])]
        assert starts[0] == 0 and starts[-1] + crop == length and max(steps) <= stride
        assert len(starts) == -(-(length - crop) // stride) + 1


def test_a_window_covering_the_whole_image_is_exactly_the_whole_image_result():
    for model in (pointwise, box3):
        expected = whole(IMAGE, model)
        assert np.array_equal(run(IMAGE, model), expected)
        assert np.array_equal(run(IMAGE, model, SlideWindow(90, 70, 90, 70)), expected)
        assert np.array_equal(run(IMAGE, model, SlideWindow(128, 128, 64, 64)), expected)  # larger than the image


def test_sliding_windows_agree_with_the_whole_image_for_a_pointwise_model():
    for window in (SlideWindow(32, 24, 16, 12), SlideWindow(32, 32, 32, 32), SlideWindow(17, 13, 5, 7)):
        assert np.array_equal(run(IMAGE, pointwise, window), whole(IMAGE, pointwise))


def test_sliding_windows_agree_away_from_window_edges_for_a_3x3_model():
    # crop 40 stride 20: each interior pixel's windows; where every covering window has the pixel >= 1 px inside
    # (or at the image border) the 3x3 field sees the same pixels as in the whole image.
    window = SlideWindow(40, 40, 20, 20)
    got, expected = run(IMAGE, box3, window), whole(IMAGE, box3)
    safe = np.ones(IMAGE.shape[1:], bool)
    for axis, length in ((0, 70), (1, 90)):
        bad = np.zeros(length, bool)
        for start in window_starts(length, 40, 20):
            for edge in (start, start + 39):
                if 0 < edge < length - 1:
                    bad[edge] = True
        safe &= ~(bad[:, None] if axis == 0 else bad[None, :])
    assert safe.mean() > 0.8
    assert np.array_equal(got[safe], expected[safe])


def test_flip_tta_of_a_flip_symmetric_input_equals_no_tta():
    half = RNG.normal(size=(3, 40, 20)).astype(np.float32)
    sym = np.concatenate([half, half[:, :, ::-1]], axis=2)
    sym = np.concatenate([sym, sym[:, ::-1]], axis=1)
    tta = TTA(flip_horizontal=True, flip_vertical=True)
    for model in (pointwise, box3):
        assert np.array_equal(run(sym, model, tta=tta), run(sym, model))
        assert np.array_equal(run(sym, model, SlideWindow(40, 80, 40, 80), tta),
                              run(sym, model, SlideWindow(40, 80, 40, 80)))


def test_scale_one_tta_is_the_plain_result_and_scales_combine_with_windows():
    assert np.array_equal(run(IMAGE, pointwise, tta=TTA(scales=(1.0,))), whole(IMAGE, pointwise))
    got = run(IMAGE, box3, SlideWindow(32, 32, 24, 24), TTA(True, False, (0.75, 1.0, 1.25)))
    assert got.shape == (70, 90) and got.dtype == np.int32
    assert (got == whole(IMAGE, box3)).mean() > 0.7


def test_fixed_size_models_get_padded_windows():
    calls = []

    def fixed(batch):
        calls.append(batch.shape)
        return pointwise(batch)

    got = run(IMAGE, fixed, SlideWindow(32, 32, 32, 32), pad_to=(32, 32))
    assert set(calls) == {(1, 3, 32, 32)}
    assert np.array_equal(got, whole(IMAGE, pointwise))
    small = IMAGE[:, :20, :25]
    assert np.array_equal(run(small, fixed, pad_to=(32, 32)), whole(small, pointwise))


@pytest.mark.parametrize("value, message", [
    ({"crop_size": [512, 512], "stride": [600, 256]},
     "slide_window.stride=[600, 256] is larger than crop_size=[512, 512]: windows would leave gaps."),
    ({"crop_size": [0, 512], "stride": [256, 256]}, "slide_window.crop_size=[0, 512] must be positive."),
    ({"crop_size": [512], "stride": [256, 256]}, "slide_window.crop_size=[512] must be [width, height] with two ints."),
    ({"crop_size": [512, 512]}, "slide_window needs stride."),
    ({"crop": [512, 512], "stride": [1, 1]}, "slide_window has unknown key 'crop'."),
    (512, "slide_window=512 must be a mapping {crop_size: [w, h], stride: [w, h]} or null."),
])
def test_bad_slide_window_messages(value, message):
    with pytest.raises(ConfigError) as err:
        parse_slide_window(value)
    assert str(err.value.message if hasattr(err.value, "message") else err.value).startswith(message)


@pytest.mark.parametrize("value, message", [
    ({"scales": []}, "tta.scales=[] must be a non-empty list of positive numbers."),
    ({"scales": [1.0, -0.5]}, "tta.scales=[1.0, -0.5] must hold positive numbers only."),
    ({"flip_horizontal": "yes"}, "tta.flip_horizontal='yes' must be true or false."),
    ({"flip": True}, "tta has unknown key 'flip'."),
])
def test_bad_tta_messages(value, message):
    with pytest.raises(ConfigError) as err:
        parse_tta(value)
    assert str(err.value.message if hasattr(err.value, "message") else err.value).startswith(message)


def test_good_values_parse():
    assert parse_slide_window({"crop_size": [512, 256], "stride": [384, 128]}) == SlideWindow(512, 256, 384, 128)
    assert parse_tta({"flip_horizontal": True, "scales": [0.75, 1, 1.25]}) == TTA(True, False, (0.75, 1.0, 1.25))
    assert parse_slide_window(None) is None and parse_tta(None) is None
