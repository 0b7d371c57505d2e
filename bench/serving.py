"""Serving speed against in-process prediction, side by side in one run (PP-LiteSeg-T, random weights, 512x512).

    python bench/serving.py [--rounds 3] [--requests 16] [--out bench_serving.json]

Per round, interleaved: in-process `create_model(...).predict` (one model; concurrent callers serialised by a
lock, as a thread-safe wrapper must), the server with --workers 1 and with --workers 2, each at concurrency 1, 4
and 8. Reported per setting: requests/s, p50 and p99 latency as min / median / max over the rounds, and the ratio
of medians against in-process. Clients use one keep-alive requests.Session per thread and send visualize=false
(predict renders no picture either); latency is from sending to having the whole body, JSON parsing excluded
(measured separately once). Loopback only. On a shared machine the absolute numbers move with the load.
"""
import argparse
import base64
import io
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from serving_models import export_random_seg  # noqa: E402
from serving_server import ServerProcess  # noqa: E402

CONCURRENCY = (1, 4, 8)


def jpeg_512():
    from PIL import Image

    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:512, 0:512]
    picture = np.stack([xx // 2, yy // 2, (xx + yy) // 4], -1) + rng.integers(0, 40, (512, 512, 3))
    buffer = io.BytesIO()
    Image.fromarray(picture.clip(0, 255).astype(np.uint8)).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def run_load(call, concurrency, total):
    """`total` calls spread over `concurrency` threads; returns (requests/s, latencies in s)."""
    latencies, lock, counter = [], threading.Lock(), iter(range(total))

    def worker():
        session = call.session() if hasattr(call, "session") else None
        while True:
            with lock:
                if next(counter, None) is None:
                    return
            start = time.perf_counter()
            call(session)
            took = time.perf_counter() - start
            with lock:
                latencies.append(took)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return total / (time.perf_counter() - start), latencies


class InProcess:
    """create_model(...).predict on a decoded BGR array (what the server does after decoding), serialised."""

    def __init__(self, model_dir, image_bytes):
        import cv2

        from paddlex_train import create_model

        self.model = create_model("PP-LiteSeg-T", model_dir=str(model_dir), device="cpu")
        self.image = cv2.imdecode(np.frombuffer(image_bytes, np.uint8), cv2.IMREAD_COLOR)
        self.lock = threading.Lock()
        self.expected = next(self.model.predict(self.image))["pred"][0]

    def __call__(self, _session):
        with self.lock:
            next(self.model.predict(self.image))


class Client:
    """One POST /semantic-segmentation per call."""

    def __init__(self, url, payload):
        self.url, self.payload = url + "/semantic-segmentation", payload

    @staticmethod
    def session():
        import requests

        return requests.Session()

    def __call__(self, session):
        response = session.post(self.url, data=self.payload, headers={"Content-Type": "application/json"})
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code}: {response.text[:200]}")
        return response.content


def _pct(values, q):
    return float(np.percentile(np.asarray(values), q)) * 1000


def summarise(samples):
    """{setting: {metric: [min, median, max]}} from {setting: [(rps, latencies), ...]}."""
    table = {}
    for key, rounds in samples.items():
        metrics = {"req_per_s": [r for r, _ in rounds], "p50_ms": [_pct(lat, 50) for _, lat in rounds],
                   "p99_ms": [_pct(lat, 99) for _, lat in rounds]}
        table[key] = {m: [min(v), statistics.median(v), max(v)] for m, v in metrics.items()}
    return table


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=16, help="requests per setting and round (x2 at c>1)")
    parser.add_argument("--out", help="write the numbers as JSON here")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", str(os.cpu_count() or 1))  # same math threads for every setting
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = export_random_seg(Path(tmp) / "model", "PP-LiteSeg-T", num_classes=19)
        image = jpeg_512()
        payload = json.dumps({"image": base64.b64encode(image).decode("ascii"), "visualize": False}).encode()
        local = InProcess(model_dir, image)
        env = {"OMP_NUM_THREADS": os.environ["OMP_NUM_THREADS"]}
        servers = {w: ServerProcess("--pipeline", "semantic_segmentation", "--model_dir", model_dir, "--device",
                                    "cpu", "--workers", str(w), log_path=Path(tmp) / f"w{w}.log", env=env)
                   for w in (1, 2)}
        try:
            deadline = time.monotonic() + 300
            while "2 workers" not in servers[2].log() and time.monotonic() < deadline:
                time.sleep(0.5)  # /health answered as soon as the first worker was up; wait for the second
            clients = {f"server_w{w}": Client(s.url, payload) for w, s in servers.items()}
            body = clients["server_w1"](Client.session())
            start = time.perf_counter()
            answer = json.loads(body)
            parse_ms = (time.perf_counter() - start) * 1000
            assert answer["result"]["labelMap"] == local.expected.reshape(-1).tolist(), "server != in-process"
            samples = {}
            for round_index in range(args.rounds):
                for c in CONCURRENCY:
                    total = args.requests * (1 if c == 1 else 2)
                    for name, call in (("in_process", local), *clients.items()):
                        run_load(call, c, max(2, total // 8))  # warm-up (oneDNN caches, connections)
                        samples.setdefault(f"{name}@c{c}", []).append(run_load(call, c, total))
                print(f"round {round_index + 1}/{args.rounds} done", flush=True)
        finally:
            for server in servers.values():
                server.stop()
    table = summarise(samples)
    print(f"\nPP-LiteSeg-T 512x512, {os.cpu_count()} cores, OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}, "
          f"{args.rounds} rounds x {args.requests}+ requests; JSON parse of one answer (client side): "
          f"{parse_ms:.1f} ms")
    print(f"{'setting':22} {'req/s min/med/max':>24} {'p50 ms min/med/max':>26} {'p99 ms min/med/max':>26} "
          f"{'p50 ratio':>9}")
    for key, row in table.items():
        base = table[f"in_process@{key.split('@')[1]}"]["p50_ms"][1]
        fmt = " / ".join
        print(f"{key:22} {fmt(f'{v:6.2f}' for v in row['req_per_s']):>24} "
              f"{fmt(f'{v:7.1f}' for v in row['p50_ms']):>26} {fmt(f'{v:7.1f}' for v in row['p99_ms']):>26} "
              f"{row['p50_ms'][1] / base:9.3f}")
    for c in CONCURRENCY:
        w1, w2 = table[f"server_w1@c{c}"]["req_per_s"][1], table[f"server_w2@c{c}"]["req_per_s"][1]
        print(f"workers 2 vs 1 at c{c}: req/s ratio of medians {w2 / w1:.3f}")
    if args.out:
        Path(args.out).write_text(json.dumps({"table": table, "json_parse_ms": parse_ms}, indent=2))


if __name__ == "__main__":
    main()
