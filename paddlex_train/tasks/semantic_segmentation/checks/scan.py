"""Inspect every image/label pair, in parallel: image size from the header, labels decoded for their ids.

The worker returns only small results (problems, present ids and their pixel counts), so the parent can
aggregate 1000s of pairs cheaply. Sample overlays are drawn in the worker that already holds the label.
"""
import multiprocessing
import os
import sys
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, UnidentifiedImageError

from ....utils.images import image_sizes, upright
from . import doctor

# Below this many pairs a process pool costs more than it saves.
_POOL_MIN_PAIRS = 48
_TAIL = 1024


@dataclass
class PairJob:
    """What a worker needs for one pair (plain values, cheap to pickle)."""

    split: str
    index: int
    image_rel: str
    label_rel: str
    image: str
    label: str
    render: str = None
    root: str = "<dataset_dir>"


@dataclass
class PairResult:
    """What a worker found: problems [(kind, message, hint)], present ids with pixel counts, the render."""

    split: str
    index: int
    problems: list = field(default_factory=list)
    ids: np.ndarray = None
    pixels: np.ndarray = None
    kind: str = "ok"
    near_binary: bool = False
    rendered: bool = False


def _truncated(path, fmt):
    """Cheap end-of-file check for the formats whose end marker is known (no pixel decoding)."""
    marker = {"JPEG": b"\xff\xd9", "PNG": b"IEND"}.get(fmt)
    if marker is None:
        return False
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        f.seek(max(0, f.tell() - _TAIL))
        return marker not in f.read()


def _image_size(job, res):
    """(width, height) after EXIF rotation, read from the header; None (and a problem) if unreadable."""
    try:
        with Image.open(job.image) as im:
            size = image_sizes(im)[1]  # as displayed (EXIF orientation applied), from the header
            fmt = im.format
    except FileNotFoundError:
        res.problems.append(("missing", f"image {job.image_rel} does not exist", "fix the path or add the file"))
        return None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as e:
        res.problems.append(("unreadable", f"image {job.image_rel} is not a readable image ({_short(e)})",
                             "replace the file with a valid JPEG/PNG"))
        return None
    if _truncated(job.image, fmt):
        res.problems.append(("unreadable", f"image {job.image_rel} is truncated (no end-of-{fmt} marker)",
                             "re-copy or re-export the image"))
        return None
    return size


def _short(error):
    return " ".join(str(error).split())[:120] or type(error).__name__


def _load_label(job, res):
    """Decode the label: (id map or None, (256,) pixel counts or None, (width, height)), recording problems.

    The common case (8-bit L/P PNG) counts ids with PIL's C histogram and builds no numpy map unless a
    sample is rendered from it.
    """
    ids = counts = None
    try:
        with Image.open(job.label) as im:
            im.load()
            mode, fmt, size = im.mode, im.format, im.size
            jpeg = fmt == "JPEG" or job.label_rel.lower().endswith((".jpg", ".jpeg"))
            if mode in ("L", "P") and not jpeg:
                kind = "ok"
                counts = np.asarray(im.histogram()[:256], dtype=np.int64)
                ids = np.asarray(im) if job.render else None
            else:
                ids, kind = doctor.to_label_ids(im)
    except FileNotFoundError:
        res.problems.append(("missing", f"label {job.label_rel} does not exist", "fix the path or add the file"))
        return None, None, None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as e:
        res.problems.append(("unreadable", f"label {job.label_rel} is not a readable image (corrupt or "
                             f"truncated: {_short(e)})", "re-export the label as PNG"))
        return None, None, None
    if jpeg:
        res.near_binary = doctor.looks_binary(ids)
        extra = " (it looks like a 0/255 mask)" if res.near_binary else ""
        res.problems.append(("jpeg", *doctor.label_kind_problem("jpeg", job.label_rel, mode, extra, job.root)))
        kind = "jpeg"
    elif kind != "ok":
        res.problems.append((kind, *doctor.label_kind_problem(kind, job.label_rel, mode, root=job.root)))
    if counts is None and ids is not None:
        counts = np.bincount(ids.ravel(), minlength=256)
    res.kind = kind
    return ids, counts, size


def _render(job, ids):
    """Blend 0.6 image + 0.4 pseudo-colour (PaddleX's look, same pixels as vis.palette.overlay) and save a JPEG.

    PIL's C blend of the palette image is ~3x faster than the float overlay, and JPEG previews encode ~10x
    faster than PNG; on small data sets these renders are most of the check time.
    """
    from ....vis.palette import palette_image

    with Image.open(job.image) as im:
        rgb = upright(im).convert("RGB")
    os.makedirs(os.path.dirname(job.render), exist_ok=True)
    Image.blend(rgb, palette_image(ids).convert("RGB"), 0.4).save(job.render, quality=90)


def inspect_pair(job):
    """Check one pair; returns a PairResult. Never raises for bad data (problems are recorded instead)."""
    try:
        return _inspect(job)
    except Exception as e:  # noqa: BLE001  (e.g. PIL's DecompressionBombError: one bad file must not kill the pool)
        res = PairResult(job.split, job.index)
        res.problems.append(("unreadable", f"pair {job.image_rel} / {job.label_rel} could not be checked "
                             f"({type(e).__name__}: {_short(e)})", "inspect or re-export these files"))
        return res


def _inspect(job):
    res = PairResult(job.split, job.index)
    size = _image_size(job, res)
    ids, counts, label_size = _load_label(job, res)
    if counts is not None:
        res.ids = np.flatnonzero(counts).astype(np.uint8)
        res.pixels = counts[res.ids]
        if size is not None and label_size != size:
            (lw, lh), (iw, ih) = label_size, size
            hint = ("the image is EXIF-rotated or the label was saved transposed; re-export the label at the "
                    "image's orientation") if (lh, lw) == size else \
                "labels must be pixel-aligned with their image; regenerate the label at the image size " \
                "(resize with nearest-neighbour if you must)"
            res.problems.append(("size", f"label {job.label_rel} is {lw}x{lh} but image {job.image_rel} is "
                                 f"{iw}x{ih}", hint))
    if job.render and not res.problems and ids is not None:
        try:
            _render(job, ids)
            res.rendered = True
        except (OSError, ValueError) as e:
            res.problems.append(("unreadable", f"image {job.image_rel} cannot be decoded ({_short(e)})",
                                 "re-copy or re-export the image"))
    return res


def _workers(n_jobs):
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    return max(1, min(cores, n_jobs // (_POOL_MIN_PAIRS // 2)))


def scan(jobs, workers=None):
    """Run inspect_pair over `jobs`, using a process pool for larger sets; results come back in job order."""
    workers = workers or _workers(len(jobs))
    if workers <= 1 or len(jobs) < _POOL_MIN_PAIRS:
        return [inspect_pair(j) for j in jobs]
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    sys.stdout.flush()
    sys.stderr.flush()  # forked workers flush inherited buffers on exit: empty them first, no duplicate output
    with multiprocessing.get_context(method).Pool(workers) as pool:
        return pool.map(inspect_pair, jobs, chunksize=max(1, min(32, len(jobs) // (workers * 8))))
