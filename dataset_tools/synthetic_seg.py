"""Generate a small, seeded synthetic semantic-segmentation data set in PaddleX's SegDataset layout.

Each image shows a few filled shapes on a noisy background; the label PNG holds the shape's class id
(0 background, 1 circle, 2 rectangle, 3 triangle). Colours are drawn per class with jitter, so a model can
learn the task in a few hundred iterations.

Usage: python -m dataset_tools.synthetic_seg --out demo/seg_dataset [--num 40] [--size 128] [--seed 0] [--noise 25]
"""
import argparse
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

CLASS_NAMES = ("background", "circle", "rectangle", "triangle")
_BASE_COLOURS = {1: (220, 60, 60), 2: (60, 200, 80), 3: (70, 90, 230)}


def _draw_shape(rng, cls, size, img_draw, lbl_draw):
    r = int(rng.integers(size // 10, size // 4))
    cx, cy = (int(v) for v in rng.integers(r, size - r, 2))
    colour = tuple(int(np.clip(c + rng.integers(-30, 31), 0, 255)) for c in _BASE_COLOURS[cls])
    if cls == 1:
        box = [cx - r, cy - r, cx + r, cy + r]
        img_draw.ellipse(box, fill=colour)
        lbl_draw.ellipse(box, fill=cls)
    elif cls == 2:
        w, h = (int(v) for v in rng.integers(r // 2 + 1, r + 1, 2))
        box = [cx - w, cy - h, cx + w, cy + h]
        img_draw.rectangle(box, fill=colour)
        lbl_draw.rectangle(box, fill=cls)
    else:
        pts = [(cx, cy - r), (cx - r, cy + r), (cx + r, cy + r)]
        img_draw.polygon(pts, fill=colour)
        lbl_draw.polygon(pts, fill=cls)


def make_pair(rng, size, noise=25):
    """One (RGB image, L label) pair as PIL images."""
    background = rng.normal(120, noise, (size, size, 3)).clip(0, 255).astype(np.uint8)
    image = Image.fromarray(background, "RGB")
    label = Image.new("L", (size, size), 0)
    img_draw, lbl_draw = ImageDraw.Draw(image), ImageDraw.Draw(label)
    for _ in range(int(rng.integers(1, 4))):
        _draw_shape(rng, int(rng.integers(1, len(CLASS_NAMES))), size, img_draw, lbl_draw)
    return image, label


def generate(out_dir, num=40, size=128, seed=0, val_fraction=0.2, noise=25):
    """Write `num` pairs plus train.txt / val.txt / class_name.txt under `out_dir`; returns the root Path.

    The output is a pure function of (num, size, seed, val_fraction, noise); `noise` is the background's
    standard deviation (the demo uses a calmer background so a model trained for a few minutes is useful).
    """
    out = Path(out_dir)
    (out / "images").mkdir(parents=True, exist_ok=True)
    (out / "annotations").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    lines = []
    for i in range(num):
        image, label = make_pair(rng, size, noise)
        stem = f"synth_{i:04d}"
        image.save(out / "images" / f"{stem}.jpg", quality=95)
        label.save(out / "annotations" / f"{stem}.png")
        lines.append(f"images/{stem}.jpg annotations/{stem}.png")
    n_val = max(1, int(round(num * val_fraction)))
    (out / "train.txt").write_text("\n".join(lines[:-n_val]) + "\n")
    (out / "val.txt").write_text("\n".join(lines[-n_val:]) + "\n")
    (out / "class_name.txt").write_text("\n".join(CLASS_NAMES) + "\n")
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="demo/seg_dataset")
    p.add_argument("--num", type=int, default=40)
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--noise", type=float, default=25, help="background noise standard deviation")
    args = p.parse_args(argv)
    root = generate(args.out, args.num, args.size, args.seed, noise=args.noise)
    print(f"Wrote {args.num} image/label pairs to {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
