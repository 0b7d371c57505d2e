"""Write a corrected copy of a SegDataset: the repairs the label doctor recommends, never in place.

Repairs (applied in this order to every label): decode to single-channel ids (RGB with R=G=B -> one channel,
VOC-palette colours -> ids, --colour-map colours -> ids, alpha dropped), --snap to the nearest allowed value
(JPEG noise), --map OLD:NEW, --shift N (255 stays 255; ids pushed below 0 become 255). --auto picks the repairs
from what the doctor finds: 0/255 masks -> 255:1, ids starting at 1 -> shift -1, noisy JPEG 0/255 masks -> snap.
"""
import shutil
from pathlib import Path

import numpy as np
from PIL import Image

from ....errors import DatasetError
from ....utils.labels import IGNORE_INDEX as IGNORE
from ....vis.palette import palette_image
from ...base.problems import Problems
from . import doctor
from .lists import SPLITS, read_list

_COPY_ALONG = ("class_name.txt", "class_name_to_id.txt", "labels.txt")


def read_colour_map(path):
    """{packed rgb: id} from lines 'R,G,B id' (commas or spaces)."""
    table = {}
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        parts = line.replace(",", " ").split()
        if not parts or parts[0].startswith("#"):
            continue
        if len(parts) != 4 or not all(p.isdigit() for p in parts):
            raise DatasetError(f"{path}:{number}: expected 'R,G,B id', got {line!r}.", hint="e.g. '128,0,0 1'")
        r, g, b, i = map(int, parts)
        table[(r << 16) | (g << 8) | b] = i
    return table


def decode_ids(path, colour_map=None):
    """A label file as a (H, W) integer id map, whatever its encoding; raises DatasetError if impossible."""
    with Image.open(path) as im:
        im.load()
        if colour_map and im.mode not in ("L", "P"):
            packed = doctor.pack_rgb(np.asarray(im.convert("RGB")))
            colours, inverse = np.unique(packed, return_inverse=True)
            missing = [c for c in colours.tolist() if c not in colour_map]
            if missing:
                c = missing[0]
                raise DatasetError(f"{path}: colour ({c >> 16},{(c >> 8) & 255},{c & 255}) is not in the colour map.",
                                   hint="add a line 'R,G,B id' for it")
            return np.asarray([colour_map[c] for c in colours.tolist()], np.int64)[inverse].reshape(packed.shape)
        ids, kind = doctor.to_label_ids(im)
        if ids is None and kind == "wide":
            return np.asarray(im).astype(np.int64)
    if ids is None:
        raise DatasetError(f"{path}: colours are not VOC palette colours, so ids cannot be recovered.",
                           hint="pass --colour-map colours.txt with one 'R,G,B id' line per colour")
    return ids.astype(np.int64)


def apply_repairs(ids, snap=None, mapping=None, shift=0):
    """Snap, map and shift an id map; returns uint8 (raises DatasetError if ids stay outside 0..255)."""
    if snap:
        allowed = np.asarray(sorted(snap), np.int64)
        ids = allowed[np.abs(ids[..., None] - allowed).argmin(-1)]
    if mapping:
        out = ids.copy()
        for old, new in mapping.items():
            out[ids == old] = new
        ids = out
    if shift:
        keep = ids == IGNORE
        ids = np.where(keep, IGNORE, ids + shift)
        ids[(ids < 0) | (ids > IGNORE - 1) & ~keep] = IGNORE
    if ids.size and (ids.min() < 0 or ids.max() > 255):
        raise DatasetError(f"ids up to {ids.max()} remain after the repairs.", hint="add --map OLD:NEW entries")
    return ids.astype(np.uint8)


def _plan_auto(entries, colour_map, near_binary_jpeg):
    """Choose snap/map/shift from the whole data set, as the doctor would diagnose it."""
    union, jpeg_binary = set(), True
    for e in entries:
        ids = decode_ids(e.label, colour_map)
        union |= set(np.unique(ids).tolist())
        if e.label_rel.lower().endswith((".jpg", ".jpeg")):
            jpeg_binary &= doctor.looks_binary(np.clip(ids, 0, 255).astype(np.uint8))
        else:
            near_binary_jpeg = False
    snap = (0, IGNORE) if near_binary_jpeg and jpeg_binary else None
    if snap:
        union = {0, IGNORE}
    mapping, shift = {}, 0
    if union <= {0, IGNORE} and IGNORE in union:
        mapping = {IGNORE: 1}
    elif 0 not in union and union - {IGNORE}:
        shift = -1
    return snap, mapping, shift


def fix_dataset(src, out, auto=False, snap=None, mapping=None, shift=0, colour_map=None, log=print):
    """Copy the SegDataset at `src` to the NEW directory `out`, repairing every label.

    Returns:
        Number of labels written.
    """
    src, out = Path(src).resolve(), Path(out).resolve()
    if out == src or src in out.parents or (out.exists() and any(out.iterdir())):
        raise DatasetError(f"output {out} must be a new (or empty) directory outside {src}.",
                           hint="choose another --out; the original data set is never modified")
    problems = Problems()
    reports = {s: read_list(src, s, problems, require=False) for s in SPLITS}
    problems.raise_if_any()
    entries = [e for s in SPLITS for e in reports[s].entries]
    if not entries:
        raise DatasetError(f"{src}: no train.txt/val.txt entries to fix.", hint="run the split or conversion first")
    colours = read_colour_map(colour_map) if colour_map else None
    if auto:
        a_snap, a_map, a_shift = _plan_auto(entries, colours, True)
        snap, mapping, shift = snap or a_snap, {**a_map, **(mapping or {})}, shift or a_shift
    log(f"repairs: snap={list(snap) if snap else None} map={mapping or None} shift={shift or 0}")
    written, new_label = 0, {}
    for e in entries:
        if e.label not in new_label:
            rel = Path(e.label_rel.replace("\\", "/")).with_suffix(".png").as_posix()
            target = out / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            ids = apply_repairs(decode_ids(e.label, colours), snap, mapping, shift)
            palette_image(ids).save(target)  # P-mode PNG: pixel values are the ids, viewers show colours
            new_label[e.label], written = rel, written + 1
        image_target = out / e.image_rel.replace("\\", "/")
        if not image_target.exists():
            image_target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(e.image, image_target)
    for split in SPLITS:
        lines = [f"{e.image_rel.replace(chr(92), '/')} {new_label[e.label]}" for e in reports[split].entries]
        if reports[split].path.is_file():
            (out / f"{split}.txt").write_text("\n".join(lines) + ("\n" if lines else ""), encoding="utf-8")
    for name in _COPY_ALONG:
        if (src / name).is_file():
            shutil.copy2(src / name, out / name)
    log(f"wrote {written} corrected labels and {len(entries)} list entries to {out}")
    return written
