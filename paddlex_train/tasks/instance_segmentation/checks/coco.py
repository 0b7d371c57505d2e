"""Loading and validating COCO instance-segmentation files (structure, ids, images, masks, boxes).

Every problem goes into a Problems collector with the file, the annotation/image id and a hint; nothing here
raises on bad user data, so one run reports everything.
"""
import json
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from ....errors import DatasetError
from ....utils.fs import safe_join
from ....utils.images import image_sizes
from .masks import SegmentationError, bbox_matches, rle_bbox, segmentation_to_rle

SPLITS = ("train", "val")
IMAGE_DIR = "images"


def annotation_file(root, split):
    """<root>/annotations/instance_<split>.json."""
    return Path(root) / "annotations" / f"instance_{split}.json"


@dataclass
class CocoSet:
    """One validated COCO file: images by id, categories by id, annotations in file order."""

    path: Path
    images: dict = field(default_factory=dict)
    categories: dict = field(default_factory=dict)
    annotations: list = field(default_factory=list)

    def anns_by_image(self):
        """image id -> list of its annotations."""
        out = {i: [] for i in self.images}
        for ann in self.annotations:
            out.setdefault(ann["image_id"], []).append(ann)
        return out


def load_json(path, problems):
    """Parse `path` as JSON; on failure record a problem (with line and column) and return None."""
    path = Path(path)
    if not path.is_file():
        problems.add(path, "file not found", hint=f"create {path.name} in {path.parent} (COCO instance format)")
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        problems.add(path, f"invalid JSON: {e.msg}", where=f"line {e.lineno} col {e.colno}",
                     hint="fix the JSON syntax (a JSON linter shows the spot)")
    except UnicodeDecodeError as e:
        problems.add(path, f"not UTF-8 text ({e.reason} at byte {e.start})", hint="save the file as UTF-8")
    return None


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _table(doc, key, path, problems):
    value = doc.get(key)
    if not isinstance(value, list):
        problems.add(path, f"top-level '{key}' must be a list, got {type(value).__name__}",
                     hint="a COCO file holds 'images', 'annotations' and 'categories' lists")
        return None
    return value


def _check_categories(cats, path, problems, out):
    if not cats:
        problems.add(path, "'categories' is empty", hint="list every class as {\"id\": 1, \"name\": \"...\"}")
    names = {}
    for k, cat in enumerate(cats):
        if not isinstance(cat, dict) or not _is_int(cat.get("id")) or not isinstance(cat.get("name"), str):
            problems.add(path, "category needs an integer 'id' and a string 'name'", where=f"categories[{k}]",
                         hint='write {"id": 1, "name": "cat"}')
        elif cat["id"] in out.categories:
            problems.add(path, f"duplicate category id {cat['id']}", where=f"categories[{k}]",
                         hint="give every category its own id")
        elif cat["name"] in names:
            problems.add(path, f"category name {cat['name']!r} used by ids {names[cat['name']]} and {cat['id']}",
                         where=f"categories[{k}]", hint="give every category its own name")
        else:
            out.categories[cat["id"]] = cat["name"]
            names[cat["name"]] = cat["id"]


def _image_size(file, image_cache):
    if file not in image_cache:
        try:
            with Image.open(file) as im:
                image_cache[file] = image_sizes(im)
        except (OSError, UnidentifiedImageError) as e:
            image_cache[file] = e
    return image_cache[file]


def _check_images(imgs, root, path, problems, out, image_cache):
    image_dir = Path(root) / IMAGE_DIR
    have_folder = image_dir.is_dir()
    by_name = {}
    if imgs and not have_folder:
        # One clear message instead of one "not found" per image; annotations are still checked.
        problems.add(image_dir, "image folder not found",
                     hint=f"put the images of {path.name} in {image_dir} (file_name is relative to it)")
    for k, img in enumerate(imgs):
        if not isinstance(img, dict) or not _is_int(img.get("id")):
            problems.add(path, "image entry needs an integer 'id'", where=f"images[{k}]",
                         hint='write {"id": 1, "file_name": "a.jpg", "width": W, "height": H}')
            continue
        where = f"image id={img['id']}"
        if img["id"] in out.images:
            problems.add(path, f"duplicate image id {img['id']}", where=where, hint="give every image its own id")
            continue
        name, w, h = img.get("file_name"), img.get("width"), img.get("height")
        if not isinstance(name, str) or not name.strip():
            problems.add(path, "image has no 'file_name'", where=where, hint="name the file under images/")
            continue
        if not (_is_int(w) and _is_int(h) and w > 0 and h > 0):
            problems.add(path, f"{name}: width/height must be positive integers, got {w!r}/{h!r}", where=where,
                         hint="store the image's pixel size")
            continue
        if name in by_name:
            problems.add(path, f"file_name {name!r} is already used by image id {by_name[name]}", where=where,
                         hint="list each image once and give all its annotations that image's id")
            continue
        by_name[name] = img["id"]
        if "\\" in name:
            problems.add(path, f"file_name {name!r} uses backslashes", where=where,
                         hint="write file_name with '/' separators (training on Linux reads it verbatim)")
            continue
        if not have_folder:  # no image folder: trust width/height so the annotations can still be checked
            out.images[img["id"]] = img
            continue
        try:
            file = safe_join(image_dir, name)
        except DatasetError:
            problems.add(path, f"file_name {name!r} points outside the data set's {IMAGE_DIR}/ folder", where=where,
                         hint=f"use paths relative to {image_dir}, without '..'")
            continue
        size = _image_size(file, image_cache) if file.is_file() else None
        if size is None:
            problems.add(path, f"image file {IMAGE_DIR}/{name} not found", where=where,
                         hint=f"put the image in {image_dir} or fix file_name")
            continue
        if isinstance(size, Exception):
            problems.add(path, f"image file {IMAGE_DIR}/{name} cannot be read ({size})", where=where,
                         hint="replace the corrupt image")
            continue
        stored, shown = size
        if (w, h) != shown and (w, h) == stored:
            problems.add(path, f"{name} is stored as {w}x{h} but its EXIF orientation turns it into "
                         f"{shown[0]}x{shown[1]}, which is what training (OpenCV) reads", where=where,
                         hint="annotate the rotated view and store its size, or save the image without the "
                         "EXIF orientation tag")
            continue
        if (w, h) != shown:
            problems.add(path, f"{name} is {shown[0]}x{shown[1]} but the annotation says {w}x{h}", where=where,
                         hint="set width/height to the real image size")
            continue
        out.images[img["id"]] = img


