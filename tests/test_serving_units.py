"""Serving units on FastAPI's TestClient with fake predictors (no Paddle): wire fields and types, the envelope,
every client mistake -> 4xx naming the field, overload -> 503 + Retry-After, deadlines, the instance-mask fixes."""
import base64
import io
import json
import struct
import threading
import time
import zlib

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from paddlex_train.errors import ConfigError
from paddlex_train.inference.instance_result import InstResult
from paddlex_train.inference.results import SegResult
from paddlex_train.serving import wire
from paddlex_train.serving.app import Service, create_app
from paddlex_train.serving.schemas import InstanceResponse, SemanticResponse
from paddlex_train.serving.settings import ServingSettings, load_settings, settings_from_mapping

ENVELOPE_OK = {"logId", "result", "errorCode", "errorMsg"}
ENVELOPE_ERR = {"logId", "errorCode", "errorMsg"}


def png_b64(w=40, h=30, seed=0):
    arr = np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode("ascii")


class FakeSeg:
    """Predicts class = (x + y) % 3 at the input size; counts calls; can block on an event."""

    def __init__(self, gate=None, fail=False):
        self.calls, self.gate, self.fail, self.options = 0, gate, fail, []

    def predict(self, image, **options):
        self.calls += 1
        self.options.append(options)
        if self.gate is not None:
            self.gate.wait(10)
        if self.fail:
            raise RuntimeError("boom")
        h, w = image.shape[:2]
        pred = (np.add.outer(np.arange(h), np.arange(w)) % 3).astype(np.int32)[None]
        yield SegResult(input_path=None, page_index=None, pred=pred, label_names=None, input_img=image[..., ::-1])


def client(predictor=None, task="semantic_segmentation", **limits):
    service = Service(predictor or FakeSeg(), task, ServingSettings(**limits), {"classes": ["a", "b", "c"]})
    return TestClient(create_app(service))


def post(c, body, path="/semantic-segmentation", **kw):
    return c.post(path, json=body, **kw) if not isinstance(body, (bytes, str)) else c.post(path, content=body, **kw)


def test_semantic_fields_types_and_visualize():
    c = client()
    r = post(c, {"image": png_b64(), "visualize": False})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == ENVELOPE_OK and body["errorCode"] == 0 and body["errorMsg"] == "Success"
    assert set(body["result"]) == {"labelMap", "size"}  # image omitted, not null
    assert body["result"]["size"] == [30, 40] and len(body["result"]["labelMap"]) == 1200
    expected = np.add.outer(np.arange(30), np.arange(40)) % 3
    assert body["result"]["labelMap"] == expected.reshape(-1).tolist()
    SemanticResponse.model_validate_json(r.text, strict=True)
    r = post(c, {"image": png_b64()})  # visualize defaults to Serving.visualize = true, as PaddleX
    assert set(r.json()["result"]) == {"labelMap", "size", "image"}
    picture = Image.open(io.BytesIO(base64.b64decode(r.json()["result"]["image"])))
    assert picture.format == "JPEG" and picture.size == (40, 30)
    assert set(post(client(visualize=False), {"image": png_b64()}).json()["result"]) == {"labelMap", "size"}


def test_target_size_is_passed_as_paddlex_means_it():
    fake = FakeSeg()
    c = client(fake)
    for size, expected in ((None, {}), (-1, {"target_size": -1}), (64, {"target_size": 64}),
                           ([64, 32], {"target_size": [64, 32]})):
        assert post(c, {"image": png_b64(), "targetSize": size, "visualize": False}).status_code == 200
        assert fake.options[-1] == expected


def test_label_map_writer_matches_json():
    rng = np.random.default_rng(0)
    for high in (1, 3, 10, 19, 150, 256, 1000):
        labels = rng.integers(0, high, (7, 9))
        assert json.loads(wire.label_map_json(labels)) == labels.reshape(-1).tolist()
    assert json.loads(wire.label_map_json(np.array([[70000, 0]]))) == [70000, 0]
    assert json.loads(wire.label_map_json(np.zeros((2, 2), np.int32))) == [0, 0, 0, 0]


