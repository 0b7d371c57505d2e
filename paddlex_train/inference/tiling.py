"""Sliding-window and test-time-augmentation (TTA) inference, shared by predict (exported models) and evaluate
(dynamic graph). Numpy and OpenCV only: the caller supplies a function that turns a batch into logits.

How a class map is made (`infer_labels`):
- Windows of crop_size slide over the image with a step of at most stride, evenly spaced so that the first starts
  at 0 and the last ends at the border (full-size windows everywhere, as in PaddleSeg's slide inference, which
  instead moves only the last window back). An image smaller than the crop in a
  dimension gets one window of the image's size there, so a window covering the whole image gives exactly the
  whole-image result. Only a model with a fixed input size gets its windows zero-padded (in normalised space, at
  the bottom/right) up to that size; the padded part of the logits is dropped.
- TTA runs on each window: every scale (the window resized by s), plain and flipped (horizontal, vertical);
  every variant's logits are flipped back, resized back to the window and summed.
- Overlapping windows' logits are summed too. The class is the argmax of the sum, which is the argmax of the
  average (a per-pixel positive factor does not change the argmax), so no division is needed.
- Memory: windows are processed row by row, left to right. A pixel becomes a class id as soon as no later window
  covers it; what is kept is the current window's columns (classes x crop) plus, across the width, only the rows
  the next window row overlaps (classes x (crop height - stride) x image width). Full-image logits are never held.
"""
import math
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError

SLIDE_KEYS = ("crop_size", "stride")
TTA_KEYS = ("flip_horizontal", "flip_vertical", "scales")
SLIDE_EXAMPLE = "{crop_size: [512, 512], stride: [384, 384]}"


@dataclass(frozen=True)
class SlideWindow:
    """Window size and step in pixels, width first (PaddleSeg's crop_size/stride order)."""

    crop_w: int
    crop_h: int
    stride_w: int
    stride_h: int

    def as_dict(self):
        """The {crop_size: [w, h], stride: [w, h]} form of the config and of the result files."""
        return {"crop_size": [self.crop_w, self.crop_h], "stride": [self.stride_w, self.stride_h]}


@dataclass(frozen=True)
class TTA:
    """Test-time augmentation: flips and scales whose logits are averaged."""

    flip_horizontal: bool = False
    flip_vertical: bool = False
    scales: tuple = (1.0,)

    def as_dict(self):
        """The {flip_horizontal, flip_vertical, scales} form of the config and of the result files."""
        return {"flip_horizontal": self.flip_horizontal, "flip_vertical": self.flip_vertical,
                "scales": list(self.scales)}

    @property
    def is_identity(self):
        """True when TTA would run the plain window once (no flip, scale 1 only)."""
        return not self.flip_horizontal and not self.flip_vertical and tuple(self.scales) == (1.0,)


def _int_pair(value, where, name):
    ok = isinstance(value, (list, tuple)) and len(value) == 2 and all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value)
    if not ok:
        raise ConfigError(f"{where}.{name}={value!r} must be [width, height] with two ints.",
                          hint=f"e.g. {name}: [512, 512]")
    if min(value) <= 0:
        raise ConfigError(f"{where}.{name}={list(value)} must be positive.", hint=f"e.g. {name}: [512, 512]")
    return int(value[0]), int(value[1])


def _check_mapping(value, where, keys, form, example):
    """ConfigError naming `where` unless `value` is a mapping with no key beyond `keys` (`form` shows the
    mapping in the message, `example` is the hint)."""
    if not isinstance(value, dict):
        raise ConfigError(f"{where}={value!r} must be a mapping {form} or null.", hint=f"e.g. {example}")
    extra = sorted(set(value) - set(keys))
    if extra:
        raise ConfigError(f"{where} has unknown key {extra[0]!r}.", hint=f"{where} takes: {', '.join(keys)}")


def parse_slide_window(value, where="slide_window"):
    """None, a SlideWindow, or {crop_size: [w, h], stride: [w, h]} -> SlideWindow or None; ConfigError if bad."""
    if value is None or isinstance(value, SlideWindow):
        return value
    _check_mapping(value, where, SLIDE_KEYS, "{crop_size: [w, h], stride: [w, h]}", SLIDE_EXAMPLE)
    missing = [k for k in SLIDE_KEYS if value.get(k) is None]
    if missing:
        raise ConfigError(f"{where} needs {missing[0]}.", hint=f"e.g. {SLIDE_EXAMPLE}")
    crop = _int_pair(value["crop_size"], where, "crop_size")
    stride = _int_pair(value["stride"], where, "stride")
    if stride[0] > crop[0] or stride[1] > crop[1]:
        raise ConfigError(f"{where}.stride={list(stride)} is larger than crop_size={list(crop)}: windows would "
                          "leave gaps.", hint="use a stride <= crop_size (e.g. 3/4 of it for overlap)")
    return SlideWindow(crop[0], crop[1], stride[0], stride[1])


