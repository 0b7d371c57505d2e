"""Instance prediction: every input kind, threshold, RLE JSON, drawn pictures, create_model, create_pipeline and
`main.py --pipeline instance_segmentation`, on an exported (untrained, thresholds 0) Mask R-CNN."""
import json

import numpy as np
import pytest

from conftest import run_main
from inst_predict_fixtures import MODEL, data, model_dir  # noqa: F401 (data, model_dir are fixtures)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def predictor(model_dir):
    from paddlex_train import create_model

    return create_model(MODEL, model_dir=str(model_dir), device="cpu", threshold=0.0)


def _images(data):
    return sorted((data / "images").glob("*.jpg"))


def test_every_input_kind(predictor, data, tmp_path):
    import cv2

    from predict_fixtures import LoopbackServer

    paths = _images(data)
    assert len(list(predictor.predict(str(paths[0])))) == 1
    assert len(list(predictor.predict(str(data / "images")))) == len(paths)
    assert len(list(predictor.predict([str(p) for p in paths[:2]]))) == 2
    array = cv2.imread(str(paths[0]))
    from_array = next(predictor.predict(array))
    from_path = next(predictor.predict(str(paths[0])))
    assert from_array["input_path"] is None and from_array.basename == "ndarray_0"
    np.testing.assert_array_equal(from_array["masks"], from_path["masks"])
    server = LoopbackServer(data / "images")
    try:
        from_url = list(predictor.predict(f"{server.url}/{paths[0].name}"))
    finally:
        server.close()
    assert len(from_url) == 1 and from_url[0]["masks"].shape[1:] == array.shape[:2]


def test_result_fields_threshold_json_and_picture(predictor, data, tmp_path):
    from pycocotools import mask as mask_utils
    from PIL import Image

    path = _images(data)[0]
    res = next(predictor.predict(str(path)))
    assert res["boxes"], "thresholds are 0: the untrained model must output instances"
    h, w = res["input_img"].shape[:2]
    assert res["masks"].shape == (len(res["boxes"]), h, w)
    for box in res["boxes"]:
        assert set(box) == {"cls_id", "label", "score", "coordinate"}
        assert box["label"] in ("circle", "rectangle", "triangle")
        x1, y1, x2, y2 = box["coordinate"]
        assert 0 <= x1 <= x2 <= w and 0 <= y1 <= y2 <= h
    assert list(predictor.predict(str(path), threshold=1.0))[0]["boxes"] == []
    with pytest.raises(Exception, match="between 0 and 1"):
        list(predictor.predict(str(path), threshold=2))

    saved = json.loads(res.save_to_json(tmp_path).read_text())["res"]
    decoded = mask_utils.decode(saved["masks"][0])
    np.testing.assert_array_equal(decoded.astype(bool), res["masks"][0])
    picture = res.save_to_img(tmp_path)
    drawn = np.asarray(Image.open(picture).convert("RGB"))
    assert drawn.shape == (h, w, 3) and not np.array_equal(drawn, res["input_img"])
    assert "..." in res.str()


def test_create_pipeline(model_dir, data):
    from paddlex_train import create_pipeline

    pipe = create_pipeline("instance_segmentation", device="cpu", model_dir=str(model_dir), threshold=0.0)
    results = list(pipe.predict(str(data / "images")))
    assert len(results) == len(_images(data)) and all(r["boxes"] for r in results)


def test_pipeline_command_line(model_dir, data, tmp_path):
    proc = run_main("--pipeline", "instance_segmentation", "--input", data / "images", "--model_dir", model_dir,
                    "--device", "cpu", "--save_path", tmp_path, env={"OMP_NUM_THREADS": "1"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    for image in _images(data):
        assert (tmp_path / f"{image.stem}_res.json").is_file() and (tmp_path / f"{image.stem}_res.png").is_file()
