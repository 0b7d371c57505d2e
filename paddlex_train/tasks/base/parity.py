"""The parity report of an export (export_result.json -> parity): does the exported model agree with the weights?

The exported directory is run through the ordinary predictor (Paddle Inference, and onnxruntime for an ONNX
export) on up to Export.parity_images images: the val split of Global.dataset_dir when given, else generated
images. The reference is the same predictor class fed by the backend's dynamic-graph engine
(backends/<suite>/parity.py) and by the inference.yml that the *training config* implies, so a broken
inference.yml (wrong resolution, wrong normalisation) or a program that computes something else shows up.
Figures and tolerances: tasks/base/parity_compare.py. A figure outside its tolerance fails the export.
"""
import importlib
import json
from pathlib import Path

import numpy as np

from ...catalog import BACKENDS
from ...errors import BackendError
from . import parity_compare

GENERATED_SIZES = ((96, 128), (128, 96), (64, 64), (80, 112))  # (h, w): small, mixed aspect ratios


def _generated_images(n, seed=0):
    """`n` smooth RGB test images (gradients + rectangles): random-init models give ties on flat noise-free
    areas less often than on noise, and the images are the same on every run."""
    rng = np.random.default_rng(seed)
    images = []
    for i in range(n):
        h, w = GENERATED_SIZES[i % len(GENERATED_SIZES)]
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        image = np.stack([xx / w * 255, yy / h * 255, (xx + yy) / (h + w) * 255], axis=-1)
        for _ in range(3):
            y0, x0 = rng.integers(0, h // 2), rng.integers(0, w // 2)
            image[y0:y0 + h // 3, x0:x0 + w // 3] = rng.integers(0, 256, 3)
        images.append((f"generated_{i}", image.astype(np.uint8), None))
    return images


def _read_rgb(path):
    import cv2

    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    return None if bgr is None else bgr[:, :, ::-1].copy()


def _semantic_val_images(root, n):
    from PIL import Image

    lines = [line.split() for line in (root / "val.txt").read_text(encoding="utf-8").splitlines() if line.strip()]
    images = []
    for parts in lines[:n]:
        rgb = _read_rgb(root / parts[0])
        if rgb is None:
            continue
        label = np.asarray(Image.open(root / parts[1])) if len(parts) > 1 and (root / parts[1]).is_file() else None
        images.append((Path(parts[0]).name, rgb, label if label is not None and label.ndim == 2 else None))
    return images


def _instance_val_images(root, n):
    data = json.loads((root / "annotations" / "instance_val.json").read_text(encoding="utf-8"))
    images = []
    for entry in data.get("images", [])[:n]:
        rgb = _read_rgb(root / "images" / entry["file_name"])
        if rgb is not None:
            images.append((entry["file_name"], rgb, None))
    return images


def sample_images(task, dataset_dir, n):
    """[(name, RGB uint8 image, ground-truth label map or None)] and where they came from ('dataset'/'generated')."""
    root = Path(dataset_dir) if dataset_dir else None
    try:
        if root is not None and task == "semantic_segmentation" and (root / "val.txt").is_file():
            images = _semantic_val_images(root, n)
        elif root is not None and (root / "annotations" / "instance_val.json").is_file():
            images = _instance_val_images(root, n)
        else:
            images = []
    except (OSError, ValueError, KeyError):  # an unreadable split: the check_dataset mode reports it, not export
        images = []
    return (images, "dataset") if images else (_generated_images(n), "generated")


def _results(predictor, images, task):
    """Per image: the class-id map (semantic) or {boxes, masks} (instance, every instance: threshold 0)."""
    bgr = [image[:, :, ::-1].copy() for _, image, _ in images]
    if task == "semantic_segmentation":
        return [np.asarray(r["pred"])[0] for r in predictor.predict(bgr, batch_size=1)]
    return [{"boxes": list(r["boxes"]), "masks": np.asarray(r["masks"])}
            for r in predictor.predict(bgr, batch_size=1, threshold=0.0)]


class _TieRecorder:
    """Wraps the semantic reference engine: passes its outputs through and keeps, per call, the tie map of its
    logits (parity_compare.tie_map), so the comparison can tell near-tied pixels from real disagreements."""

    def __init__(self, engine):
        self.engine = engine
        self.name, self.input_names, self.output_names = engine.name, engine.input_names, engine.output_names
        self.maps = []

    def run(self, inputs, outputs=None):
        ids, logits = self.engine.run(inputs)
        self.maps.extend(parity_compare.tie_map(logits))
        results = [ids, logits]
        return [results[i] for i in (range(2) if outputs is None else outputs)]

    def ties_for(self, images):
        """The recorded maps at each image's size (as the predictor resizes its labels); None when the calls did
        not go one image each (then every pixel counts)."""
        import cv2

        if len(self.maps) != len(images):
            return None
        return [m if m.shape == im.shape[:2] else
                cv2.resize(m.astype(np.uint8), (im.shape[1], im.shape[0]), interpolation=cv2.INTER_NEAREST) > 0
                for m, (_, im, _) in zip(self.maps, images)]


def _compare(task, reference, candidate, images, num_classes, ties=None):
    if task == "semantic_segmentation":
        return parity_compare.compare_semantic(reference, candidate, [t for _, _, t in images], num_classes, ties)
    return parity_compare.compare_instance(reference, candidate)


def _device_string(device):
    return device.type if not device.ids else f"{device.type}:{device.ids[0]}"


def _predictor(model_dir, device, engine=None, raw=None):
    """The task's predictor on `model_dir` ('paddle' or 'onnxruntime'), or on a ready `engine` object with the
    inference.yml mapping `raw` in place of the file's."""
    from ...inference.base import PREDICTORS, pick_device, task_of
    from ...inference.model_config import read_inference_dir

    model = read_inference_dir(model_dir, what="the export directory")
    if raw is not None:
        model.raw = raw
    model.engine = engine or "paddle"
    module_name, _, class_name = PREDICTORS[task_of(model)].partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls(model, device=pick_device(_device_string(device)), batch_size=1)


def parity_report(task, job, export_output, num_images, onnx_dir=None, log=None):
    """The `parity` mapping of export_result.json (see the module docstring); {'images': 0} when disabled.

    Raises:
        BackendError: with the figures, when a comparison is outside its tolerance.
    """
    if num_images <= 0:
        return {"images": 0, "skipped": "Export.parity_images is 0"}
    images, source = sample_images(task, job.dataset_dir, num_images)
    backend = importlib.import_module(f"...backends.{BACKENDS[task].package}.parity", __package__)
    engine, raw = backend.reference(job, export_output)
    if task == "semantic_segmentation":
        engine = _TieRecorder(engine)
    reference = _results(_predictor(export_output.directory, job.ctx.device, engine, raw), images, task)
    ties = engine.ties_for(images) if isinstance(engine, _TieRecorder) else None  # a tie is the model's, at that pixel
    paddle_results = _results(_predictor(export_output.directory, job.ctx.device), images, task)
    report = {"images": len(images), "source": source,
              "paddle_vs_dygraph": _compare(task, reference, paddle_results, images, job.num_classes, ties)}
    if onnx_dir is not None:
        onnx_results = _results(_predictor(onnx_dir, job.ctx.device, "onnxruntime"), images, task)
        report["onnx_vs_paddle"] = _compare(task, paddle_results, onnx_results, images, job.num_classes, ties)
        report["onnx_vs_dygraph"] = _compare(task, reference, onnx_results, images, job.num_classes, ties)
    report["passed"] = all(v["passed"] for k, v in report.items() if isinstance(v, dict))
    if log:
        log(f"Parity on {len(images)} {source} images: {summary(report)}")
    if not report["passed"]:
        raise BackendError(f"The exported model disagrees with the trained weights: {summary(report)}.",
                           hint="the export is kept for inspection; re-export, and report it if it persists "
                                "(Export.parity_images=0 skips the check)")
    return report


def summary(report):
    """One line of the report's figures, e.g. 'paddle_vs_dygraph: pixel_agreement 0.9999 (min 0.999)'."""
    parts = []
    for name, figures in report.items():
        if not isinstance(figures, dict) or "passed" not in figures:
            continue
        if "pixel_agreement" in figures:
            parts.append(f"{name}: pixel_agreement {figures['pixel_agreement']:.6f} (min "
                         f"{figures['tolerance']['pixel_agreement_min']}), miou_delta {figures['miou_delta']:.4f}"
                         + (f", {figures['tied_disagreements']} tied pixels" if figures.get("tied_disagreements") else ""))
        else:
            parts.append(f"{name}: matched {figures['matched_instances']}/{figures['reference_instances']} "
                         f"(min share {figures['tolerance']['matched_share_min']}), max_box_offset "
                         f"{figures['max_box_offset']}, min_mask_iou {figures['min_mask_iou']}")
    return "; ".join(parts)
