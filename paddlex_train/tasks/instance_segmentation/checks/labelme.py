"""LabelMe -> COCO instance segmentation (PaddleX's input layout), without touching the user's inputs.

Input: <root>/train_anno_list.txt (and optionally val_anno_list.txt) listing LabelMe JSON paths relative to
the root; each JSON's imagePath is relative to its own folder. Output: annotations/instance_{train,val}.json
(existing ones kept as .bak) and, for images that are not under images/ yet, copies in images/.
Everything is read and checked before anything is written, so a failed conversion changes nothing.
"""
import json
import shutil
from pathlib import Path

from PIL import Image
from pycocotools import mask as mask_utils

from ....errors import DatasetError
from ....utils.fs import write_bytes_atomic, write_text_keeping_backup
from ....utils.images import same_picture, upright
from ....utils.labelme import TRAIN_LIST, VAL_LIST, read_anno_list
from ....utils.rle import mask_to_rle
from ...base.problems import Problems
from ...base.split import seeded_split
from .coco import IMAGE_DIR, annotation_file, load_json
from .labelme_read import read_labelme

DEFAULT_TRAIN_PERCENT = 80  # without val_anno_list.txt (PaddleX: 80/20 too)


def split_lists(root, seed, problems):
    """(train JSONs, val JSONs): from the lists, or a seeded 80/20 split of train_anno_list.txt."""
    root = Path(root)
    if not (root / TRAIN_LIST).is_file():
        raise DatasetError(f"{root / TRAIN_LIST} not found.",
                           hint="list your LabelMe JSON files (relative paths), one per line, in train_anno_list.txt")
    train = read_anno_list(root, TRAIN_LIST, problems)
    if (root / VAL_LIST).is_file():
        return train, read_anno_list(root, VAL_LIST, problems)
    return seeded_split(train, DEFAULT_TRAIN_PERCENT, seed)


def _target_name(rec, root):
    """file_name under images/ for an image, and whether it must be copied/written there."""
    image_dir = (Path(root) / IMAGE_DIR).resolve()
    if rec.image_path is not None and image_dir in rec.image_path.parents:
        return rec.image_path.relative_to(image_dir).as_posix(), False
    name = rec.image_path.name if rec.image_path is not None else rec.json_path.stem + rec.image_ext
    return name, True


def _crowd_category(rle, instances, image_categories, fallback):
    """Category of an ignore region: the instance it overlaps most, else the image's most common category."""
    best, best_overlap = None, 0.0
    for cat_id, inst_rle in instances:
        overlap = float(mask_utils.area(mask_utils.merge([rle, inst_rle], intersect=True)))
        if overlap > best_overlap:
            best, best_overlap = cat_id, overlap
    if best is not None:
        return best
    if image_categories:
        return max(set(image_categories), key=lambda c: (image_categories.count(c), -c))
    return fallback


def _annotations(rec, image_id, categories, next_id, problems):
    """COCO annotations of one image (crowd regions after the instances they borrow a category from)."""
    h, w = rec.height, rec.width
    plain, crowd, anns = [], [], []
    for k, inst in enumerate(rec.instances):
        rle = mask_utils.merge(mask_utils.frPyObjects(inst.polygons, h, w))
        if mask_utils.area(rle) == 0:
            problems.add(rec.json_path, f"instance {k} (label {inst.label!r}) covers no pixel inside the image",
                         hint="redraw the shape inside the image or delete it")
            continue
        (crowd if inst.crowd else plain).append((inst, rle))
    for inst, rle in plain:
        cat_id = categories.setdefault(inst.label, len(categories) + 1)
        anns.append({"id": next_id + len(anns), "image_id": image_id, "category_id": cat_id,
                     "segmentation": [[round(v, 2) for v in p] for p in inst.polygons],
                     "area": float(mask_utils.area(rle)),
                     "bbox": [round(float(v), 2) for v in mask_utils.toBbox(rle)], "iscrowd": 0})
    owners = [(a["category_id"], rle) for a, (_, rle) in zip(anns, plain)]
    for inst, rle in crowd:
        cat_id = _crowd_category(rle, owners, [a["category_id"] for a in anns], 1)
        anns.append({"id": next_id + len(anns), "image_id": image_id, "category_id": cat_id,
                     "segmentation": mask_to_rle(mask_utils.decode(rle)), "area": float(mask_utils.area(rle)),
                     "bbox": [round(float(v), 2) for v in mask_utils.toBbox(rle)], "iscrowd": 1})
    return anns


