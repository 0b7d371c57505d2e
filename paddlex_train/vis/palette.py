"""The segmentation colour palette and pseudo-colour / overlay rendering.

PaddleX colours label k with entry k+1 of PaddleSeg's VOC bit-colormap over 256 classes (so label 0 is
(128, 0, 0)); we use the same so pictures match what PaddleX users know. 255 (ignore) is drawn black.
"""
import numpy as np
from PIL import Image

from ..utils.labels import IGNORE_INDEX


def voc_colormap(n=256):
    """The VOC bit-interleaved colormap as an (n, 3) uint8 array."""
    cmap = np.zeros((n, 3), dtype=np.uint8)
    for i in range(n):
        c, r, g, b = i, 0, 0, 0
        for j in range(8):
            r |= ((c >> 0) & 1) << (7 - j)
            g |= ((c >> 1) & 1) << (7 - j)
            b |= ((c >> 2) & 1) << (7 - j)
            c >>= 3
        cmap[i] = (r, g, b)
    return cmap


def label_palette():
    """(256, 3) uint8 colours indexed by label id (PaddleX's shift by one; 255 = black)."""
    full = voc_colormap(257)
    pal = full[1:257].copy()
    pal[IGNORE_INDEX] = 0
    return pal


_PALETTE = label_palette()


def pseudo_colour(label):
    """An (H, W) integer label map as an RGB PIL image."""
    return Image.fromarray(_PALETTE[np.asarray(label, dtype=np.uint8)], "RGB")


def palette_image(label):
    """An (H, W) label map as a P-mode PNG-ready PIL image carrying the palette (ids stay the pixel values)."""
    img = Image.fromarray(np.asarray(label, dtype=np.uint8), "P")
    img.putpalette(_PALETTE.flatten().tolist())
    return img


def overlay(image, label, alpha=0.4):
    """Blend an RGB image (PIL or HxWx3 array) with the pseudo-colour of `label`: (1-alpha)*image + alpha*colour."""
    base = np.asarray(image.convert("RGB") if isinstance(image, Image.Image) else image, dtype=np.float32)
    colour = _PALETTE[np.asarray(label, dtype=np.uint8)].astype(np.float32)
    return Image.fromarray(((1 - alpha) * base + alpha * colour).clip(0, 255).astype(np.uint8), "RGB")
