"""Helpers shared by the tests/test_seg_check_*.py files (no tests here)."""
import hashlib
import json
from pathlib import Path

import numpy as np
from PIL import Image

from conftest import SEG_CONFIG_DIR, read_result, run_main

CONFIG = SEG_CONFIG_DIR / "PP-LiteSeg-T.yaml"


def tree_digest(root):
    """sha256 over every file path and content under `root` (to prove a run left it byte-identical)."""
    h = hashlib.sha256()
    for f in sorted(Path(root).rglob("*")):
        h.update(f.relative_to(root).as_posix().encode())
        if f.is_file():
            h.update(f.read_bytes())
    return h.hexdigest()


def write_pair(root, stem, size=(32, 24), ids=(0, 1, 2), label_mode="L", image_ext=".jpg", label_ext=".png"):
    """Write images/<stem><ext> and annotations/<stem><ext>; returns the list line."""
    root = Path(root)
    (root / "images").mkdir(parents=True, exist_ok=True)
    (root / "annotations").mkdir(parents=True, exist_ok=True)
    w, h = size
    rng = np.random.default_rng(len(stem))
    Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8), "RGB").save(root / "images" / f"{stem}{image_ext}")
    label = np.zeros((h, w), np.uint8)
    for k, v in enumerate(ids):
        label[:, k * w // len(ids):(k + 1) * w // len(ids)] = v
    img = Image.fromarray(label, "L")
    if label_mode != "L":
        img = img.convert(label_mode)
    img.save(root / "annotations" / f"{stem}{label_ext}")
    return f"images/{stem}{image_ext} annotations/{stem}{label_ext}"


def make_dataset(root, n_train=3, n_val=2, **pair_kw):
    """A small valid SegDataset (ids 0..2 by default); returns the root Path."""
    root = Path(root)
    lines = [write_pair(root, f"s{i}", **pair_kw) for i in range(n_train + n_val)]
    (root / "train.txt").write_text("\n".join(lines[:n_train]) + "\n")
    (root / "val.txt").write_text("\n".join(lines[n_train:]) + "\n")
    return root


def check(dataset, output, *overrides, num_classes=3):
    """Run check_dataset through main.py; returns (CompletedProcess, result dict)."""
    args = ["-c", CONFIG, "-o", "Global.mode=check_dataset", "-o", f"Global.dataset_dir={dataset}",
            "-o", "Global.device=cpu", "-o", f"Global.output={output}", "-o", f"Train.num_classes={num_classes}"]
    for o in overrides:
        args += ["-o", o]
    proc = run_main(*args)
    return proc, read_result(output, "check_dataset")


def labelme_json(path, shapes, image_path=None, image_data=None, size=(40, 30)):
    """Write a LabelMe JSON with `shapes` [(label, points, shape_type)]."""
    body = {"version": "5.2.1", "flags": {}, "imagePath": image_path, "imageData": image_data,
            "imageHeight": size[1], "imageWidth": size[0],
            "shapes": [{"label": lb, "points": pts, "shape_type": st, "group_id": None, "flags": {}}
                       for lb, pts, st in shapes]}
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(body))
    return path
