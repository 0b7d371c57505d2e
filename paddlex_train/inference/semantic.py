"""Semantic-segmentation predictor: PaddleSeg-style transforms, batched static inference, label maps back at
the input image's size.

target_size follows PaddleX 3.x's SegPredictor:
- None: use the next setting down; the order is predict() argument > create_model()/YAML (Predict.target_size)
  > a Resize/ResizeByShort/ResizeByLong in inference.yml's Deploy.transforms > -1.
- -1: infer at the image's original resolution.
- int s or [w, h]: resize before inference, keeping the aspect ratio to fit inside (s, s) / (w, h) and rounding
  each side up to a multiple of 32 (PaddleX's Resize defaults keep_ratio=True, size_divisor=32).
Whatever the inference size, `pred` is returned at the input image's size (nearest-neighbour), as in PaddleX.
A model exported with a fixed input_shape [1, 3, H, W] is always fed exactly W x H.
"""
import math

import numpy as np

from ..errors import ConfigError
from ..log import get_logger
from .base import BasePredictor
from .results import SegResult
from .semantic_tiling import predict_tiled, record, run_output, tiling_options


def normalize_target_size(value, where="target_size"):
    """None, (-1, -1) or a (w, h) pair of positive ints; ConfigError for anything else."""
    if value is None:
        return None
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        if value == -1:
            return (-1, -1)
        if value > 0:
            return (int(value), int(value))
    elif isinstance(value, (list, tuple)) and len(value) == 2:
        if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value):
            if tuple(value) == (-1, -1):
                return (-1, -1)
            if all(v > 0 for v in value):
                return (int(value[0]), int(value[1]))
    raise ConfigError(f"{where}={value!r} is not a valid target size.",
                      hint="use -1 (original resolution), a positive int (square) or [w, h]")


def _fit_size(w, h, target, keep_ratio, size_divisor):
    """The (w, h) an image of size w x h is resized to for `target` (PaddleX's Resize arithmetic)."""
    tw, th = target
    if keep_ratio:
        scale = min(max(tw, th) / max(w, h), min(tw, th) / min(w, h))
        tw, th = round(w * scale), round(h * scale)
    if size_divisor:
        tw, th = (math.ceil(v / size_divisor) * size_divisor for v in (tw, th))
    return max(1, int(tw)), max(1, int(th))


