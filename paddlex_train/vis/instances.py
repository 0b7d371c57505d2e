"""Drawing instance-segmentation results: masks (alpha-blended), boxes and labels, all offline.

Used by check_dataset renders (ground truth) and by the instance predictor (predictions with scores). Fonts
never come from the network (PaddleX downloads one and fails offline): the font named by $PXT_FONT if set,
else a CJK system font for CJK labels, else matplotlib's bundled DejaVuSans (found on disk without importing
matplotlib), else PIL's built-in font.
"""
import colorsys
import glob
import importlib.util
import os
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont


def instance_colour(index):
    """A saturated RGB colour for category or instance `index`; neighbouring indices get distant hues."""
    hue = (index * 0.618033988749895) % 1.0  # golden-ratio steps spread hues evenly for any count
    r, g, b = colorsys.hsv_to_rgb(hue, 0.85, 0.95)
    return int(r * 255), int(g * 255), int(b * 255)


def bundled_font_path():
    """Path of matplotlib's bundled DejaVuSans.ttf if matplotlib is installed, else None (no import happens)."""
    try:
        spec = importlib.util.find_spec("matplotlib")
    except (ImportError, ValueError):
        return None
    for location in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(location) / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf"
        if candidate.is_file():
            return candidate
    return None


FONT_ENV = "PXT_FONT"
# Where common CJK fonts live on Linux, macOS and Windows (DejaVuSans has no CJK glyphs).
_CJK_FONT_GLOBS = ("/usr/share/fonts/**/*CJK*.tt[cf]", "/usr/share/fonts/**/wqy*.tt[cf]",
                   "/usr/share/fonts/**/DroidSansFallback*.ttf", "/System/Library/Fonts/PingFang.ttc",
                   "/System/Library/Fonts/STHeiti*.ttc", "C:/Windows/Fonts/msyh.tt[cf]", "C:/Windows/Fonts/simhei.ttf")


def needs_cjk(text):
    """True when `text` has CJK (or other East Asian) characters that DejaVuSans cannot draw."""
    return any(ord(ch) >= 0x2E80 for ch in str(text))


def cjk_font_path():
    """First CJK-capable font found in the usual system folders, or None."""
    for pattern in _CJK_FONT_GLOBS:
        found = sorted(glob.glob(pattern, recursive=True))
        if found:
            return Path(found[0])
    return None


@lru_cache(maxsize=16)
def load_font(size=12, cjk=False):
    """A PIL font of roughly `size` px, chosen offline (see the module docstring); `cjk` asks for CJK glyphs."""
    candidates = [os.environ.get(FONT_ENV)] + ([cjk_font_path()] if cjk else []) + [bundled_font_path()]
    for path in candidates:
        if not path:
            continue
        try:
            return ImageFont.truetype(str(path), size)
        except OSError:
            continue  # unreadable or not a font: try the next one
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1 has no sized default font
        return ImageFont.load_default()


def _rgb_array(image):
    """HxWx3 float32 in 0..255 from a PIL image or array; 16-bit and float images are stretched to 0..255."""
    if isinstance(image, Image.Image) and image.mode not in ("I", "I;16", "I;16B", "I;16L", "F"):
        return np.asarray(image.convert("RGB"), dtype=np.float32)
    arr = np.asarray(image)
    if arr.ndim == 2:
        arr = np.stack([arr] * 3, axis=-1)
    arr = arr[..., :3].astype(np.float32)
    if arr.size and (arr.max() > 255 or arr.min() < 0):  # PIL's own conversion would clip these to white
        lo, hi = float(arr.min()), float(arr.max())
        arr = (arr - lo) * (255.0 / max(hi - lo, 1e-6))
    return arr


def draw_masks(image, masks, colours, alpha=0.5):
    """Blend binary masks into an image.

    Args:
        image: PIL image or HxW(x3) array.
        masks: iterable of HxW arrays (non-zero = inside).
        colours: one RGB tuple per mask.
        alpha: mask opacity in [0, 1].

    Returns:
        An RGB PIL image.
    """
    out = _rgb_array(image).copy()
    for mask, colour in zip(masks, colours):
        m = np.asarray(mask).astype(bool)
        if m.shape != out.shape[:2]:
            continue  # a mask of another size cannot be placed; the caller's validation reports it
        out[m] = (1 - alpha) * out[m] + alpha * np.asarray(colour, dtype=np.float32)
    return Image.fromarray(out.clip(0, 255).astype(np.uint8), "RGB")


def draw_boxes(image, boxes, colours, width=2):
    """Draw [x1, y1, x2, y2] boxes on a PIL image in place and return it."""
    draw = ImageDraw.Draw(image)
    for box, colour in zip(boxes, colours):
        x1, y1, x2, y2 = (float(v) for v in box)
        draw.rectangle([x1, y1, max(x1, x2), max(y1, y2)], outline=tuple(colour), width=width)
    return image


def caption(label, score=None):
    """The text shown for one instance: the label, plus the score with two decimals when given."""
    return f"{label} {score:.2f}" if score is not None else str(label)


def draw_labels(image, boxes, labels, colours, scores=None, font_size=None):
    """Write each label (and optional score) on a filled tag at its box's top-left corner; in place."""
    draw = ImageDraw.Draw(image)
    size = font_size or max(10, min(image.size) // 30)
    scores = scores if scores is not None else [None] * len(labels)
    for box, label, colour, score in zip(boxes, labels, colours, scores):
        text = caption(label, score)
        font = load_font(size, needs_cjk(text))
        x1, y1 = float(box[0]), float(box[1])
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        tw, th = right - left, bottom - top
        ty = y1 - th - 4 if y1 - th - 4 >= 0 else y1  # inside the box when there is no room above it
        tx = min(max(0.0, x1), max(0.0, image.size[0] - tw - 4))
        draw.rectangle([tx, ty, tx + tw + 4, ty + th + 4], fill=tuple(colour))
        luminance = 0.299 * colour[0] + 0.587 * colour[1] + 0.114 * colour[2]
        draw.text((tx + 2 - left, ty + 2 - top), text, fill=(0, 0, 0) if luminance > 150 else (255, 255, 255),
                  font=font)
    return image


def draw_instances(image, boxes, labels, masks=None, scores=None, colours=None, alpha=0.5, box_width=2):
    """Masks, then boxes, then labels: the standard instance picture.

    Args:
        image: PIL image or array.
        boxes: [x1, y1, x2, y2] per instance.
        labels: text per instance (category names).
        masks: optional HxW binary mask per instance.
        scores: optional confidence per instance, shown after the label.
        colours: optional RGB per instance; defaults to one colour per distinct label.
        alpha: mask opacity.
        box_width: box outline width in px.

    Returns:
        A new RGB PIL image.
    """
    if colours is None:
        order = {name: i for i, name in enumerate(dict.fromkeys(labels))}
        colours = [instance_colour(order[name]) for name in labels]
    out = draw_masks(image, masks, colours, alpha) if masks is not None else \
        Image.fromarray(_rgb_array(image).astype(np.uint8), "RGB")
    draw_boxes(out, boxes, colours, box_width)
    return draw_labels(out, boxes, labels, colours, scores)
