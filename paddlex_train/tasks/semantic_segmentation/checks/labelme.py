"""LabelMe JSON -> SegDataset, with PaddleX's input layout and id rules, done safely.

Input: train_anno_list.txt / val_anno_list.txt (and optionally test_anno_list.txt, as PaddleX) listing LabelMe
JSON paths relative to the root.
Ids: `_background_` -> 0, `__ignore__` -> 255, every other label 1..N by first appearance (train, then val).
Shapes are rasterised with labelme's own `shape_to_mask`, in file order (later shapes overwrite earlier ones).
Output: images/<name>, annotations/<json stem>.png (palette PNG), train.txt, val.txt, class_name.txt
(line i = name of id i), class_name_to_id.txt ('id: name'). Everything is validated before anything is
written; no source file is modified or deleted, and a different existing file at an output path is kept as .bak.
"""
import base64
import binascii
import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from ....errors import DatasetError
from ....utils.images import image_sizes
from ....utils.labelme import TEST_LIST, TRAIN_LIST, VAL_LIST, find_image, read_anno_list
from ....utils.labels import IGNORE_INDEX
from ...base.problems import Problems
from .labelme_write import write_dataset

BACKGROUND, IGNORE_NAME, IGNORE_ID = "_background_", "__ignore__", IGNORE_INDEX
ANNO_LISTS = {"train": TRAIN_LIST, "val": VAL_LIST, "test": TEST_LIST}
# shape_type -> allowed point counts (None = at least the given minimum), as labelme's shape_to_mask asserts.
SHAPE_POINTS = {"polygon": (3, None), "rectangle": (2, 2), "circle": (2, 2), "line": (2, 2),
                "linestrip": (2, None), "point": (1, 1)}


@dataclass
class Record:
    """One validated LabelMe annotation, ready to be rasterised and written."""

    split: str
    json_path: Path
    shapes: list
    image_path: Path = None      # an existing image file, or None when the embedded imageData is used
    image_bytes: bytes = None
    image_ext: str = ".png"
    size: tuple = None           # (width, height) after EXIF orientation


def _read_anno_lists(root, problems):
    out = {split: read_anno_list(root, name, problems) for split, name in ANNO_LISTS.items()
           if (root / name).is_file()}
    if not out:
        raise DatasetError(f"{root / ANNO_LISTS['train']} does not exist: nothing to convert from LabelMe.",
                           hint="list your LabelMe JSON files (paths relative to the data set root) in "
                                "train_anno_list.txt and val_anno_list.txt")
    return out


def _check_shapes(data, path, problems):
    shapes = data.get("shapes") if isinstance(data, dict) else None
    if not isinstance(shapes, list):
        problems.add(path, "not a LabelMe annotation (no 'shapes' list)", hint="export the file from LabelMe")
        return None
    ok = True
    for i, shape in enumerate(shapes):
        where = f"shapes[{i}]"
        kind = (shape.get("shape_type") or "polygon") if isinstance(shape, dict) else None
        if not isinstance(shape, dict) or not isinstance(shape.get("label"), str) or not shape["label"]:
            problems.add(path, "shape has no 'label' string", hint="give every shape a label", where=where)
            ok = False
        elif kind not in SHAPE_POINTS:
            problems.add(path, f"unknown shape_type {kind!r} (label {shape['label']!r})",
                         hint=f"supported: {', '.join(SHAPE_POINTS)}; redraw the shape as a polygon", where=where)
            ok = False
        else:
            pts = shape.get("points")
            lo, hi = SHAPE_POINTS[kind]
            valid = isinstance(pts, list) and all(
                isinstance(p, (list, tuple)) and len(p) == 2 and all(isinstance(v, (int, float)) for v in p)
                for p in pts)
            if not valid or len(pts) < lo or (hi is not None and len(pts) > hi):
                n = len(pts) if isinstance(pts, list) else "no"
                want = f"{lo}" if hi == lo else f"at least {lo}"
                problems.add(path, f"{kind} {shape['label']!r} has {n} valid points, needs {want} [x, y] points",
                             hint="fix or delete the shape in LabelMe", where=where)
                ok = False
    return shapes if ok else None


def _try_image(record, candidate):
    try:
        with Image.open(candidate) as im:
            record.size = image_sizes(im)[1]  # as displayed, i.e. after EXIF orientation (as labelme sees it)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        return False  # not an image: try the embedded imageData
    record.image_path = candidate
    return True