class SegPredictor(BasePredictor):
    """Predict class-id maps with an exported semantic-segmentation model.

    Args:
        model: InferenceModel of the exported directory.
        device: parsed Device.
        batch_size: images per inference call.
        target_size: -1, int, [w, h] or None (see the module docstring).
        slide_window: {crop_size: [w, h], stride: [w, h]} or None: sliding-window inference (issue 19).
        tta: {flip_horizontal, flip_vertical, scales} or None: test-time augmentation (issue 19).
    """

    task_options = ("target_size", "slide_window", "tta")

    def __init__(self, model, device, batch_size=1, target_size=None, slide_window=None, tta=None):
        super().__init__(model, device, batch_size)
        self.target_size = normalize_target_size(target_size)
        self.slide_window, self.tta = tiling_options(slide_window, tta)
        self.mean, self.std = np.full(3, 0.5, np.float32), np.full(3, 0.5, np.float32)
        self.deploy_resize = None  # callable (w, h) -> (w, h) from a resize in Deploy.transforms
        self._warned_fixed = False
        yml = model.model_dir / "inference.yml"
        for index, tf in enumerate(model.deploy.get("transforms") or []):
            kind = tf.get("type") if isinstance(tf, dict) else None
            handler = self._TRANSFORMS.get(kind)
            if handler is None:
                raise ConfigError(f"{yml}: Deploy.transforms[{index}] has unsupported type {kind!r}.",
                                  hint=f"supported: {', '.join(sorted(self._TRANSFORMS))}")
            handler(self, {k: v for k, v in tf.items() if k != "type"}, f"{yml}: Deploy.transforms[{index}]")
        shape = model.deploy.get("input_shape") or [-1, 3, -1, -1]
        self.fixed_hw = tuple(int(v) for v in shape[2:4]) if len(shape) == 4 and min(shape[2:4]) > 0 else None
        self.fixed_batch = int(shape[0]) if len(shape) == 4 and int(shape[0]) > 0 else None

    # --- Deploy.transforms handlers (type -> method); each records what preprocessing needs --------------
    def _tf_normalize(self, args, where):
        mean, std = args.get("mean", 0.5), args.get("std", 0.5)
        try:
            self.mean = np.broadcast_to(np.asarray(mean, np.float32), (3,)).copy()
            self.std = np.broadcast_to(np.asarray(std, np.float32), (3,)).copy()
        except ValueError:
            raise ConfigError(f"{where}: Normalize mean/std must be a number or 3 numbers.") from None

    def _tf_resize(self, args, where):
        target = normalize_target_size(args.get("target_size", -1), f"{where}.target_size")
        keep_ratio, divisor = bool(args.get("keep_ratio", True)), args.get("size_divisor", 32)
        if target == (-1, -1):
            self.deploy_resize = None
        else:
            self.deploy_resize = lambda w, h: _fit_size(w, h, target, keep_ratio, divisor)

    def _tf_resize_by_edge(self, args, where, key, pick):
        edge = args.get(key)
        if not isinstance(edge, int) or isinstance(edge, bool) or edge <= 0:
            raise ConfigError(f"{where}.{key}={edge!r} must be a positive int.")
        max_size = args.get("max_size", -1)

        def resize(w, h):
            scale = edge / pick(w, h)
            if isinstance(max_size, int) and max_size > 0 and max(w, h) * scale > max_size:
                scale = max_size / max(w, h)
            return max(1, round(w * scale)), max(1, round(h * scale))

        self.deploy_resize = resize

    def _tf_resize_by_short(self, args, where):
        self._tf_resize_by_edge(args, where, "short_size", min)

    def _tf_resize_by_long(self, args, where):
        self._tf_resize_by_edge(args, where, "long_size", max)

    _TRANSFORMS = {"Normalize": _tf_normalize, "Resize": _tf_resize, "ResizeByShort": _tf_resize_by_short,
                   "ResizeByLong": _tf_resize_by_long}

    # --- preprocessing -------------------------------------------------------------------------------
    def _inference_size(self, w, h, target_size):
        """(w, h) the image is fed at, honouring the precedence in the module docstring."""
        target = target_size if target_size is not None else self.target_size
        if self.fixed_hw:
            if target is not None and not self._warned_fixed:
                self._warned_fixed = True
                get_logger().warning(f"target_size={list(target)} is ignored: the model was exported with a fixed "
                                     f"input of {self.fixed_hw[1]}x{self.fixed_hw[0]} (w x h).")
            return self.fixed_hw[1], self.fixed_hw[0]
        if target is None:
            return self.deploy_resize(w, h) if self.deploy_resize else (w, h)
        if target == (-1, -1):
            return w, h
        return _fit_size(w, h, target, True, 32)

    def _prepare(self, image, size):
        import cv2

        h, w = image.shape[:2]
        if (w, h) != size:
            image = cv2.resize(image, size, interpolation=cv2.INTER_LINEAR)
        x = (image.astype(np.float32) / 255.0 - self.mean) / self.std
        return x.transpose(2, 0, 1)

    def _labels(self, output):
        """Class ids (N, H, W) int32 from the program output ((N,H,W), (N,1,H,W) ids, or (N,C,H,W) scores)."""
        out = np.asarray(output)
        if out.ndim == 4 and out.shape[1] == 1:
            out = out[:, 0]
        elif out.ndim == 4:
            out = out.argmax(axis=1)  # a model exported with output_op none/softmax
        return out.astype(np.int32, copy=False)

    def process(self, images, sources, target_size=None, slide_window=None, tta=None):
        """Run the model on RGB images; returns SegResults with `pred` (1, H, W) at each image's size."""
        import cv2

        call_size = normalize_target_size(target_size, "predict(target_size=...)")
        window, aug = tiling_options(slide_window, tta, "predict(...).")
        window, aug = window or self.slide_window, aug or self.tta
        if window or aug:  # issue 19: one image at a time, windows bound the memory (inference/tiling.py)
            return [self._tiled(im, s, call_size, window, aug) for im, s in zip(images, sources)]
        sizes = [self._inference_size(im.shape[1], im.shape[0], call_size) for im in images]
        preds = [None] * len(images)
        # Images of one size share an inference call; mixed sizes (dynamic-shape models) run in groups.
        groups = {}
        for i, size in enumerate(sizes):
            groups.setdefault(size, []).append(i)
        step = self.fixed_batch or len(images)
        for size, members in groups.items():
            for start in range(0, len(members), step):
                chunk = members[start:start + step]
                batch = np.stack([self._prepare(images[i], size) for i in chunk]).astype(np.float32)
                labels = self._labels(run_output(self.engine, batch, 0))  # ids only, not the logits
                for i, label in zip(chunk, labels):
                    h, w = images[i].shape[:2]
                    if label.shape != (h, w):
                        label = cv2.resize(label, (w, h), interpolation=cv2.INTER_NEAREST)
                    preds[i] = label
        return [SegResult(input_path=s.input_path, page_index=None, pred=p[None], input_img=im,
                          label_names=self.model.label_names)
                for s, p, im in zip(sources, preds, images)]

    def _tiled(self, image, source, call_size, window, tta):
        """One SegResult by sliding-window/TTA inference; a fixed-input model slides over the unresized image."""
        import cv2

        h, w = image.shape[:2]
        target = call_size if call_size is not None else self.target_size
        if self.fixed_hw and target not in (None, (-1, -1)):
            size = _fit_size(w, h, target, True, 32)
        elif self.fixed_hw:
            size = (w, h)
        else:
            size = self._inference_size(w, h, call_size)
        label = predict_tiled(self, image, size, window, tta)
        if label.shape != (h, w):
            label = cv2.resize(label, (w, h), interpolation=cv2.INTER_NEAREST)
        result = SegResult(input_path=source.input_path, page_index=None, pred=label[None], input_img=image,
                           label_names=self.model.label_names)
        return record(result, window, tta)
