"""The label doctor: recognise the classic label mistakes and say exactly how to fix them.

Per label (run inside the scan workers): JPEG labels, multi-channel (RGB) labels, 16-bit values that are not ids.
Per data set (after the scan): 0/255 binary masks, ids starting at 1. Ids >= Train.num_classes are not a data
problem (Train.num_classes is a training key the user learns from this very check): `num_classes_warning` words
them as a warning naming the value to set.
Every finding carries a `kind`, so dataset_tools.seg_fix_labels --auto can apply the matching repair.
"""
import numpy as np

from ....utils.labels import IGNORE_INDEX
from ....vis.palette import voc_colormap

IGNORE = IGNORE_INDEX
_VOC = voc_colormap(256).astype(np.int64)
# Packed RGB -> id for the standard VOC colormap (what labelme, PaddleSeg's gray2pseudo_color and PaddleX's
# converter put in palette PNGs: id k has colour k, 0 is black, 255 is (224, 224, 192)).
VOC_COLOUR_TO_ID = {int((c[0] << 16) | (c[1] << 8) | c[2]): i for i, c in enumerate(_VOC)}

FIX_TOOL = "python -m dataset_tools.seg_fix_labels {root} --out {root}_fixed"


def fix_command(root, *options):
    """The seg_fix_labels command line for `root` with `options`."""
    return " ".join([FIX_TOOL.format(root=root), *options])


def pack_rgb(rgb):
    """(H, W, 3) uint8 -> (H, W) int64 of r<<16 | g<<8 | b."""
    rgb = rgb.astype(np.int64)
    return (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]


def colours_to_ids(rgb):
    """Map a colour label drawn with the VOC palette back to ids; None if any colour is not a palette colour."""
    packed = pack_rgb(rgb)
    colours, inverse = np.unique(packed, return_inverse=True)
    ids = [VOC_COLOUR_TO_ID.get(int(c)) for c in colours]
    if any(i is None for i in ids):
        return None
    return np.asarray(ids, dtype=np.uint8)[inverse].reshape(packed.shape)


def to_label_ids(image):
    """Decode a label PIL image into (ids, kind).

    Returns:
        ids: (H, W) uint8 id map or None when the ids cannot be recovered.
        kind: 'ok', 'wide' (values > 255), 'rgb_gray' (R=G=B), 'rgb_palette' (VOC colours),
            'rgb_colour' (other colours) or 'alpha' (grey + alpha).
    """
    mode = image.mode
    if mode in ("L", "P"):
        return np.asarray(image), "ok"
    if mode == "1":
        return np.asarray(image).astype(np.uint8), "ok"
    if mode.startswith("I") or mode == "F":
        arr = np.asarray(image)
        if arr.size and (arr.max() > 255 or arr.min() < 0):
            return None, "wide"
        return arr.astype(np.uint8), "ok"
    if mode in ("LA", "PA"):
        return np.asarray(image)[..., 0], "alpha"
    rgb = np.asarray(image.convert("RGB"))
    if (rgb[..., 0] == rgb[..., 1]).all() and (rgb[..., 1] == rgb[..., 2]).all():
        return rgb[..., 0].copy(), "rgb_gray"
    ids = colours_to_ids(rgb)
    return (ids, "rgb_palette") if ids is not None else (None, "rgb_colour")


def label_kind_problem(kind, rel, mode, extra="", root="<dataset_dir>"):
    """(message, hint) for a per-label `kind` other than 'ok'; fix commands name `root`."""
    auto = fix_command(root, "--auto")
    table = {
        "wide": (f"label {rel} is a {mode} image with values above 255{extra}; pixel values must be class ids "
                 "0..254 (255 = ignore)", "remap the values to ids and save an 8-bit single-channel PNG"),
        "rgb_gray": (f"label {rel} has 3 channels (RGB with R=G=B); labels must be single-channel",
                     f"keep one channel and save as 'L' PNG: {auto}"),
        "rgb_palette": (f"label {rel} is a pseudo-colour image saved as RGB (its colours are the VOC palette); "
                        "labels must be single-channel ids", f"convert colours back to ids: {auto}"),
        "rgb_colour": (f"label {rel} is an RGB colour image{extra}; labels must be single-channel PNGs whose pixel "
                       "value is the class id",
                       "map every colour to an id: " + fix_command(root, "--colour-map colours.txt") +
                       " (colours.txt: one 'R,G,B id' line per colour)"),
        "alpha": (f"label {rel} has 2 channels (grey + alpha); labels must be single-channel",
                  f"drop the alpha channel: {auto}"),
        "jpeg": (f"label {rel} is a JPEG: lossy compression adds noise ids around every edge{extra}",
                 "export labels as PNG (lossless); for 0/255 masks repair with "
                 + fix_command(root, "--snap 0,255 --map 255:1")),
    }
    return table[kind]


def looks_binary(ids):
    """Whether a (possibly JPEG-noisy) id map is essentially a 0/255 mask."""
    if ids is None or not ids.size:
        return False
    near = np.count_nonzero((ids <= 32) | (ids >= 223))
    return near >= 0.97 * ids.size and np.count_nonzero(ids >= 223) > 0


