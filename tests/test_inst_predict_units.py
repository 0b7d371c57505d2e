"""Instance predictor pieces that need no model: ppdet-style preprocessing, output parsing, result JSON/picture."""
import json

import numpy as np
import pytest

from paddlex_train.inference.instance import parse_outputs, preprocess
from paddlex_train.inference.instance_result import InstResult, mask_to_rle

OPS = [{"type": "Resize", "target_size": [64, 64], "keep_ratio": True, "interp": 2},
       {"type": "NormalizeImage", "is_scale": True, "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]},
       {"type": "Permute"}, {"type": "PadStride", "stride": 32}]


def test_preprocess_keeps_ratio_pads_and_reports_scale():
    image = np.full((50, 100, 3), 255, np.uint8)
    x = preprocess(image, OPS)
    # keep_ratio: the long side 100 -> 64 (scale 0.64), short side 50 -> 32; padded to multiples of 32
    assert x["image"].shape == (1, 3, 32, 64)
    np.testing.assert_allclose(x["im_shape"], [[32, 64]])
    np.testing.assert_allclose(x["scale_factor"], [[0.64, 0.64]])
    np.testing.assert_allclose(x["image"][0, 0, 0, 0], (1 - 0.485) / 0.229, rtol=1e-5)


def test_unknown_preprocess_op_is_a_config_error():
    from paddlex_train.errors import ConfigError

    with pytest.raises(ConfigError, match="not supported"):
        preprocess(np.zeros((8, 8, 3), np.uint8), [{"type": "Mosaic"}])


def test_parse_rcnn_and_solov2_outputs():
    masks = np.zeros((2, 10, 12), np.int32)
    masks[0, 2:5, 3:7] = 1
    boxes, m = parse_outputs([np.array([[1, 0.9, 3, 2, 7, 5], [0, 0.2, 0, 0, 1, 1]], np.float32),
                              np.array([2], np.int32), masks], (10, 12))
    assert boxes.shape == (2, 6) and m.dtype == bool and m.shape == (2, 10, 12)
    boxes, m = parse_outputs([np.array([1], np.int32), np.array([2], np.int32), np.array([0.7], np.float32),
                              masks[:1].astype(np.uint8)], (10, 12))
    np.testing.assert_allclose(boxes, [[2, 0.7, 3, 2, 7, 5]])


def test_result_json_is_rle_and_picture_is_drawn(tmp_path):
    from pycocotools import mask as mask_utils

    image = np.zeros((20, 30, 3), np.uint8)
    mask = np.zeros((1, 20, 30), bool)
    mask[0, 5:10, 4:12] = True
    res = InstResult(input_path="a.png", page_index=None, input_img=image, masks=mask,
                     boxes=[{"cls_id": 0, "label": "circle", "score": 0.9, "coordinate": [4.0, 5.0, 12.0, 10.0]}])
    body = json.loads(res.save_to_json(tmp_path).read_text())["res"]
    assert body["boxes"][0]["label"] == "circle" and "input_img" not in body
    np.testing.assert_array_equal(mask_utils.decode(body["masks"][0]).astype(bool), mask[0])
    assert mask_to_rle(mask[0])["size"] == [20, 30]
    from PIL import Image

    drawn = np.asarray(Image.open(res.save_to_img(tmp_path)).convert("RGB"))
    assert drawn.shape == (20, 30, 3) and drawn[7, 8].any()
    assert '"masks": "..."' in res.str()


def test_empty_result_draws_the_plain_image(tmp_path):
    image = np.full((8, 8, 3), 7, np.uint8)
    res = InstResult(input_path=None, page_index=None, input_img=image, masks=np.zeros((0, 8, 8), bool), boxes=[])
    res.stem = "ndarray_0"
    assert json.loads(res.save_to_json(tmp_path).read_text())["res"]["masks"] == []
    from PIL import Image

    np.testing.assert_array_equal(np.asarray(Image.open(res.save_to_img(tmp_path)).convert("RGB")), image)
