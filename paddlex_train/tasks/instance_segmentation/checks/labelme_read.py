"""Reading one LabelMe JSON: its image (file or embedded imageData) and its shapes grouped into instances.

Shapes sharing (label, group_id) form ONE instance (a multi-polygon), as labelme's own labelme2coco does;
`__ignore__` shapes become crowd regions. Only polygon and rectangle shapes are accepted.
"""
import base64
import io
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from ....utils.images import exif_rotated, image_sizes
from ....utils.labelme import IMAGE_DIR, find_image

IGNORE_LABEL = "__ignore__"
ACCEPTED_SHAPES = ("polygon", "rectangle")


@dataclass
class Instance:
    """One future COCO annotation: a label, its polygons (flat [x1, y1, ...] lists) and whether it is crowd."""

    label: str
    polygons: list = field(default_factory=list)
    crowd: bool = False


@dataclass
class LabelMeImage:
    """A parsed LabelMe file: where its image is (or its embedded bytes), its size and its instances."""

    json_path: Path
    image_path: Path = None
    image_bytes: bytes = None
    image_ext: str = ".jpg"
    width: int = 0
    height: int = 0
    exif_rotated: bool = False
    instances: list = field(default_factory=list)


def _shape_polygon(shape, k, path, problems):
    """Flat polygon of a polygon/rectangle shape, or None (problem recorded)."""
    label = shape.get("label")
    kind = shape.get("shape_type") or "polygon"  # LabelMe < 3 wrote no shape_type: those are polygons
    where = f"shape {k} (label {label!r})"
    if kind not in ACCEPTED_SHAPES:
        problems.add(path, f"{kind} shapes cannot be converted; only polygon and rectangle are supported",
                     where=where, hint=f"redraw the {kind} as a polygon in LabelMe, or delete it")
        return None
    points = shape.get("points")
    ok = isinstance(points, list) and all(isinstance(p, (list, tuple)) and len(p) == 2 and
                                          all(isinstance(v, (int, float)) for v in p) for p in points)
    if not ok:
        problems.add(path, "points must be a list of [x, y] pairs", where=where, hint="re-save the file in LabelMe")
        return None
    if kind == "rectangle":
        if len(points) != 2:
            problems.add(path, f"a rectangle needs 2 points, got {len(points)}", where=where,
                         hint="redraw the rectangle")
            return None
        (xa, ya), (xb, yb) = points
        x1, x2, y1, y2 = min(xa, xb), max(xa, xb), min(ya, yb), max(ya, yb)
        return [x1, y1, x2, y1, x2, y2, x1, y2]
    if len(points) < 3:
        problems.add(path, f"a polygon needs at least 3 points, got {len(points)}", where=where,
                     hint="redraw the polygon or delete it")
        return None
    return [float(v) for p in points for v in p]


def _clip(poly, w, h):
    """LabelMe lets points stray past the border; clip them onto it (COCO masks live inside the image)."""
    return [min(max(v, 0.0), float(w if i % 2 == 0 else h)) for i, v in enumerate(poly)]


def _locate_image(doc, path, root, problems, rec):
    raw = doc.get("imagePath")
    found = find_image(path, raw, root)
    if found.error:
        problems.add(path, found.error, where="imagePath", hint=found.hint)
        return False
    candidate = found.path
    if candidate is not None:
        rec.image_path = candidate
        try:
            with Image.open(candidate) as im:
                # LabelMe shows (and annotates) images with their EXIF orientation applied.
                rec.width, rec.height = image_sizes(im)[1]
                rec.exif_rotated = exif_rotated(im)
            return True
        except (OSError, UnidentifiedImageError) as e:
            problems.add(path, f"image {candidate} cannot be read ({e})", where="imagePath",
                         hint="replace the corrupt image")
            return False
    if isinstance(doc.get("imageData"), str) and doc["imageData"]:
        try:
            data = base64.b64decode(doc["imageData"], validate=False)
            with Image.open(io.BytesIO(data)) as im:
                rec.width, rec.height = im.size
                rec.image_ext = ".png" if im.format == "PNG" else ".jpg"
                rec.image_bytes = data if im.format in ("JPEG", "PNG") else None
                if rec.image_bytes is None:  # other formats are re-encoded as PNG
                    buf = io.BytesIO()
                    im.save(buf, "PNG")
                    rec.image_bytes, rec.image_ext = buf.getvalue(), ".png"
            return True
        except (OSError, ValueError, UnidentifiedImageError) as e:
            problems.add(path, f"imageData cannot be decoded ({e})", where="imageData",
                         hint="re-save the file in LabelMe")
            return False
    if found.escaped:
        problems.add(path, f"imagePath {raw!r} points outside the data set directory {root}", where="imagePath",
                     hint="keep images inside the data set folder; imagePath is relative to the JSON's folder")
        return False
    problems.add(path, f"image {raw!r} not found (looked in: {', '.join(found.looked_in) or 'nowhere'}) and no "
                 "imageData is embedded", where="imagePath",
                 hint="put the image where imagePath points (relative to the JSON's folder), next to the JSON, "
                      f"or in {IMAGE_DIR}/ under the data set folder")
    return False


def read_labelme(path, doc, root, problems):
    """Parse a loaded LabelMe document into a LabelMeImage, or None when it has problems (recorded)."""
    rec = LabelMeImage(Path(path))
    if not isinstance(doc, dict) or not isinstance(doc.get("shapes"), list):
        problems.add(path, "not a LabelMe file (no 'shapes' list)", hint="list LabelMe JSON files only")
        return None
    before = problems.total
    if not _locate_image(doc, rec.json_path, root, problems, rec):
        return None
    jw, jh = doc.get("imageWidth"), doc.get("imageHeight")
    if (jw, jh) != (None, None) and (jw, jh) != (rec.width, rec.height):
        problems.add(path, f"imageWidth x imageHeight {jw}x{jh} differ from the image's {rec.width}x{rec.height}",
                     hint="the annotations were made on another image; re-annotate or fix imagePath")
        return None
    groups = {}
    for k, shape in enumerate(doc["shapes"]):
        if not isinstance(shape, dict) or not isinstance(shape.get("label"), str):
            problems.add(path, "shape without a string label", where=f"shape {k}", hint="label every shape")
            continue
        poly = _shape_polygon(shape, k, path, problems)
        if poly is None:
            continue
        label, gid = shape["label"], shape.get("group_id")
        key = (label, gid) if gid is not None else ("#shape", k)
        if key not in groups:
            groups[key] = Instance(label, crowd=(label == IGNORE_LABEL))
            rec.instances.append(groups[key])
        groups[key].polygons.append(_clip(poly, rec.width, rec.height))
    return rec if problems.total == before else None