def parse_tta(value, where="tta"):
    """None, a TTA, or {flip_horizontal, flip_vertical, scales} -> TTA or None; ConfigError if bad."""
    if value is None or isinstance(value, TTA):
        return value
    _check_mapping(value, where, TTA_KEYS, "{flip_horizontal, flip_vertical, scales}",
                   "{flip_horizontal: true, scales: [0.75, 1.0, 1.25]}")
    flips = {}
    for key in ("flip_horizontal", "flip_vertical"):
        flag = value.get(key, False)
        if flag is None:
            flag = False
        if not isinstance(flag, bool):
            raise ConfigError(f"{where}.{key}={flag!r} must be true or false.")
        flips[key] = flag
    scales = value.get("scales", [1.0])
    scales = [1.0] if scales is None else scales
    if not isinstance(scales, (list, tuple)) or not scales:
        raise ConfigError(f"{where}.scales={scales!r} must be a non-empty list of positive numbers.",
                          hint="e.g. scales: [0.75, 1.0, 1.25] (or [1.0] for flips only)")
    for s in scales:
        if isinstance(s, bool) or not isinstance(s, (int, float)) or not s > 0 or math.isinf(s):
            raise ConfigError(f"{where}.scales={list(scales)} must hold positive numbers only.",
                              hint="e.g. scales: [0.75, 1.0, 1.25]")
    return TTA(flips["flip_horizontal"], flips["flip_vertical"], tuple(float(s) for s in scales))


