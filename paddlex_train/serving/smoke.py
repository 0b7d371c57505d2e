"""One end-to-end serving check, for `make demo`: start the server, make one client call with the PaddleX docs'
client code (requests + base64), print a summary, stop the server.

    python -m paddlex_train.serving.smoke --pipeline semantic_segmentation --model_dir DIR [--image IMG]

Exit code 0 when the call succeeded and the server stopped cleanly.
"""
import argparse
import base64
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ENDPOINTS = {"semantic_segmentation": "semantic-segmentation", "instance_segmentation": "instance-segmentation"}


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _demo_image(folder):
    import numpy as np
    from PIL import Image

    yy, xx = np.mgrid[0:256, 0:256]
    picture = np.stack([xx, yy, (xx + yy) // 2], axis=-1).astype(np.uint8)
    path = Path(folder) / "smoke.jpg"
    Image.fromarray(picture).save(path)
    return path


def _wait_healthy(url, proc, timeout):
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            if requests.get(url + "/health", timeout=2).status_code == 200:
                return True
        except requests.ConnectionError:
            time.sleep(0.3)
    return False


def client_call(api_url, image_path, output_image_path):
    """The PaddleX pipeline docs' client, as written there; returns the `result` dict."""
    import requests

    with open(image_path, "rb") as file:
        image_bytes = file.read()
        image_data = base64.b64encode(image_bytes).decode("ascii")

    payload = {"image": image_data}

    response = requests.post(api_url, json=payload)

    assert response.status_code == 200, response.text
    result = response.json()["result"]
    with open(output_image_path, "wb") as file:
        file.write(base64.b64decode(result["image"]))
    print(f"Output image saved at {output_image_path}")
    return result


def summary(result):
    """One line about a result."""
    if "labelMap" in result:
        h, w = result["size"]
        classes = sorted(set(result["labelMap"]))
        return f"labelMap {h}x{w}, classes present {classes[:10]}{' ...' if len(classes) > 10 else ''}"
    return f"{len(result['instances'])} instances: " + ", ".join(
        f"{i['categoryName']} {i['score']:.2f}" for i in result["instances"][:5])


def main(argv=None):
    """Run the smoke check; returns the exit code."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--pipeline", default="semantic_segmentation")
    p.add_argument("--model_dir")
    p.add_argument("--image", help="image to send (default: a generated 256x256 picture)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--output", help="where to write the returned picture (default: a temporary folder)")
    p.add_argument("--timeout", type=float, default=300, help="seconds to wait for the model to load")
    args = p.parse_args(argv)
    from .loader import pipeline_name

    name = pipeline_name(args.pipeline) or "semantic_segmentation"
    with tempfile.TemporaryDirectory() as tmp:
        image = args.image or _demo_image(tmp)
        output = args.output or str(Path(tmp) / "serving_res.jpg")
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        command = [sys.executable, str(REPO / "main.py"), "--serve", "--pipeline", args.pipeline, "--device",
                   args.device, "--port", str(port)] + (["--model_dir", args.model_dir] if args.model_dir else [])
        print("Starting:", " ".join(command), flush=True)
        proc = subprocess.Popen(command, cwd=REPO, env=dict(os.environ))
        try:
            if not _wait_healthy(url, proc, args.timeout):
                print("Error: the server did not start (see its output above).", file=sys.stderr)
                return 1
            result = client_call(f"{url}/{ENDPOINTS.get(name, name)}", image, output)
            print(f"Serving smoke: POST /{ENDPOINTS.get(name, name)} -> {summary(result)}", flush=True)
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                code = proc.wait(60)
            else:
                code = proc.returncode
        print(f"Server stopped (exit code {code}).")
        return 0 if code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