def _image_of(record, data, root, problems):
    """Find the image (utils.labelme.find_image: imagePath relative to the JSON, the file of that name next to
    the JSON, or images/<name> as in PaddleX's layout), else the embedded imageData."""
    raw = data.get("imagePath") if isinstance(data.get("imagePath"), str) else ""
    path = record.json_path
    found = find_image(path, raw, root)
    if found.error:
        problems.add(path, found.error, hint=found.hint)
        return False
    if found.path is not None and _try_image(record, found.path):
        return True
    if data.get("imageData"):
        try:
            blob = base64.b64decode(data["imageData"], validate=False)
            with Image.open(io.BytesIO(blob)) as im:
                record.size = image_sizes(im)[1]
                record.image_ext = {"JPEG": ".jpg", "PNG": ".png", "BMP": ".bmp"}.get(im.format, ".png")
        except (binascii.Error, UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as e:
            problems.add(path, f"imageData is not a valid base64 image ({e})", hint="re-save the file in LabelMe")
            return False
        record.image_bytes = blob
        return True
    if found.escaped:
        problems.add(path, f"imagePath {raw!r} points outside the data set directory {root}",
                     hint="move the image into the data set directory and make imagePath relative to the JSON")
        return False
    problems.add(path, f"image {raw!r} not found (looked in: {', '.join(found.looked_in) or 'nowhere'}) and the "
                 "JSON has no imageData", hint="put the image next to the JSON, in images/, or fix imagePath")
    return False


def _load_records(root, anno, problems):
    records, names = [], []
    for split, paths in anno.items():
        for path in paths:
            try:
                data = json.loads(path.read_text(encoding="utf-8-sig"))
            except OSError as e:
                problems.add(path, f"cannot be read ({e.strerror})", hint="check the path and permissions")
                continue
            except (ValueError, UnicodeDecodeError) as e:
                problems.add(path, f"is not valid JSON ({' '.join(str(e).split())[:100]})",
                             hint="re-save the annotation from LabelMe")
                continue
            shapes = _check_shapes(data, path, problems)
            if shapes is None:
                continue
            record = Record(split, path, shapes)
            if _image_of(record, data, root, problems):
                records.append(record)
                for shape in shapes:
                    if shape["label"] not in names:
                        names.append(shape["label"])
    return records, names


def class_ids(names):
    """PaddleX's id rule: background 0, ignore 255, others 1..N in first-appearance order."""
    ids = {BACKGROUND: 0}
    for name in names:
        if name not in ids and name != IGNORE_NAME:
            ids[name] = len(ids)
    if IGNORE_NAME in names:
        ids[IGNORE_NAME] = IGNORE_ID
    return ids


def rasterise(size, shapes, ids):
    """(H, W) uint8 label of `shapes` drawn with labelme's shape_to_mask, later shapes on top."""
    from labelme.utils import shape_to_mask  # imported here: labelme pulls in Qt modules (headless is fine)

    label = np.zeros((size[1], size[0]), dtype=np.uint8)
    for shape in shapes:
        label[shape_to_mask(label.shape, shape["points"], shape.get("shape_type") or "polygon")] = \
            ids[shape["label"]]
    return label


def convert_labelme(root, out=None, logger=None, report_path=None):
    """Convert the LabelMe data set at `root` into a SegDataset at `out` (default: in place, `root`).

    Raises:
        DatasetError: listing every bad list line, JSON, shape or image (nothing is written then).

    Returns:
        {split: number of samples written}.
    """
    root = Path(root).resolve()
    out = Path(out).resolve() if out else root
    problems = Problems()
    anno = _read_anno_lists(root, problems)
    records, names = _load_records(root, anno, problems)
    ids = class_ids(names)
    if len(ids) - (IGNORE_NAME in ids) > 255:
        problems.add(root, f"{len(ids)} classes do not fit in 8-bit ids 0..254", hint="merge classes")
    problems.raise_if_any(report_path)
    counts = write_dataset(records, ids, out, rasterise)
    if logger:
        logger.info(f"Converted LabelMe -> SegDataset in {out}: train {counts.get('train', 0)}, "
                    f"val {counts.get('val', 0)}, {len(ids)} class ids")
    return counts