def _png_header_only(width, height):
    """A PNG whose header claims width x height but holds no pixel data (a decompression-bomb stand-in)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return base64.b64encode(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")).decode()


BAD_INPUTS = [
    ("json_invalid", b'{"image": ', "body"),
    ("missing", {"targetSize": 5}, "body.image"),
    ("string_type", {"image": 12}, "body.image"),
    ("bool_parsing", {"image": png_b64(), "visualize": "maybe"}, "body.visualize"),
    ("base64_invalid", {"image": "not base64 !!"}, "body.image"),
    ("value_error", {"image": ""}, "body.image"),
    ("image_invalid", {"image": base64.b64encode(b"hello, not an image").decode()}, "body.image"),
    ("too_large", {"image": _png_header_only(100000, 100000)}, "body.image"),
    ("too_large", {"image": png_b64(400, 300)}, "body.image"),  # 120000 px > the 100000 limit below
    ("value_error", {"image": png_b64(), "targetSize": 0}, "body.targetSize"),
    ("value_error", {"image": png_b64(), "targetSize": [-1, 64]}, "body.targetSize"),
    ("too_large", {"image": png_b64(), "targetSize": [100000, 100000]}, "body.targetSize"),
    ("tuple_type", {"image": png_b64(), "targetSize": "big"}, "body.targetSize"),
    ("too_long", {"image": png_b64(), "targetSize": [1, 2, 3]}, "body.targetSize"),
    ("url_scheme", {"image": "file:///etc/passwd"}, "body.image"),
    ("url_forbidden", {"image": "http://127.0.0.1:9/x.png"}, "body.image"),
    ("url_forbidden", {"image": "http://169.254.169.254/latest/meta-data"}, "body.image"),
]


@pytest.mark.parametrize("kind,body,field", BAD_INPUTS, ids=[f"{k}-{f}-{i}" for i, (k, _, f) in
                                                              enumerate(BAD_INPUTS)])
def test_client_mistakes_are_422_naming_the_field(kind, body, field):
    fake = FakeSeg()
    c = client(fake, max_image_pixels=100_000)
    headers = {"Content-Type": "application/json"}
    r = post(c, body, headers=headers)
    assert r.status_code == 422, r.text
    data = r.json()
    assert set(data) == ENVELOPE_ERR and data["errorCode"] == 422
    errors = json.loads(data["errorMsg"])
    assert any(e["loc"].startswith(field) for e in errors), errors
    assert any(e["type"] == kind for e in errors), errors
    assert fake.calls == 0


def test_instance_threshold_out_of_range():
    c = client(FakeInst(), task="instance_segmentation")
    for bad in (1.5, -0.1):
        r = post(c, {"image": png_b64(), "threshold": bad}, path="/instance-segmentation")
        assert r.status_code == 422 and json.loads(r.json()["errorMsg"])[0]["loc"] == "body.threshold", r.text
    assert post(c, {"image": png_b64(), "threshold": 1.0}, path="/instance-segmentation").status_code == 200


def test_byte_and_body_limits():
    c = client(max_image_bytes=1000, max_body_bytes=50_000)
    r = post(c, {"image": png_b64(40, 30)})
    assert r.status_code == 422 and "Serving.max_image_bytes" in r.json()["errorMsg"]
    r = post(c, {"image": "A" * 60_000})
    assert r.status_code == 413 and "Serving.max_body_bytes" in r.json()["errorMsg"]
    assert set(r.json()) == ENVELOPE_ERR and r.json()["errorCode"] == 413


def test_unknown_path_method_and_log_id_echo():
    c = client()
    r = c.get("/nope")
    assert r.status_code == 404 and r.json()["errorCode"] == 404 and r.json()["errorMsg"] == "Not Found"
    assert c.get("/semantic-segmentation").status_code == 405
    assert c.post("/instance-segmentation", json={"image": png_b64()}).status_code == 404  # only its own pipeline
    r = post(c, {"image": "@@@", "logId": "client-42"})
    assert r.status_code == 422 and r.json()["logId"] == "client-42"


def test_server_fault_is_500_logged_with_log_id(caplog):
    r = post(client(FakeSeg(fail=True)), {"image": png_b64()})
    assert r.status_code == 500 and r.json()["errorMsg"] == "Internal server error"
    assert any(r.json()["logId"] in rec.getMessage() for rec in caplog.records)


def test_health_ready_and_openapi():
    c = client()
    assert c.get("/health").json()["errorMsg"] == "Healthy"
    ready = c.get("/ready").json()["result"]
    assert ready["classes"] == ["a", "b", "c"] and ready["capacity"] == 17 and ready["limits"]["max_queue"] == 16
    paths = c.get("/openapi.json").json()["paths"]
    assert "/semantic-segmentation" in paths and "/health" in paths
    assert c.get("/docs").status_code == 200


def _in_flight(c, body, out):
    out.append(post(c, body))


def test_overload_answers_503_with_retry_after_and_recovers():
    release = threading.Event()
    fake = FakeSeg(gate=release)
    with client(fake, max_queue=0) as c:
        results = []
        first = threading.Thread(target=_in_flight, args=(c, {"image": png_b64(), "visualize": False}, results))
        first.start()
        while fake.calls == 0:
            time.sleep(0.01)
        r = post(c, {"image": png_b64()})
        assert r.status_code == 503 and int(r.headers["Retry-After"]) >= 1, r.text
        assert set(r.json()) == ENVELOPE_ERR and "Serving.max_queue" in r.json()["errorMsg"]
        release.set()
        first.join(10)
        assert results[0].status_code == 200
        assert post(c, {"image": png_b64()}).status_code == 200


def test_request_deadline_gives_503():
    release = threading.Event()
    with client(FakeSeg(gate=release), request_timeout=0.3) as c:
        start = time.monotonic()
        r = post(c, {"image": png_b64()})
        release.set()
    assert r.status_code == 503 and "Serving.request_timeout" in r.json()["errorMsg"]
    assert time.monotonic() - start < 5


class FakeInst:
    """Three boxes on a 20x30 image; the middle one is degenerate (PaddleX pairs masks wrongly after it), the
    last has no coordinate (SOLOv2-style)."""

    def predict(self, image, **options):
        h, w = image.shape[:2]
        masks = np.zeros((3, h, w), bool)
        masks[0, 2:10, 3:12] = True
        masks[1, 5:6, 5:6] = True
        masks[2, 12:18, 20:29] = True
        boxes = [{"cls_id": 0, "label": "a", "score": 0.9, "coordinate": [2.6, 1.5, 12.4, 10.2]},
                 {"cls_id": 1, "label": "b", "score": 0.8, "coordinate": [5.0, 5.0, 5.0, 9.0]},
                 {"class_id": 2, "score": 0.7}]
        yield InstResult(input_path=None, page_index=None, boxes=boxes, masks=masks, input_img=image[..., ::-1])


def test_instance_wire_masks_stay_paired_and_paste_back():
    from pycocotools import mask as mask_utils

    c = client(FakeInst(), task="instance_segmentation")
    r = post(c, {"image": png_b64(30, 20), "visualize": False}, path="/instance-segmentation")
    assert r.status_code == 200, r.text
    InstanceResponse.model_validate_json(r.text, strict=True)
    result = r.json()["result"]
    assert set(result) == {"instances"}
    found = result["instances"]
    assert [i["categoryId"] for i in found] == [0, 2]  # degenerate box dropped with its own mask
    assert [i["categoryName"] for i in found] == ["a", "c"]  # missing label: the model's class names
    assert found[1]["bbox"] == [20.0, 12.0, 29.0, 18.0]  # box derived from the mask
    full = next(FakeInst().predict(np.zeros((20, 30, 3), np.uint8)))["masks"]
    for inst, mask in zip(found, (full[0], full[2])):
        assert set(inst) == {"bbox", "categoryId", "categoryName", "score", "mask"}
        x1, y1, x2, y2 = (round(v) for v in inst["bbox"])
        crop = mask_utils.decode({"size": inst["mask"]["size"], "counts": inst["mask"]["rleResult"]})
        assert list(crop.shape) == inst["mask"]["size"] == [y2 - y1, x2 - x1]
        pasted = np.zeros_like(mask)
        pasted[y1:y2, x1:x2] = crop
        np.testing.assert_array_equal(pasted[y1:y2, x1:x2], mask[y1:y2, x1:x2])
    r = post(c, {"image": png_b64(30, 20)}, path="/instance-segmentation")
    assert set(r.json()["result"]) == {"instances", "image"}


def test_settings_from_yaml(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("pipeline_name: semantic_segmentation\nServing:\n  visualize: false\n  max_queue: 3\n"
                    "  extra: {file_storage: null}\n")
    settings = load_settings(str(path), allow_private_urls=True)
    assert settings.visualize is False and settings.max_queue == 3 and settings.allow_private_urls is True
    with pytest.raises(ConfigError, match="Serving.max_qeue.*Did you mean max_queue"):
        settings_from_mapping({"max_qeue": 3})
    with pytest.raises(ConfigError, match="Serving.max_queue='3' must be an integer"):
        settings_from_mapping({"max_queue": "3"})
    with pytest.raises(ConfigError, match="out of range"):
        settings_from_mapping({"request_timeout": 0})


def test_each_worker_takes_its_own_device():
    from paddlex_train.serving.server import worker_devices

    assert worker_devices("gpu:0,1", 4) == ["gpu:0", "gpu:1", "gpu:0", "gpu:1"]
    assert worker_devices("gpu:1", 2) == ["gpu:1", "gpu:1"]
    assert worker_devices("cpu", 2) == ["cpu", "cpu"] and worker_devices(None, 1) == [None]


def test_serve_command_line():
    from conftest import one_error_line, run_main

    assert "--serve" in run_main("--help").stdout
    helped = run_main("--serve", "--help")
    assert helped.returncode == 0 and "--allow-private-urls" in helped.stdout and "--workers" in helped.stdout
    assert "--pipeline" in one_error_line(run_main("--serve"), 2)
    assert "--port=70000" in one_error_line(run_main("--serve", "--pipeline", "semantic_segmentation",
                                                     "--port", "70000"), 2)
    assert "Unknown pipeline" in one_error_line(run_main("--serve", "--pipeline", "panoptic"), 2)


def _asgi_call(app, chunks, delay=0.0, headers=()):
    """Run one POST through an ASGI app with the body in `chunks`; returns (status, body bytes, bytes read)."""
    import asyncio

    sent, read = [], [0]

    async def receive():
        await asyncio.sleep(delay)
        if not chunks:
            return {"type": "http.disconnect"}
        chunk = chunks.pop(0)
        read[0] += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/semantic-segmentation", "headers": list(headers),
             "query_string": b"", "http_version": "1.1", "scheme": "http", "root_path": "",
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 2)}
    asyncio.run(app(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"), read[0]


def test_body_limit_chunked_slow_and_drained():
    from paddlex_train.serving.body_limit import BodyLimit

    async def app(scope, receive, send):
        raise AssertionError("the app must not be reached")

    limit = BodyLimit(app, max_bytes=1000, timeout=0.5)
    status, body, read = _asgi_call(limit, [b"x" * 600] * 4)  # chunked (no Content-Length), over the cap
    assert status == 413 and json.loads(body)["errorCode"] == 413
    assert read == 2400  # the rest was drained, so the client reads the 413 instead of a connection reset
    status, body, _ = _asgi_call(limit, [b"x"] * 10, delay=0.1)  # 1 byte per 0.1 s: too slow
    assert status == 408 and "Serving.request_timeout" in json.loads(body)["errorMsg"]
    status, _, read = _asgi_call(limit, [b"x" * 500] * 4, headers=[(b"content-length", b"2000")])
    assert status == 413 and read == 2000
