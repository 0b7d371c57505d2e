"""LabelMe input side shared by the semantic and instance conversions: the anno lists and where an image is.

PaddleX's layouts: `train_anno_list.txt` / `val_anno_list.txt` list LabelMe JSONs relative to the data set root.
The image a JSON names (`imagePath`) is looked for, in this order:
  1. `imagePath` relative to the JSON's folder (labelme's own meaning; Windows separators accepted);
  2. the file of that base name next to the JSON (folders moved after annotating, absolute paths of the
     annotator's machine);
  3. `<root>/images/<base name>` (PaddleX's instance layout: `images/` beside `annotations/`, `imagePath` naming
     the file only; the instance checker reads `images/<file_name>` after conversion).
Two different files of that name next to the JSON and in `images/` are ambiguous: an error naming both (an upright
copy written by an earlier conversion of an EXIF-rotated image counts as the same picture).
"""
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from ..errors import DatasetError
from .fs import normalise_rel, safe_join
from .images import same_picture

TRAIN_LIST, VAL_LIST, TEST_LIST = "train_anno_list.txt", "val_anno_list.txt", "test_anno_list.txt"
IMAGE_DIR = "images"


def read_anno_list(root, name, problems):
    """JSON paths listed in `<root>/<name>`, in order; bad lines go to `problems` (file, 'line N').

    A line is a path relative to the root; when the whole line is not a file, its last whitespace-separated token
    is the path (PaddleX's rule, which lets lines carry a prefix).
    """
    root = Path(root)
    path = root / name
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8-sig", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        rel = line.strip() if (root / normalise_rel(line.strip())).is_file() else line.split()[-1]
        try:
            json_path = safe_join(root, rel)
        except DatasetError:
            problems.add(path, f"{rel!r} points outside the data set directory {root}", where=f"line {n}",
                         hint="list paths relative to the data set folder, without '..'")
            continue
        if not json_path.is_file():
            problems.add(path, f"listed file {rel!r} not found", where=f"line {n}",
                         hint="list LabelMe JSON paths relative to the data set folder")
            continue
        out.append(json_path)
    return out


@dataclass
class ImageLookup:
    """Where the image of a LabelMe JSON is: `path` (None if not found), or an `error` (with `hint`).

    `escaped` tells that imagePath pointed outside the data set (and no file of its name was found inside).
    """

    path: Path = None
    error: str = None
    hint: str = None
    escaped: bool = False
    looked_in: tuple = ()


def _inside(root, candidate):
    return candidate == root or root in candidate.parents


def _usable(path):
    # apc2016's imagePath names the JSON itself: never an image, fall through to imageData
    return path is not None and path.is_file() and path.suffix.lower() != ".json"


def find_image(json_path, image_path, root):
    """Find the image named by a LabelMe JSON's `imagePath` (see the module docstring); returns an ImageLookup."""
    root = Path(root).resolve()
    json_path = Path(json_path)
    raw = image_path.strip() if isinstance(image_path, str) else ""
    if not raw:
        return ImageLookup()
    norm = normalise_rel(raw)
    name = PurePosixPath(norm).name
    direct = None
    if not PureWindowsPath(raw).drive:
        direct = (json_path.parent / norm).resolve()
    escaped = direct is None or not _inside(root, direct)
    beside = json_path.parent / name
    in_images = root / IMAGE_DIR / name
    looked = tuple(str(p) for p in (direct, beside, in_images) if p is not None)
    near = direct if not escaped and _usable(direct) else (beside if _usable(beside) else None)
    if near is not None and near.parent.resolve() == (root / IMAGE_DIR).resolve():
        return ImageLookup(near, looked_in=looked)  # already in images/: nothing to compare
    if near is not None and near.parent.resolve() == json_path.parent.resolve() and _usable(in_images) \
            and not same_picture(near, in_images):
        return ImageLookup(error=f"image {name!r} exists next to the JSON ({near}) and in {IMAGE_DIR}/ "
                                 f"({in_images}), and the two files differ", hint="keep one image of that name "
                           "(delete or rename the other), so it is clear which one was annotated",
                           looked_in=looked)
    if near is not None:
        return ImageLookup(near, looked_in=looked)
    if _usable(in_images):
        return ImageLookup(in_images, looked_in=looked)
    return ImageLookup(escaped=escaped, looked_in=looked)
