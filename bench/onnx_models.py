"""Exports for the ONNX tests and bench, made without training: an architecture's random-init weights are saved
in a child process, then exported by `main.py -o Global.mode=export` as a user would (Export.format=both).

    python bench/onnx_models.py MODEL OUT_DIR [--input_shape 128 128]

prints the export directory.
"""
import argparse
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CONFIGS = REPO / "configs" / "modules"
ENV = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}


def task_of(model):
    """'semantic_segmentation' or 'instance_segmentation' for a catalogued model name."""
    for task in ("semantic_segmentation", "instance_segmentation"):
        if (CONFIGS / task / f"{model}.yaml").is_file():
            return task
    raise ValueError(f"unknown model {model}")


def coco_data(root):
    """A 3-image 64 px synthetic COCO set at `root` (made once)."""
    sys.path.insert(0, str(REPO))
    from dataset_tools.synthetic_coco import generate

    root = Path(root)
    if not (root / "annotations" / "instance_val.json").is_file():
        generate(root, num=3, size=64, seed=0, val_fraction=0.34)
    return root


def _save_random(model, num_classes, path, data):
    """Save `model`'s random-init state dict to `path` (runs in a child process: imports paddle and a suite)."""
    sys.path.insert(0, str(REPO))
    from paddlex_train.paddle_env import import_paddle

    paddle = import_paddle()  # zlib before paddle (paddle_env), or paddle may crash on import
    paddle.seed(0)
    path.parent.mkdir(parents=True, exist_ok=True)
    if task_of(model) == "semantic_segmentation":
        from paddlex_train.backends.paddleseg.modeling import build

        builder, _, _ = build(model, ".", num_classes)
        state = builder.model.state_dict()
    else:
        from ppdet.core.workspace import create

        from paddlex_train.backends.paddledet.config import DetSettings, build_config

        cfg = build_config(model, Path(data), DetSettings(num_classes=num_classes, save_dir=str(path.parent)))
        net = create(cfg.architecture)
        _calibrate_batch_norm(net, cfg, Path(data))
        state = net.state_dict()
        _spread_prior_biases(state)
    paddle.save(state, str(path))


def _calibrate_batch_norm(net, cfg, data):
    """Give every BatchNorm the statistics of its input on a real image (one eval-mode pass, layer by layer).

    Random-init running statistics (mean 0, variance 1) are far from a deep backbone's activations, which then
    blow up; the heads emit degenerate, tied scores, and any two engines' rounding decides the ranking."""
    import cv2
    import paddle

    from paddlex_train.backends.paddledet.dygraph import forward
    from paddlex_train.backends.paddledet.parity import _preprocess
    from paddlex_train.inference.instance import preprocess

    def set_stats(layer, inputs):
        x = inputs[0]
        axes = [0, 2, 3] if len(x.shape) == 4 else [0]
        layer._mean.set_value(x.mean(axis=axes))
        layer._variance.set_value(x.var(axis=axes))

    hooks = [layer.register_forward_pre_hook(set_stats) for layer in net.sublayers()
             if hasattr(layer, "_mean") and hasattr(layer, "_variance")]
    image = cv2.imread(str(sorted((data / "images").iterdir())[0]))[:, :, ::-1]
    net.eval()
    with paddle.no_grad():
        forward(net, preprocess(image, _preprocess(cfg)))
    for hook in hooks:
        hook.remove()


def _spread_prior_biases(state):
    """Score heads start at a focal-loss prior (every bias -4.6: all scores 0.01, right at the NMS score cut, where
    two engines' rounding decides which instances survive). Spread them over [-2, 1] so random-init models give
    instances with distinct scores well above the cut."""
    import numpy as np
    import paddle

    rng = np.random.default_rng(0)
    for name, tensor in state.items():
        values = tensor.numpy()
        if name.endswith("bias") and values.size > 1 and np.all(values == values.flat[0]) and values.flat[0] < -3:
            state[name] = paddle.to_tensor(rng.uniform(-2, 1, values.shape).astype(values.dtype))


def random_weights(model, out_dir, num_classes=3, data=None):
    """Path of `model`'s random-init weights under `out_dir` (saved once)."""
    path = Path(out_dir) / "random" / f"{model}.pdparams"
    if not path.is_file():
        code = (f"import sys; sys.path.insert(0, {str(REPO / 'bench')!r}); import onnx_models; "
                f"onnx_models._save_random({model!r}, {int(num_classes)}, __import__('pathlib').Path({str(path)!r}), "
                f"{str(data) if data else None!r})")
        proc = subprocess.run([sys.executable, "-c", code], env=ENV, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"saving random {model} weights failed: {proc.stderr[-2000:]}")
    return path


def export(model, weights, out, data=None, input_shape=None, fmt="both", num_classes=3, extra=()):
    """Run main.py export of `weights` into `out`; returns the CompletedProcess."""
    task = task_of(model)
    args = [sys.executable, str(REPO / "main.py"), "-c", str(CONFIGS / task / f"{model}.yaml"),
            "-o", "Global.mode=export", "-o", "Global.device=cpu", "-o", f"Global.output={out}",
            "-o", f"Train.num_classes={int(num_classes)}", "-o", f"Export.weight_path={weights}",
            "-o", f"Export.format={fmt}"]
    if data:
        args += ["-o", f"Global.dataset_dir={data}"]
    if input_shape:
        args += ["-o", f"Export.input_shape=[{int(input_shape[0])},{int(input_shape[1])}]"]
        if task == "instance_segmentation":
            args += ["-o", f"Train.input_shape=[{int(input_shape[0])},{int(input_shape[1])}]"]
    return subprocess.run([*args, *extra], env=ENV, capture_output=True, text=True, cwd=REPO)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("out_dir")
    parser.add_argument("--input_shape", type=int, nargs=2, default=None, metavar=("H", "W"))
    parser.add_argument("--format", default="both")
    args = parser.parse_args()
    out = Path(args.out_dir)
    data = coco_data(out / "coco") if task_of(args.model) == "instance_segmentation" else None
    proc = export(args.model, random_weights(args.model, out, data=data), out / "export", data, args.input_shape,
                  args.format)
    if proc.returncode != 0:
        sys.exit(proc.stderr[-3000:])
    print(out / "export")


if __name__ == "__main__":
    main()
