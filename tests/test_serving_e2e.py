"""`python main.py --serve` as a user runs it: a real uvicorn server in a subprocess on loopback, spoken to over HTTP.

Semantic: a randomly initialised PP-LiteSeg-T exported by main.py (no training). Covers the PaddleX docs client,
field sets/types/sizes, answers equal to in-process create_model().predict, every bad input -> 4xx over HTTP,
URL inputs (refused by default, allowed with --allow-private-urls, stalled/oversize stopped), overload -> 503,
SIGTERM with a request in flight, start-up failures, --workers 2, and the smoke command `make demo` runs.
"""
import base64
import http.server
import json
import subprocess
import sys
import threading
import time

import cv2
import numpy as np
import pytest
import requests

from conftest import REPO, one_error_line, run_main
from predict_fixtures import serve_handler
from test_serving_units import BAD_INPUTS

sys.path.insert(0, str(REPO / "bench"))
from serving_models import export_random_seg  # noqa: E402
from serving_server import ServerProcess  # noqa: E402

pytestmark = pytest.mark.slow
SEM = "/semantic-segmentation"


@pytest.fixture(scope="module")
def seg_model(module_tmp):
    return export_random_seg(module_tmp("lite"), "PP-LiteSeg-T", num_classes=3)


@pytest.fixture(scope="module")
def image_file(module_tmp):
    rng = np.random.default_rng(0)
    path = module_tmp("images") / "demo.jpg"
    cv2.imwrite(str(path), rng.integers(0, 256, (96, 128, 3), dtype=np.uint8))
    return path


class _Images(http.server.BaseHTTPRequestHandler):
    """Serves the demo image at /demo.jpg, after 1.5 s at /slow.jpg; /stall never answers; /huge is 1 GB."""

    image = b""

    def do_GET(self):  # noqa: N802
        try:
            if self.path == "/stall":
                time.sleep(6)
                return
            if self.path == "/slow.jpg":
                time.sleep(1.5)
            if self.path == "/huge":
                self.send_response(200)
                self.send_header("Content-Length", str(1 << 30))
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(self.image)))
            self.end_headers()
            self.wfile.write(self.image)
        except OSError:
            pass

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def image_server(image_file):
    with serve_handler(type("Handler", (_Images,), {"image": image_file.read_bytes()})) as port:
        yield f"http://127.0.0.1:{port}"


