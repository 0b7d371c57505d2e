"""Test helpers for predict: a tiny exported segmentation model (conv + argmax) and small test images.

The model is built with paddle.jit.to_static + paddle.jit.save exactly as the exporter does, plus an
inference.yml in the exporter's format, so predict can be tested without a trained model.
"""
import contextlib
import http.server
import threading
from pathlib import Path

import numpy as np
import yaml
from PIL import Image


def build_seg_model(out_dir, num_classes=3, input_shape=None, transforms=None, label_names=None,
                    model_name="PP-LiteSeg-T", seed=0, with_yml=True, outputs="ids", symmetric=False):
    """Export a tiny two-conv net (receptive field 5x5) to `out_dir` the way export.py does; returns the directory.

    outputs: "ids" (argmax only, an export without a logits output), "ids+logits" (ids first, logits second and
    Deploy.logits_output: 1, what sliding-window / TTA prediction needs) or "logits" (one output, as PaddleSeg's
    own export with --output_op none).
    symmetric: mirror-symmetric kernels, so the net commutes with flips (its output on a flip-symmetric image is
    flip-symmetric too, which is what makes flip TTA a no-op there).
    """
    from paddlex_train.paddle_env import import_paddle

    paddle = import_paddle()

    class TinySeg(paddle.nn.Layer):
        def __init__(self):
            super().__init__()
            self.conv1 = paddle.nn.Conv2D(3, 8, 3, padding=1)
            self.conv2 = paddle.nn.Conv2D(8, num_classes, 3, padding=1)

        def logits(self, x):
            return self.conv2(paddle.nn.functional.relu(self.conv1(x)))

        def forward(self, x):
            return paddle.argmax(self.logits(x), axis=1).astype("int32")

    class IdsAndLogits(TinySeg):
        def forward(self, x):
            logits = self.logits(x)
            return paddle.argmax(logits, axis=1, dtype="int32"), logits

    class LogitsOnly(TinySeg):
        def forward(self, x):
            return self.logits(x)

    paddle.seed(seed)
    net = {"ids": TinySeg, "ids+logits": IdsAndLogits, "logits": LogitsOnly}[outputs]()
    if symmetric:
        for conv in (net.conv1, net.conv2):
            w = conv.weight.numpy()
            w = w + w[:, :, :, ::-1]
            conv.weight.set_value((w + w[:, :, ::-1, :]).astype("float32"))
    net.eval()
    shape = list(input_shape) if input_shape else [None, 3, None, None]
    spec = [paddle.static.InputSpec(shape, "float32", "x")]
    out_dir = Path(out_dir)
    static = paddle.jit.to_static(net, input_spec=spec, full_graph=True)
    paddle.jit.save(static, str(out_dir / "inference"))
    if with_yml:
        deploy = {"model": "inference.pdmodel", "params": "inference.pdiparams",
                  "transforms": transforms if transforms is not None else
                  [{"type": "Normalize", "mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5]}],
                  "input_shape": [-1 if v is None else v for v in shape], "output_op": "argmax",
                  "output_dtype": "int32"}
        if outputs == "ids+logits":
            deploy["logits_output"] = 1
        elif outputs == "logits":
            deploy.update(output_op="none", output_dtype="float32")
        body = {"Deploy": deploy, "Global": {"model_name": model_name, "num_classes": num_classes,
                                              "label_names": label_names}}
        (out_dir / "inference.yml").write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
    return out_dir


def reference_predict(model_dir, rgb, mean=0.5, std=0.5):
    """Run paddle.inference directly on one RGB uint8 image (no resize); returns (H, W) int32 ids."""
    from paddlex_train.paddle_env import import_paddle

    import_paddle()
    from paddle import inference

    cfg = inference.Config(str(Path(model_dir) / "inference.pdmodel"), str(Path(model_dir) / "inference.pdiparams"))
    cfg.disable_gpu()
    cfg.disable_glog_info()
    pred = inference.create_predictor(cfg)
    x = ((rgb.astype(np.float32) / 255.0 - mean) / std).transpose(2, 0, 1)[None].astype(np.float32)
    handle = pred.get_input_handle(pred.get_input_names()[0])
    handle.reshape(list(x.shape))
    handle.copy_from_cpu(x)
    pred.run()
    out = pred.get_output_handle(pred.get_output_names()[0]).copy_to_cpu()
    return out.reshape(out.shape[-2:]).astype(np.int32)


def make_images(out_dir, n=3, size=(40, 32), seed=0, ext=".png", prefix="img"):
    """Write `n` random RGB images of size (w, h); returns their paths."""
    rng = np.random.default_rng(seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        arr = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
        path = out_dir / f"{prefix}{i}{ext}"
        Image.fromarray(arr).save(path)
        paths.append(path)
    return paths


@contextlib.contextmanager
def serve_handler(handler, daemon_threads=True):
    """Serve `handler` (an http.server request handler class) on 127.0.0.1 at a free port, in a daemon thread;
    yields the port, and stops the server and closes its socket afterwards (waiting for the requests in progress
    unless `daemon_threads`)."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = daemon_threads
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()


class LoopbackServer:
    """A tiny HTTP server on 127.0.0.1 serving files from `root`; `/too_big` announces a 1 GB body.

    `hits` counts the GET requests per path; `delay` (s) slows every answer (to make concurrent clients overlap).
    """

    def __init__(self, root, delay=0.0):
        import collections
        import functools
        import time

        hits = self.hits = collections.Counter()

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                hits[self.path] += 1
                time.sleep(delay)
                if self.path.startswith("/too_big"):
                    self.send_response(200)
                    self.send_header("Content-Length", str(1 << 30))
                    self.end_headers()
                    return
                super().do_GET()

            def log_message(self, *args):
                pass

        self._serving = contextlib.ExitStack()
        handler = functools.partial(Handler, directory=str(root))
        port = self._serving.enter_context(serve_handler(handler, daemon_threads=False))
        self.url = f"http://127.0.0.1:{port}"

    def close(self):
        self._serving.close()