def convert_labelme(root, seed=0, report_path=None):
    """Convert a LabelMe instance data set under `root` to COCO; returns a summary dict.

    Raises:
        DatasetError: naming the first problem (all are written to `report_path` when given).
    """
    root = Path(root)
    problems = Problems()
    splits = dict(zip(("train", "val"), split_lists(root, seed, problems)))
    problems.raise_if_any(report_path)
    outputs = {annotation_file(root, s).resolve() for s in ("train", "val")}
    records, seen = {}, {}
    for split, paths in splits.items():
        for path in paths:
            if path in outputs:
                problems.add(path, "this LabelMe file has the name of a COCO file the conversion writes",
                             hint="rename the LabelMe JSON (and its line in the list)")
                continue
            if path in seen:
                problems.add(path, f"listed twice (already in the {seen[path]} list)",
                             hint="list each JSON once, in one of the lists")
                continue
            seen[path] = split
            doc = load_json(path, problems)
            rec = read_labelme(path, doc, root, problems) if doc is not None else None
            if rec is not None:
                records.setdefault(split, []).append(rec)
    problems.raise_if_any(report_path)
    categories, docs, copies, names = {}, {}, [], {}
    image_id, ann_id = 1, 1
    for split in ("train", "val"):
        images, anns = [], []
        for rec in records.get(split, []):
            name, needs_copy = _target_name(rec, root)
            if name in names:
                problems.add(rec.json_path, f"its image would be images/{name}, as for {names[name]}",
                             hint="give the images distinct file names")
                continue
            names[name] = rec.json_path
            if needs_copy:
                copies.append((rec, root / IMAGE_DIR / name))
            images.append({"id": image_id, "file_name": name, "width": rec.width, "height": rec.height})
            new = _annotations(rec, image_id, categories, ann_id, problems)
            anns.extend(new)
            image_id, ann_id = image_id + 1, ann_id + len(new)
        docs[split] = (images, anns)
    for rec, target in copies:
        if target.exists() and not _same_image(rec, target):
            problems.add(rec.json_path, f"{target} exists and differs from the image the JSON refers to",
                         hint="rename one of the two images")
    if not categories:
        problems.add(root / TRAIN_LIST, "no labelled instance in any listed file",
                     hint="label at least one polygon with a class name other than __ignore__")
    problems.raise_if_any(report_path)
    written = _write(root, docs, categories, copies)
    return {split: {"images": len(docs[split][0]), "annotations": len(docs[split][1])} for split in docs} | {
        "categories": list(categories), "copied_images": written}


def _same_image(rec, target):
    """Does the existing `target` already hold the image of `rec` (e.g. from an earlier conversion)?"""
    if rec.image_path is None:
        return target.read_bytes() == rec.image_bytes
    with Image.open(target) as done:
        if done.size != (rec.width, rec.height):
            return False
    return same_picture(rec.image_path, target)


def _write(root, docs, categories, copies):
    """Write the image copies and both COCO files; returns how many images were newly written."""
    written = 0
    for rec, target in copies:
        if target.exists():
            continue  # the same image, checked above
        written += 1
        target.parent.mkdir(parents=True, exist_ok=True)
        if rec.image_path is not None and rec.exif_rotated:
            # The polygons were drawn on the rotated view: store those pixels, so no reader can disagree.
            with Image.open(rec.image_path) as im:
                upright(im).save(target, quality=95)
        elif rec.image_path is not None:
            shutil.copy2(rec.image_path, target)
        else:
            write_bytes_atomic(target, rec.image_bytes)
    cats = [{"id": i, "name": n, "supercategory": ""} for n, i in categories.items()]
    for split, (images, anns) in docs.items():
        doc = {"images": images, "annotations": anns, "categories": cats}
        write_text_keeping_backup(annotation_file(root, split), json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
    return written
