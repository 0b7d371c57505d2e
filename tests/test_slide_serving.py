"""Serving's slideWindow / tta request fields (issue 19 extension), on FastAPI's TestClient with a fake predictor."""
import json

from test_serving_units import FakeSeg, client, png_b64, post


def test_slide_window_and_tta_reach_the_predictor():
    fake = FakeSeg()
    c = client(fake)
    body = {"image": png_b64(), "visualize": False, "slideWindow": {"cropSize": [32, 16], "stride": [16, 8]},
            "tta": {"flipHorizontal": True, "scales": [0.75, 1.0]}}
    r = post(c, body)
    assert r.status_code == 200, r.text
    assert fake.options[-1] == {"slide_window": {"crop_size": [32, 16], "stride": [16, 8]},
                                "tta": {"flip_horizontal": True, "flip_vertical": False, "scales": [0.75, 1.0]}}
    post(c, {"image": png_b64(), "visualize": False})
    assert fake.options[-1] == {}  # absent fields: nothing passed, as before


def test_bad_fields_are_422_with_the_config_message():
    c = client()
    r = post(c, {"image": png_b64(), "slideWindow": {"cropSize": [32, 32], "stride": [64, 8]}})
    assert r.status_code == 422
    (error,) = json.loads(r.json()["errorMsg"])
    assert error["loc"] == "body.slideWindow" and error["msg"].startswith(
        "slideWindow.stride=[64, 8] is larger than crop_size=[32, 32]: windows would leave gaps.")
    r = post(c, {"image": png_b64(), "tta": {"scales": []}})
    (error,) = json.loads(r.json()["errorMsg"])
    assert r.status_code == 422 and error["msg"].startswith("tta.scales=[] must be a non-empty list")