def _check_annotation(ann, path, problems, out):
    """Record every problem of one annotation; True when it has none (only then is it counted and drawn)."""
    before = problems.total
    where = f"annotation id={ann['id']}"
    image = out.images.get(ann.get("image_id"))
    if ann.get("image_id") not in out.images:
        problems.add(path, f"image_id {ann.get('image_id')!r} is not a valid image of this file", where=where,
                     hint="point image_id at an entry of 'images' (or fix that image's problem)")
    if ann.get("category_id") not in out.categories:
        problems.add(path, f"category_id {ann.get('category_id')!r} is not in 'categories'", where=where,
                     hint="add the category or fix category_id")
    if ann.get("iscrowd", None) not in (0, 1) or isinstance(ann.get("iscrowd"), bool):
        problems.add(path, f"iscrowd must be 0 or 1, got {ann.get('iscrowd', 'nothing')!r}", where=where,
                     hint="set iscrowd: 0 for ordinary instances, 1 for crowd (ignored) regions")
    area = ann.get("area")
    if not (isinstance(area, (int, float)) and not isinstance(area, bool) and area >= 0):
        problems.add(path, f"area must be a non-negative number, got {area!r}", where=where,
                     hint="store the mask's pixel count (pycocotools.mask.area)")
    bbox = ann.get("bbox")
    if not (isinstance(bbox, list) and len(bbox) == 4 and all(isinstance(v, (int, float)) for v in bbox)):
        problems.add(path, f"bbox must be [x, y, width, height], got {bbox!r}", where=where,
                     hint="store the mask's box (pycocotools.mask.toBbox)")
        bbox = None
    if image is None:
        return False
    try:
        rle = segmentation_to_rle(ann.get("segmentation"), image["height"], image["width"])
    except SegmentationError as e:
        problems.add(path, f"{image['file_name']}: {e}", where=where, hint=e.hint)
        return False
    if bbox is not None and not bbox_matches(bbox, rle_bbox(rle)):
        mask_box = [round(v, 1) for v in rle_bbox(rle)]
        problems.add(path, f"bbox {bbox} does not match its mask's box {mask_box}", where=where,
                     hint="recompute bbox from the segmentation (pycocotools.mask.toBbox)")
        return False
    return problems.total == before


def validate_coco(doc, path, root, problems, image_cache=None):
    """Validate one parsed COCO file; problems go to `problems`. Returns the CocoSet of the valid entries."""
    out = CocoSet(Path(path))
    if not isinstance(doc, dict):
        problems.add(path, f"top level must be a JSON object, got {type(doc).__name__}",
                     hint="a COCO file is {\"images\": [...], \"annotations\": [...], \"categories\": [...]}")
        return out
    imgs, anns, cats = (_table(doc, key, path, problems) for key in ("images", "annotations", "categories"))
    if cats is not None:
        _check_categories(cats, path, problems, out)
    if imgs is not None:
        _check_images(imgs, root, path, problems, out, {} if image_cache is None else image_cache)
    seen = set()
    for k, ann in enumerate(anns or []):
        if not isinstance(ann, dict) or not _is_int(ann.get("id")):
            problems.add(path, "annotation needs an integer 'id'", where=f"annotations[{k}]",
                         hint="give every annotation a unique integer id")
            continue
        if ann["id"] in seen:
            problems.add(path, f"duplicate annotation id {ann['id']}", where=f"annotation id={ann['id']}",
                         hint="give every annotation its own id")
            continue
        seen.add(ann["id"])
        if _check_annotation(ann, path, problems, out):
            out.annotations.append(ann)
    return out


def load_split(root, split, problems, image_cache=None):
    """Load and validate annotations/instance_<split>.json under `root`."""
    path = annotation_file(root, split)
    if not path.is_file() and (Path(root) / "train_anno_list.txt").is_file():
        problems.add(path, "file not found, but train_anno_list.txt is there (a LabelMe data set?)",
                     hint="convert it first: -o CheckDataset.convert.enable=True "
                     "-o CheckDataset.convert.src_dataset_type=LabelMe")
        return CocoSet(path)
    doc = load_json(path, problems)
    if doc is None:
        return CocoSet(path)
    return validate_coco(doc, path, root, problems, image_cache)


def check_same_categories(sets, problems):
    """Train and val must share one category table, or class indices would differ between them."""
    first = sets[0]
    for other in sets[1:]:
        if first.categories and other.categories and first.categories != other.categories:
            diff = sorted(set(first.categories.items()) ^ set(other.categories.items()))[:3]
            problems.add(other.path, f"categories differ from {first.path.name} (e.g. {diff})",
                         hint="use the same 'categories' list in instance_train.json and instance_val.json")
