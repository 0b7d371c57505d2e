"""Bounded load test of `main.py --serve` on loopback: 1000 mixed requests at concurrency 8.

    python bench/serving_load.py [--requests 1000] [--concurrency 8] [--out serving_load.json]

Mix (round-robin): valid requests (4 images of 64-128 px as base64, with/without targetSize and visualize) and
every kind of client mistake (bad JSON, missing/wrong-typed fields, bad base64, bytes that are no image, too many
pixels, too many bytes, oversize body, bad targetSize, refused URL, bad URL scheme, unknown path, wrong method).
Checks: zero 5xx (no client mistake may cause one, and the queue bound is not reached at concurrency 8), every
mistake gets its expected 4xx, every valid answer equals in-process `create_model(...).predict`, /health is fine at
the end, and the server's resident memory after the run is within 10 % of the memory after the first 100 requests.
Exit code 0 when every check passes.
"""
import argparse
import base64
import io
import json
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from serving_models import export_random_seg  # noqa: E402
from serving_server import ServerProcess  # noqa: E402

SEM = "/semantic-segmentation"


def _png(w, h, seed):
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def build_cases(model_dir):
    """[(name, method, path, body bytes, expected status, expected labelMap or None)]."""
    import cv2

    from paddlex_train import create_model

    model = create_model("PP-LiteSeg-T", model_dir=str(model_dir), device="cpu")
    cases = []
    for seed, (w, h) in enumerate(((64, 64), (128, 96), (96, 128), (80, 64))):
        data = _png(w, h, seed)
        bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        b64 = base64.b64encode(data).decode()
        for target, visualize in ((None, False), (64, True)):
            expected = next(model.predict(bgr, **({"target_size": target} if target else {})))["pred"][0]
            body = {"image": b64, "visualize": visualize, **({"targetSize": target} if target else {})}
            cases.append((f"valid_{w}x{h}_t{target}", "POST", SEM, json.dumps(body).encode(), 200,
                          expected.reshape(-1).tolist()))
    good = base64.b64encode(_png(64, 64, 9)).decode()
    big = base64.b64encode(_png(400, 300, 1)).decode()  # over the 100000-pixel limit set below
    bad = [("json_invalid", b'{"image": ', 422), ("missing_image", {"visualize": True}, 422),
           ("image_not_string", {"image": 5}, 422), ("visualize_wrong_type", {"image": good, "visualize": "x"}, 422),
           ("bad_base64", {"image": "%%%not base64%%%"}, 422), ("empty_image", {"image": ""}, 422),
           ("not_an_image", {"image": base64.b64encode(b"plain text, no picture").decode()}, 422),
           ("too_many_pixels", {"image": big}, 422), ("too_many_bytes", {"image": "QUFB" * 40_000}, 422),
           ("body_over_cap", {"image": "A" * 700_000}, 413), ("target_zero", {"image": good, "targetSize": 0}, 422),
           ("target_triple", {"image": good, "targetSize": [1, 2, 3]}, 422),
           ("target_text", {"image": good, "targetSize": "big"}, 422),
           ("url_loopback", {"image": "http://127.0.0.1:9/a.png"}, 422), ("url_ftp", {"image": "ftp://x/a.png"}, 422),
           ("body_is_list", [1, 2], 422)]
    for name, body, status in bad:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        cases.append((name, "POST", SEM, raw, status, None))
    cases.append(("unknown_path", "POST", "/nope", b"{}", 404, None))
    cases.append(("wrong_method", "GET", SEM, b"", 405, None))
    return cases


def rss_kb(pid):
    """Resident memory of a process (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--out")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = export_random_seg(Path(tmp) / "model", "PP-LiteSeg-T", num_classes=4)
        cases = build_cases(model_dir)
        config = Path(tmp) / "pipeline.yaml"
        config.write_text(f"pipeline_name: semantic_segmentation\nSubModules:\n  SemanticSegmentation:\n"
                          f"    module_name: semantic_segmentation\n    model_name: PP-LiteSeg-T\n"
                          f"    model_dir: {model_dir}\n    batch_size: 1\nServing:\n  max_image_pixels: 100000\n"
                          f"  max_image_bytes: 100000\n  max_body_bytes: 600000\n")
        server = ServerProcess("--pipeline", config, "--device", "cpu", log_path=Path(tmp) / "server.log")
        statuses, wrong, lock, order = Counter(), [], threading.Lock(), iter(range(args.requests))
        rss, latencies = {}, []

        def worker():
            session = requests.Session()
            while True:
                with lock:
                    index = next(order, None)
                if index is None:
                    return
                name, method, path, body, status, expected = cases[index % len(cases)]
                start = time.perf_counter()
                try:
                    r = session.request(method, server.url + path, data=body or None,
                                        headers={"Content-Type": "application/json"}, timeout=120)
                except requests.RequestException as error:
                    with lock:
                        statuses["connection_error"] += 1
                        wrong.append((name, "connection error", str(error)[:200]))
                    session = requests.Session()
                    continue
                took = time.perf_counter() - start
                ok = r.status_code == status and (expected is None or r.json()["result"]["labelMap"] == expected)
                if expected is None and r.status_code >= 400:
                    ok = ok and set(r.json()) == {"logId", "errorCode", "errorMsg"}
                with lock:
                    statuses[r.status_code] += 1
                    latencies.append(took)
                    if not ok:
                        wrong.append((name, r.status_code, r.text[:200]))
                    if sum(statuses.values()) == 100:
                        rss["after_100"] = rss_kb(server.proc.pid)

        try:
            start = time.perf_counter()
            threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - start
            rss["end"] = rss_kb(server.proc.pid)
            healthy = requests.get(server.url + "/health", timeout=10).json()["errorMsg"] == "Healthy"
        finally:
            code = server.stop()
    growth = rss["end"] / rss["after_100"] - 1
    report = {"requests": args.requests, "concurrency": args.concurrency, "seconds": round(elapsed, 1),
              "req_per_s": round(args.requests / elapsed, 1), "statuses": {str(k): v for k, v in statuses.items()},
              "wrong_answers": len(wrong), "five_xx": sum(v for k, v in statuses.items() if isinstance(k, int) and k >= 500),
              "healthy_at_end": healthy, "rss_mb_after_100": round(rss["after_100"] / 1024, 1),
              "rss_mb_end": round(rss["end"] / 1024, 1), "rss_growth_pct": round(100 * growth, 2),
              "p50_ms": round(float(np.percentile(latencies, 50)) * 1000, 1),
              "p99_ms": round(float(np.percentile(latencies, 99)) * 1000, 1), "server_exit_code": code}
    print(json.dumps(report, indent=2))
    for item in wrong[:10]:
        print("WRONG:", item)
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2))
    passed = not wrong and report["five_xx"] == 0 and healthy and growth <= 0.10 and code == 0
    print("PASS" if passed else "FAIL")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
