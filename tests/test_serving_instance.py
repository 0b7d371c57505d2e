"""`main.py --serve --pipeline instance_segmentation` over HTTP, on an exported untrained Mask R-CNN (score
thresholds 0, tests/inst_predict_fixtures.py): PaddleX fields and types, and every `rleResult` decoded
and pasted at the rounded box corner equals the in-process full-image mask inside the box."""
import base64
import sys

import cv2
import numpy as np
import pytest

from conftest import REPO
from inst_predict_fixtures import MODEL, data, model_dir  # noqa: F401 (data, model_dir are fixtures)

sys.path.insert(0, str(REPO / "bench"))
from serving_server import ServerProcess  # noqa: E402

pytestmark = pytest.mark.slow
INST = "/instance-segmentation"


def test_instance_server_masks_paste_back(model_dir, data, tmp_path):
    from pycocotools import mask as mask_utils

    from paddlex_train import create_model

    image_path = sorted((data / "images").glob("*.jpg"))[0]
    server = ServerProcess("--pipeline", "instance_segmentation", "--model_dir", model_dir, "--device", "cpu",
                           log_path=tmp_path / "server.log")
    try:
        b64 = base64.b64encode(image_path.read_bytes()).decode("ascii")
        r = server.post(INST, {"image": b64, "threshold": 0.0, "visualize": False})
        assert r.status_code == 200, r.text
        body = r.json()
        assert set(body) == {"logId", "result", "errorCode", "errorMsg"} and set(body["result"]) == {"instances"}
        found = body["result"]["instances"]
        assert found, "thresholds are 0: the untrained model must output instances"
        model = create_model(MODEL, model_dir=str(model_dir), device="cpu", threshold=0.0)
        expected = next(model.predict(cv2.imread(str(image_path))))
        kept = [(b, m) for b, m in zip(expected["boxes"], expected["masks"])
                if b["coordinate"][2] > b["coordinate"][0] and b["coordinate"][3] > b["coordinate"][1]]
        assert len(found) == len(kept)
        for inst, (box, full) in zip(found, kept):
            assert set(inst) == {"bbox", "categoryId", "categoryName", "score", "mask"}
            assert isinstance(inst["categoryId"], int) and isinstance(inst["categoryName"], str)
            assert inst["bbox"] == pytest.approx(box["coordinate"]) and inst["categoryId"] == box["cls_id"]
            assert set(inst["mask"]) == {"rleResult", "size"} and isinstance(inst["mask"]["rleResult"], str)
            x1, y1, x2, y2 = (round(v) for v in inst["bbox"])
            crop = mask_utils.decode({"size": inst["mask"]["size"], "counts": inst["mask"]["rleResult"]})
            assert list(crop.shape) == [y2 - y1, x2 - x1]
            pasted = np.zeros(full.shape, np.uint8)
            pasted[y1:y2, x1:x2] = crop
            np.testing.assert_array_equal(pasted[y1:y2, x1:x2], full[y1:y2, x1:x2])
        none = server.post(INST, {"image": b64, "threshold": 1.0}).json()["result"]
        assert none["instances"] == [] and isinstance(none["image"], str)  # visualize defaults to on
        bad = server.post(INST, {"image": b64, "threshold": 2})
        assert bad.status_code == 422 and "body.threshold" in bad.json()["errorMsg"]
    finally:
        assert server.stop() == 0, server.log()