def id_ranges(ids):
    """[0, 1, 2, 5, 7, 8] -> '0-2, 5, 7-8'."""
    out, ids = [], sorted(ids)
    i = 0
    while i < len(ids):
        j = i
        while j + 1 < len(ids) and ids[j + 1] == ids[j] + 1:
            j += 1
        out.append(str(ids[i]) if i == j else f"{ids[i]}-{ids[j]}")
        i = j + 1
    return ", ".join(out)


# A value holding less than this share of all label pixels is "rare" (interpolation noise lines the edges only).
RARE_SHARE = 0.002


def _first_with(results, entry_of, wanted):
    for res in results:
        if res.ids is not None and not res.problems and set(res.ids.tolist()) & wanted:
            return entry_of(res)
    return None


def _noisy(root, results, entry_of, stats, num_classes, summary):
    """Labels resized with interpolation (or saved lossy, then as PNG) grow many rare in-between values.

    Only claimed when there are far more distinct values than Train.num_classes allows AND most values are
    rare (in-between values only line the edges), so a real data set with many classes (ADE20K: 150) is not
    mistaken for noise even while Train.num_classes is still the YAML's default.
    """
    pixels = sum(stats.pixels.values())
    ids = [int(i) for i in np.flatnonzero(pixels)]
    if len(ids) <= max(30, 2 * num_classes):
        return False
    rare = np.count_nonzero(pixels[ids] < RARE_SHARE * pixels.sum())
    if rare < 0.5 * len(ids):
        return False
    first = _first_with(results, entry_of, set(ids[1:-1]))
    near = pixels[:64].sum() + pixels[192:].sum()  # edges of a resized 0/255 mask blend through all values
    if pixels[IGNORE] and near >= 0.9 * pixels.sum():
        summary.add(first.list_file, f"labels hold {len(ids)} distinct values, almost all near 0 or 255 (e.g. "
                    f"{first.label_rel}): 0/255 masks that were resized with interpolation or saved lossy",
                    hint=f"snap to 0/255 and make 255 the foreground: {fix_command(root, '--snap 0,255 --map 255:1')}"
                         "; resize labels with nearest-neighbour only", where=first.line)
    else:
        summary.add(first.list_file, f"labels hold {len(ids)} distinct values (e.g. {first.label_rel}): they look "
                    "like grayscale images or labels resized with interpolation, not class ids",
                    hint="labels must hold class ids; resize them with nearest-neighbour only, or remap the values "
                         f"with {fix_command(root, '--map OLD:NEW')}", where=first.line)
    return True


def diagnose(root, results, entry_of, stats, num_classes, summary):
    """Data-set-wide label mistakes, found on the labels that passed the per-file checks.

    Args:
        root: data set root (put into the fix commands).
        results: PairResults of both splits.
        entry_of: PairResult -> lists.Entry (where it was listed).
        stats: ClassStats of the clean pairs.
        num_classes: Train.num_classes (only to tell many real classes from interpolation noise).
        summary: Problems receiving one line per mistake (with the fix).
    """
    present = set(stats.present_ids(include_ignore=True))
    ids = sorted(present - {IGNORE})
    if not present:
        return
    if _noisy(root, results, entry_of, stats, num_classes, summary):
        return
    if present <= {0, IGNORE} and IGNORE in present:
        first = _first_with(results, entry_of, {IGNORE})
        summary.add(first.list_file, f"labels contain only 0 and 255 (e.g. {first.label_rel}): 255 means "
                    "'ignore', so these 0/255 binary masks would teach the model nothing about the foreground",
                    hint=f"write a copy with 255 -> 1: {fix_command(root, '--map 255:1')} and train on it with "
                         f"-o Global.dataset_dir={root}_fixed -o Train.num_classes=2", where=first.line)
        return
    if 0 not in present and ids:
        first = _first_with(results, entry_of, set(ids))
        summary.add(first.list_file, f"no label contains id 0 (ids present: {id_ranges(ids)}): the ids seem to "
                    "start at 1, but id 0 is the first class (usually background)",
                    hint=f"shift ids down by one: {fix_command(root, '--shift -1')} (255 stays ignore) and set "
                         f"-o Train.num_classes={max(ids)}", where=first.line)


def num_classes_warning(root, stats, num_classes):
    """A warning naming the Train.num_classes to set when the configured one cannot hold the label ids, else None.

    check_dataset reports this instead of failing: PaddleX users learn the value from the check's num_classes.
    """
    ids = stats.present_ids()
    bad = [i for i in ids if i >= num_classes]
    if not bad:
        return None
    return (f"label ids {id_ranges(bad)} are >= Train.num_classes={num_classes} (ids present: {id_ranges(ids)}; "
            f"max id {max(ids)}): {num_classes_hint(root, ids)}")


def num_classes_hint(root, ids):
    """How to make Train.num_classes hold `ids`: the value to set, or a remap command."""
    hint = f"train with -o Train.num_classes={max(ids) + 1}"
    unused = [i for i in range(max(ids) + 1) if i not in ids]
    if unused:
        hint += f" (ids {id_ranges(unused)} never occur: consider remapping to contiguous ids)"
    return hint + f", or remap ids with {fix_command(root, '--map OLD:NEW')} (e.g. a void class to 255 with " \
                  f"--map {max(ids)}:255)"
