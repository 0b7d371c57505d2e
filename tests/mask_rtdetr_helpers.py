"""Helpers of the Mask-RT-DETR tests: reference files, model building and weight loading."""
import json

from conftest import REPO

REFS = REPO.parent / "shared" / "reference" / "instance_refs"
SIZES = ["S", "M", "L", "X", "H"]
IMAGE = REPO.parent / "shared" / "data" / "coco_panoptic_sample" / "input_images" / "000000142238.jpg"


def manifest(size):
    """{key: shape} of the official state dict of Mask-RT-DETR-<size>."""
    data = json.loads((REFS / f"Mask-RT-DETR-{size}" / "manifest.json").read_text())
    return {k: list(v["shape"]) for k, v in data.items()}


def build_model(size, num_classes=80):
    """The ppdet model of archs/Mask-RT-DETR-<size>.yml, as the backend builds it (CPU)."""
    import paddle

    from paddlex_train.backends.paddledet import config as det_config  # noqa: F401 (imports ppdet safely)
    from ppdet.core.workspace import create

    paddle.set_device("cpu")
    cfg = det_config.load_arch(f"Mask-RT-DETR-{size}")
    cfg["num_classes"] = num_classes
    return create(cfg.architecture)


def load_reference_weights(path):
    """The reference npz (fp16 floats) as a paddle state dict."""
    import numpy as np
    import paddle

    return {k: paddle.to_tensor(v.astype("float32") if v.dtype == np.float16 else v)
            for k, v in np.load(path).items()}