def window_starts(length, crop, stride):
    """Start offsets of the windows along one axis: as few as a step <= stride allows, evenly spaced, the first at
    0 and the last ending at `length` (one window if crop >= length).

    Even spacing, rather than PaddleSeg's "shift the last window back", keeps every overlap near crop - stride;
    a shifted last window can overlap its neighbour by almost a whole crop, and the rows of that overlap are what
    infer_labels must keep across the image's width.
    """
    if crop >= length:
        return [0]
    gaps = math.ceil((length - crop) / stride)
    return [i * (length - crop) // gaps for i in range(gaps + 1)]


def _resize_chw(array, width, height, interpolation):
    """Resize a (C, H, W) float32 array to (C, height, width) with OpenCV, in channel groups cv2 accepts."""
    import cv2

    if array.shape[1:] == (height, width):
        return array
    hwc = np.ascontiguousarray(array.transpose(1, 2, 0))
    parts = [cv2.resize(hwc[:, :, i:i + 256], (width, height), interpolation=interpolation)
             for i in range(0, hwc.shape[2], 256)]
    parts = [p[:, :, None] if p.ndim == 2 else p for p in parts]
    return np.concatenate(parts, axis=2).transpose(2, 0, 1)


def _run_padded(x, run_logits, pad_to):
    """Logits (C, h, w) of one (3, h, w) input; zero-padded to pad_to=(H, W) first when the model needs it."""
    h, w = x.shape[1:]
    if pad_to is not None and (h, w) != tuple(pad_to):
        padded = np.zeros((x.shape[0], pad_to[0], pad_to[1]), np.float32)
        padded[:, :h, :w] = x
        x = padded
    logit = np.asarray(run_logits(np.ascontiguousarray(x[None], dtype=np.float32)))[0]
    return logit[:, :h, :w]


def window_logits(crop, run_logits, tta=None, pad_to=None):
    """Summed logits (C, h, w) of one normalised (3, h, w) window over the TTA variants (just the window if None)."""
    import cv2

    tta = tta or TTA()
    h, w = crop.shape[1:]
    total = None
    for scale in tta.scales:
        sw, sh = max(1, round(w * scale)), max(1, round(h * scale))
        x = _resize_chw(crop, sw, sh, cv2.INTER_LINEAR) if (sw, sh) != (w, h) else crop
        flips = [()] + [(2,)] * tta.flip_horizontal + [(1,)] * tta.flip_vertical
        for axes in flips:
            xi = np.flip(x, axis=axes) if axes else x
            logit = _run_padded(xi, run_logits, pad_to)
            logit = np.flip(logit, axis=axes) if axes else logit
            logit = _resize_chw(np.ascontiguousarray(logit, np.float32), w, h, cv2.INTER_LINEAR)
            total = logit.astype(np.float32, copy=False) if total is None else total + logit  # fresh arrays
    return total


def check_fixed_size(fixed_hw, window, tta, where="slide_window"):
    """ConfigError unless a fixed-input model (fixed_hw=(H, W)) can run these windows/scales."""
    if fixed_hw is None:
        return
    if tta is not None and tuple(tta.scales) != (1.0,):
        raise ConfigError(f"tta.scales={list(tta.scales)}: the model was exported with a fixed input of "
                          f"{fixed_hw[1]}x{fixed_hw[0]} (w x h), so it cannot run rescaled windows.",
                          hint="re-export with -o Export.input_shape=null, or use scales: [1.0]")
    if window is not None and (window.crop_h > fixed_hw[0] or window.crop_w > fixed_hw[1]):
        raise ConfigError(f"{where}.crop_size={[window.crop_w, window.crop_h]} is larger than the model's fixed "
                          f"input of {fixed_hw[1]}x{fixed_hw[0]} (w x h).",
                          hint=f"use crop_size: [{fixed_hw[1]}, {fixed_hw[0]}] or re-export with "
                               "-o Export.input_shape=null")


def infer_labels(height, width, read_crop, run_logits, window=None, tta=None, pad_to=None):
    """Class ids (height, width) int32 by sliding-window and/or TTA inference (see the module docstring).

    Args:
        height, width: size of the (already resized) image.
        read_crop: callable(y0, y1, x0, x1) -> normalised float32 (3, y1 - y0, x1 - x0) array.
        run_logits: callable(float32 (1, 3, h, w)) -> logits (1, C, h, w).
        window: SlideWindow, or None for one window over the whole image.
        tta: TTA or None.
        pad_to: (H, W) a fixed-input model needs; windows are zero-padded to it.
    """
    crop_w, crop_h = (window.crop_w, window.crop_h) if window else (width, height)
    stride_w, stride_h = (window.stride_w, window.stride_h) if window else (width, height)
    if pad_to is not None and window is None:
        crop_h, crop_w = min(crop_h, pad_to[0]), min(crop_w, pad_to[1])  # the fixed size is the window
        stride_h, stride_w = crop_h, crop_w
    crop_h, crop_w = min(crop_h, height), min(crop_w, width)
    ys, xs = window_starts(height, crop_h, stride_h), window_starts(width, crop_w, stride_w)
    labels = np.empty((height, width), np.int32)
    carry = None  # sums that earlier window rows left for rows [y0, y0 + carry.shape[1]), all columns
    for i, y0 in enumerate(ys):
        done = (ys[i + 1] if i + 1 < len(ys) else height) - y0  # rows no later window row touches
        strip, next_carry = None, None  # strip: sums of this row's open columns [x0, x0 + crop_w)
        for j, x0 in enumerate(xs):
            logit = window_logits(read_crop(y0, y0 + crop_h, x0, x0 + crop_w), run_logits, tta, pad_to)
            if strip is None:
                strip = np.zeros(logit.shape, np.float32)
                next_carry = np.zeros((logit.shape[0], crop_h - done, width), np.float32)
            strip += logit
            cols = (xs[j + 1] if j + 1 < len(xs) else width) - x0  # columns no later window of the row touches
            if carry is not None:  # what earlier rows summed for these rows and columns
                strip[:, :carry.shape[1], :cols] += carry[:, :, x0:x0 + cols]
            labels[y0:y0 + done, x0:x0 + cols] = strip[:, :done, :cols].argmax(axis=0)
            next_carry[:, :, x0:x0 + cols] = strip[:, done:, :cols]
            strip[:, :, :crop_w - cols] = strip[:, :, cols:]  # shift to the next window (overlap-safe copy)
            strip[:, :, crop_w - cols:] = 0
        carry = next_carry
    return labels


def describe(window, tta):
    """What the results record: {"slide_window": {...} or None, "tta": {...} or None}."""
    return {"slide_window": window.as_dict() if window else None, "tta": tta.as_dict() if tta else None}
