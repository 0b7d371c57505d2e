"""Generate a small, seeded synthetic COCO instance-segmentation data set in PaddleX's COCOInstSegDataset layout.

Each image shows 1-3 filled shapes (circle, rectangle, triangle) on a noisy background, each in its own grid
cell so instances never overlap. Every shape is stored as a COCO polygon; area and bbox are computed from the
rasterised polygon with pycocotools, exactly as a checker or evaluator would see them.

Layout: <out>/images/<name>.jpg, <out>/annotations/instance_train.json, <out>/annotations/instance_val.json.

Usage: python -m dataset_tools.synthetic_coco --out demo/inst_dataset [--num 12] [--size 128] [--seed 0] [--noise 25]
"""
import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

CATEGORIES = ("circle", "rectangle", "triangle")
_BASE_COLOURS = {1: (220, 60, 60), 2: (60, 200, 80), 3: (70, 90, 230)}
_GRID = 2  # the image is split into GRID x GRID cells; each shape gets its own cell


def _shape_points(rng, cat_id, x0, y0, cell):
    """Polygon vertices (float pairs) of one shape inside the cell whose top-left corner is (x0, y0)."""
    margin = max(2, cell // 10)
    r = float(rng.integers(max(3, cell // 5), max(4, cell // 2 - margin)))
    cx = x0 + cell / 2 + float(rng.integers(-margin, margin + 1))
    cy = y0 + cell / 2 + float(rng.integers(-margin, margin + 1))
    r = min(r, cx - x0 - 1, cy - y0 - 1, x0 + cell - 1 - cx, y0 + cell - 1 - cy)
    if cat_id == 1:
        n = 24
        return [(cx + r * math.cos(2 * math.pi * k / n), cy + r * math.sin(2 * math.pi * k / n)) for k in range(n)]
    if cat_id == 2:
        w = r * float(rng.uniform(0.5, 1.0))
        h = r * float(rng.uniform(0.5, 1.0))
        return [(cx - w, cy - h), (cx + w, cy - h), (cx + w, cy + h), (cx - w, cy + h)]
    return [(cx, cy - r), (cx + r, cy + r), (cx - r, cy + r)]


def _annotation(points, size, ann_id, image_id, cat_id):
    """COCO annotation for one polygon; area and bbox come from the pycocotools rasterisation."""
    from pycocotools import mask as mask_utils  # imported lazily: only this tool needs it

    flat = [round(float(v), 2) for xy in points for v in xy]
    rle = mask_utils.merge(mask_utils.frPyObjects([flat], size, size))
    return {"id": ann_id, "image_id": image_id, "category_id": cat_id, "segmentation": [flat],
            "area": float(mask_utils.area(rle)), "bbox": [round(float(v), 2) for v in mask_utils.toBbox(rle)],
            "iscrowd": 0}


def make_image(rng, size, image_id, first_ann_id, noise=25):
    """One RGB PIL image plus its list of COCO annotations (ids from `first_ann_id`)."""
    background = rng.normal(120, noise, (size, size, 3)).clip(0, 255).astype(np.uint8)
    image = Image.fromarray(background, "RGB")
    draw = ImageDraw.Draw(image)
    cell = size // _GRID
    cells = rng.permutation(_GRID * _GRID)[: int(rng.integers(1, 4))]
    anns = []
    for k, c in enumerate(cells):
        cat_id = int(rng.integers(1, len(CATEGORIES) + 1))
        points = _shape_points(rng, cat_id, (int(c) % _GRID) * cell, (int(c) // _GRID) * cell, cell)
        colour = tuple(int(np.clip(v + rng.integers(-30, 31), 0, 255)) for v in _BASE_COLOURS[cat_id])
        draw.polygon(points, fill=colour)
        anns.append(_annotation(points, size, first_ann_id + k, image_id, cat_id))
    return image, anns


def _write_split(path, images, anns):
    cats = [{"id": i + 1, "name": n, "supercategory": "shape"} for i, n in enumerate(CATEGORIES)]
    doc = {"info": {"description": "synthetic shapes (dataset_tools.synthetic_coco)"}, "licenses": [],
           "images": images, "annotations": anns, "categories": cats}
    path.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")


def generate(out_dir, num=12, size=128, seed=0, val_fraction=0.25, noise=25):
    """Write `num` images and COCO train/val annotation files under `out_dir`; returns the root Path.

    The output is a pure function of (num, size, seed, val_fraction, noise). Image and annotation ids are unique
    across both splits; the last round(num * val_fraction) images (at least one) form the val split.
    """
    if num < 2:
        raise ValueError("synthetic_coco needs num >= 2 (one train and one val image)")
    out = Path(out_dir)
    (out / "images").mkdir(parents=True, exist_ok=True)
    (out / "annotations").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    images, anns = [], []
    for i in range(num):
        image, image_anns = make_image(rng, size, i + 1, len(anns) + 1, noise)
        name = f"synth_{i:04d}.jpg"
        image.save(out / "images" / name, quality=95)
        images.append({"id": i + 1, "file_name": name, "width": size, "height": size})
        anns.extend(image_anns)
    n_val = min(num - 1, max(1, int(round(num * val_fraction))))
    val_ids = {im["id"] for im in images[-n_val:]}
    _write_split(out / "annotations" / "instance_train.json", images[:-n_val],
                 [a for a in anns if a["image_id"] not in val_ids])
    _write_split(out / "annotations" / "instance_val.json", images[-n_val:],
                 [a for a in anns if a["image_id"] in val_ids])
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="demo/inst_dataset")
    p.add_argument("--num", type=int, default=12)
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--val-fraction", type=float, default=0.25)
    p.add_argument("--noise", type=float, default=25, help="background noise standard deviation")
    args = p.parse_args(argv)
    root = generate(args.out, args.num, args.size, args.seed, args.val_fraction, noise=args.noise)
    print(f"Wrote {args.num} images with COCO instance annotations to {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
