"""Instance-segmentation predictor for models exported by the PaddleDetection backend (Mask R-CNN family, SOLOv2).

Preprocessing follows inference.yml's `Preprocess` list (ppdet's deploy ops: Resize, NormalizeImage, Permute,
PadStride); the program takes `image`, `im_shape` and `scale_factor` and returns boxes and masks already mapped
back to the input image. Program outputs (a dict flattened in sorted-key order by paddle.jit.save):
- Mask R-CNN / Cascade / PP-YOLOE-seg: bbox (N, 6) = class, score, x1, y1, x2, y2; bbox_num (1,); mask (N, H, W).
- SOLOv2: bbox_num (1,); cate_label (N,); cate_score (N,); segm (N, H, W) (boxes are derived from the masks).
Results keep instances with score > threshold (default: inference.yml draw_threshold, PaddleX's 0.5).
"""
import numpy as np

from ..errors import ConfigError
from .base import BasePredictor
from .instance_result import InstResult


def _resize(image, args):
    """ppdet Resize: returns the resized image and its (scale_y, scale_x)."""
    import cv2

    h, w = image.shape[:2]
    target = args.get("target_size", [h, w])
    target = [target, target] if isinstance(target, int) else list(target)
    if args.get("keep_ratio", True):
        scale = min(min(target) / min(h, w), max(target) / max(h, w))
        sy = sx = scale
    else:
        sy, sx = target[0] / h, target[1] / w
    out = cv2.resize(image, None, fx=sx, fy=sy, interpolation=int(args.get("interp", 1)))
    return out, (sy, sx)


def _normalize(image, args):
    image = image.astype(np.float32)
    if args.get("is_scale", True):
        image = image / 255.0
    if args.get("norm_type", "mean_std") == "mean_std":
        mean = np.asarray(args.get("mean", [0.485, 0.456, 0.406]), np.float32)
        std = np.asarray(args.get("std", [0.229, 0.224, 0.225]), np.float32)
        image = (image - mean) / std
    return image


def _pad_stride(chw, stride):
    if not stride or stride <= 0:
        return chw
    c, h, w = chw.shape
    ph, pw = int(np.ceil(h / stride) * stride), int(np.ceil(w / stride) * stride)
    out = np.zeros((c, ph, pw), np.float32)
    out[:, :h, :w] = chw
    return out


def preprocess(image, ops):
    """Apply inference.yml Preprocess `ops` to one RGB uint8 image.

    Returns:
        dict of program inputs: image (1, 3, H, W) float32, im_shape (1, 2), scale_factor (1, 2).
    """
    scale = (1.0, 1.0)
    x = image
    chw = None
    for op in ops:
        kind = op.get("type")
        if kind == "Resize":
            x, scale = _resize(x, op)
        elif kind == "NormalizeImage":
            x = _normalize(x, op)
        elif kind == "Permute":
            chw = np.ascontiguousarray(np.asarray(x, np.float32).transpose(2, 0, 1))
        elif kind == "PadStride":
            chw = _pad_stride(chw if chw is not None else np.asarray(x, np.float32).transpose(2, 0, 1),
                              op.get("stride", 0))
        else:
            raise ConfigError(f"inference.yml Preprocess op {kind!r} is not supported.",
                              hint="supported: Resize, NormalizeImage, Permute, PadStride")
    if chw is None:
        chw = np.asarray(x, np.float32).transpose(2, 0, 1)
    h, w = np.asarray(x).shape[:2]
    return {"image": chw[None].astype(np.float32), "im_shape": np.array([[h, w]], np.float32),
            "scale_factor": np.array([scale], np.float32)}


def _box_of(mask):
    ys, xs = np.nonzero(mask)
    if not len(xs):
        return [0.0, 0.0, 0.0, 0.0]
    return [float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1)]


def parse_outputs(outputs, image_hw):
    """Program outputs -> (boxes (N, 6) class/score/x1/y1/x2/y2, masks (N, H, W) bool) at the image's size."""
    h, w = image_hw
    if len(outputs) == 4:  # SOLOv2: bbox_num, cate_label, cate_score, segm
        num, labels, scores, segm = outputs
        n = int(np.asarray(num).reshape(-1)[0]) if np.asarray(num).size else 0
        masks = np.asarray(segm)[:n, :h, :w].astype(bool)
        boxes = [[float(labels[i]), float(scores[i]), *_box_of(masks[i])] for i in range(n)]
        return np.asarray(boxes, np.float32).reshape(-1, 6), masks
    bbox, num, mask = outputs
    n = int(np.asarray(num).reshape(-1)[0]) if np.asarray(num).size else 0
    return np.asarray(bbox, np.float32)[:n].reshape(-1, 6), np.asarray(mask)[:n, :h, :w].astype(bool)


class InstPredictor(BasePredictor):
    """Predict instances (boxes + full-image masks) with an exported instance-segmentation model.

    Args:
        model: InferenceModel of the exported directory.
        device: parsed Device.
        batch_size: images per predict() batch (each image runs on its own: sizes differ).
        threshold: minimum score (None = inference.yml draw_threshold).
    """

    task_options = ("threshold",)  # the exported Resize decides the inference size: no target_size

    def __init__(self, model, device, batch_size=1, threshold=None, target_size=None):
        super().__init__(model, device, batch_size)
        self.ops = list(model.raw.get("Preprocess") or [])
        self.threshold = self._check_threshold(threshold if threshold is not None
                                               else model.raw.get("draw_threshold", 0.5))
        self.labels = model.label_names or []
        del target_size  # the exported Resize decides the inference size (kept for API symmetry)

    @staticmethod
    def _check_threshold(value):
        try:
            value = float(value)
        except (TypeError, ValueError):
            value = -1.0
        if not 0.0 <= value <= 1.0:
            raise ConfigError(f"threshold={value!r} must be a number between 0 and 1.", hint="e.g. threshold=0.5")
        return value

    def run_raw(self, image):
        """Preprocess one RGB image and run the program; returns the raw output arrays and the inputs."""
        inputs = preprocess(image, self.ops)
        return self.engine.run({k: inputs[k] for k in self.engine.input_names}), inputs

    def process(self, images, sources, threshold=None, target_size=None):
        """Run the model on RGB images; one InstResult per image."""
        thr = self.threshold if threshold is None else self._check_threshold(threshold)
        results = []
        for image, source in zip(images, sources):
            outputs, _ = self.run_raw(image)
            boxes, masks = parse_outputs(outputs, image.shape[:2])
            keep = (boxes[:, 1] > thr) & (boxes[:, 0] > -1) if len(boxes) else np.zeros(0, bool)
            boxes, masks = boxes[keep], masks[keep]
            items = []
            for b in boxes:
                cls_id = int(b[0])
                # Boxes as the model gives them: single-stage models (PP-YOLOE-seg, Mask-RT-DETR) may reach past
                # the image border, and the reference comparison checks every corner within 2 px.
                coord = [float(b[2]), float(b[3]), float(b[4]), float(b[5])]
                label = self.labels[cls_id] if 0 <= cls_id < len(self.labels) else str(cls_id)
                items.append({"cls_id": cls_id, "label": label, "score": float(b[1]), "coordinate": coord})
            results.append(InstResult(input_path=source.input_path, page_index=None, boxes=items,
                                      masks=masks, input_img=image))
        return results