def _pipeline_yaml(path, model_dir, **serving):
    lines = ["pipeline_name: semantic_segmentation", "SubModules:", "  SemanticSegmentation:",
             "    module_name: semantic_segmentation", "    model_name: PP-LiteSeg-T", f"    model_dir: {model_dir}",
             "    batch_size: 1", "Serving:"] + [f"  {k}: {json.dumps(v)}" for k, v in serving.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _b64(path):
    return base64.b64encode(path.read_bytes()).decode("ascii")


def test_semantic_server(seg_server, seg_model, image_file, image_server, tmp_path):
    server = seg_server
    ready = requests.get(server.url + "/ready", timeout=10).json()["result"]
    assert ready["modelName"] == "PP-LiteSeg-T" and ready["device"] == "cpu" and ready["endpoint"] == SEM
    assert ready["numClasses"] == 3 and ready["pipeline"] == "semantic_segmentation"
    # The PaddleX pipeline docs' client, as written (with our port).
    API_URL = server.url + SEM  # noqa: N806
    image_path, output_image_path = str(image_file), str(tmp_path / "out.jpg")
    with open(image_path, "rb") as file:
        image_bytes = file.read()
        image_data = base64.b64encode(image_bytes).decode("ascii")
    payload = {"image": image_data}
    response = requests.post(API_URL, json=payload)
    assert response.status_code == 200
    result = response.json()["result"]
    with open(output_image_path, "wb") as file:
        file.write(base64.b64decode(result["image"]))
    assert cv2.imread(output_image_path).shape == (96, 128, 3)

    body = server.post(SEM, {"image": _b64(image_file), "visualize": False}).json()
    assert set(body) == {"logId", "result", "errorCode", "errorMsg"} and body["errorCode"] == 0
    assert set(body["result"]) == {"labelMap", "size"} and body["result"]["size"] == [96, 128]
    assert all(isinstance(v, int) for v in body["result"]["labelMap"][:50])
    from paddlex_train import create_model

    model = create_model("PP-LiteSeg-T", model_dir=str(seg_model), device="cpu")
    expected = next(model.predict(cv2.imread(str(image_file))))["pred"][0]
    assert body["result"]["labelMap"] == expected.reshape(-1).tolist()
    resized = server.post(SEM, {"image": _b64(image_file), "targetSize": 64, "visualize": False}).json()
    assert resized["result"]["size"] == [96, 128] and len(resized["result"]["labelMap"]) == 96 * 128

    refused = server.post(SEM, {"image": f"{image_server}/demo.jpg"})
    assert refused.status_code == 422 and "--allow-private-urls" in refused.json()["errorMsg"]
    assert requests.get(server.url + "/docs", timeout=10).status_code == 200


@pytest.mark.parametrize("case", range(len(BAD_INPUTS)))
def test_bad_inputs_over_http(seg_server, case):
    kind, body, field = BAD_INPUTS[case]
    if isinstance(body, bytes):
        r = requests.post(seg_server.url + SEM, data=body, headers={"Content-Type": "application/json"})
    else:
        r = seg_server.post(SEM, body)
    assert r.status_code == 422, r.text
    errors = json.loads(r.json()["errorMsg"])
    assert any(e["loc"].startswith(field) and e["type"] == kind for e in errors), errors


@pytest.fixture(scope="module")
def seg_server(seg_model, module_tmp):
    """The semantic server of this module: a pipeline YAML with a Serving: section (small pixel and body caps)."""
    folder = module_tmp("seg_server")
    config = _pipeline_yaml(folder / "pipeline.yaml", seg_model, max_image_pixels=100_000, max_body_bytes=2_000_000)
    server = ServerProcess("--pipeline", config, "--device", "cpu", log_path=folder / "server.log")
    yield server
    assert server.stop() == 0, server.log()


def test_body_cap_and_health_after_bad_inputs(seg_server):
    r = requests.post(seg_server.url + SEM, data=b"x" * 3_000_000, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["errorCode"] == 413
    assert requests.get(seg_server.url + "/health", timeout=5).json()["errorMsg"] == "Healthy"
    assert "Traceback" not in seg_server.log()


def test_urls_overload_and_sigterm_in_flight(seg_model, image_file, image_server, tmp_path):
    config = _pipeline_yaml(tmp_path / "pipeline.yaml", seg_model, max_queue=0, url_timeout=3, visualize=False)
    server = ServerProcess("--pipeline", config, "--device", "cpu", "--allow-private-urls",
                           log_path=tmp_path / "server.log")
    try:
        by_url = server.post(SEM, {"image": f"{image_server}/demo.jpg"}).json()
        by_b64 = server.post(SEM, {"image": _b64(image_file)}).json()
        assert by_url["result"] == by_b64["result"] and set(by_url["result"]) == {"labelMap", "size"}
        start = time.monotonic()
        stalled = server.post(SEM, {"image": f"{image_server}/stall"})
        assert stalled.status_code == 422 and json.loads(stalled.json()["errorMsg"])[0]["type"] == "url_timeout"
        assert time.monotonic() - start < 6
        huge = server.post(SEM, {"image": f"{image_server}/huge"})
        assert huge.status_code == 422 and "Serving.max_image_bytes" in huge.json()["errorMsg"]

        # Overload: max_queue 0 = one request inside; a burst of 12 gets 503 + Retry-After for the rest.
        codes, barrier = [], threading.Barrier(12)

        def burst():
            barrier.wait()
            r = server.post(SEM, {"image": _b64(image_file)})
            codes.append((r.status_code, r.headers.get("Retry-After")))

        threads = [threading.Thread(target=burst) for _ in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert {c for c, _ in codes} <= {200, 503} and (200, None) in codes, codes
        assert any(c == 503 and int(ra) >= 1 for c, ra in codes), codes

        # SIGTERM while a request is in flight (its image download takes 1.5 s): it still gets its answer.
        answers = []
        slow = threading.Thread(target=lambda: answers.append(server.post(SEM, {"image": f"{image_server}/slow.jpg"})))
        slow.start()
        time.sleep(0.6)
        server.terminate()
        slow.join(30)
        assert answers and answers[0].status_code == 200, server.log()
        assert answers[0].json()["result"] == by_b64["result"]
        assert server.proc.wait(30) == 0
    finally:
        server.stop()
    log = server.log()
    assert "Finished server process" in log and "Traceback" not in log, log


def test_start_up_failures_are_one_line(seg_model, tmp_path):
    missing = run_main("--serve", "--pipeline", "semantic_segmentation", "--model_dir", tmp_path / "nope",
                       "--device", "cpu", "--port", "1", timeout=120)
    assert "nope" in one_error_line(missing) and "does not exist" in one_error_line(missing)
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ("inference.yml", "inference.pdiparams"):
        (broken / name).write_bytes((seg_model / name).read_bytes())
    # (A garbage inference.pdmodel is not tested: Paddle's C++ loader may print a C++ traceback or even crash.)
    proc = run_main("--serve", "--pipeline", "semantic_segmentation", "--model_dir", broken, "--device", "cpu")
    assert "inference.pdmodel" in one_error_line(proc)  # missing program file
    (broken / "inference.yml").write_text("Deploy: [unclosed\n")
    proc = run_main("--serve", "--pipeline", "semantic_segmentation", "--model_dir", broken, "--device", "cpu")
    assert "inference.yml" in one_error_line(proc)
    bad_yaml = _pipeline_yaml(tmp_path / "p.yaml", seg_model, max_qeue=3)
    assert "Did you mean max_queue" in one_error_line(run_main("--serve", "--pipeline", bad_yaml), 2)
    assert "--workers" in one_error_line(run_main("--serve", "--pipeline", bad_yaml, "--workers", "0"), 2)


def test_two_workers_share_the_port(seg_model, image_file, tmp_path):
    server = ServerProcess("--pipeline", "semantic_segmentation", "--model_dir", seg_model, "--device", "cpu",
                           "--workers", "2", log_path=tmp_path / "server.log")
    try:
        deadline = time.monotonic() + 240
        while "2 workers" not in server.log() and time.monotonic() < deadline:  # the second may still be loading
            time.sleep(0.5)
        pids = set()
        for _ in range(60):  # new connections: the kernel spreads them over both workers' sockets
            pids.add(requests.get(server.url + "/ready", timeout=10).json()["result"]["worker"])
            if len(pids) == 2:
                break
        assert len(pids) == 2, server.log()
        assert server.post(SEM, {"image": _b64(image_file), "visualize": False}).status_code == 200
    finally:
        assert server.stop() == 0, server.log()


def test_smoke_command_for_make_demo(seg_model):
    proc = subprocess.run([sys.executable, "-m", "paddlex_train.serving.smoke", "--pipeline", "semantic_segmentation",
                           "--model_dir", str(seg_model)], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Serving smoke: POST /semantic-segmentation -> labelMap 256x256" in proc.stdout
    assert "Server stopped (exit code 0)" in proc.stdout
