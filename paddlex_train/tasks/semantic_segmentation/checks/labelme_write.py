"""Write the converted LabelMe data set: images, palette label PNGs, lists and class files, keeping .bak copies."""
import io
import shutil
from pathlib import Path

from ....utils.fs import backup, write_text_keeping_backup
from ....utils.labels import IGNORE_INDEX
from ....vis.palette import palette_image


def _unique(name, taken):
    """`name`, or `<stem>_<n><suffix>` if `name` is already taken (case-insensitively, for Windows users)."""
    stem, suffix = Path(name).stem, Path(name).suffix
    candidate, n = name, 1
    while candidate.lower() in taken:
        candidate, n = f"{stem}_{n}{suffix}", n + 1
    taken.add(candidate.lower())
    return candidate


def write_bytes_keeping_backup(path, data):
    """Write `data` to `path` unless identical; a different existing file is moved to .bak first."""
    path = Path(path)
    if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
        return path
    backup(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _copy_keeping_backup(src, dst):
    if dst.is_file() and dst.stat().st_size == src.stat().st_size and dst.read_bytes() == src.read_bytes():
        return
    backup(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dst)


def _plan_images(records, out):
    """Target path of every record's image: kept where it is if already under out/images, else copied there."""
    images_dir = out / "images"
    sources = {r.image_path for r in records if r.image_path is not None}
    taken = {p.name.lower() for p in sources if p.parent == images_dir}
    targets, planned = [], {}
    for r in records:
        if r.image_path is not None and images_dir in r.image_path.parents:
            targets.append(r.image_path)
        elif r.image_path is not None and r.image_path in planned:
            targets.append(planned[r.image_path])   # one image annotated by several JSONs: copy it once
        elif r.image_path is None and r.json_path in planned:
            targets.append(planned[r.json_path])
        else:
            name = r.image_path.name if r.image_path is not None else r.json_path.stem + r.image_ext
            target = images_dir / _unique(name, taken)
            planned[r.image_path if r.image_path is not None else r.json_path] = target
            targets.append(target)
    return targets


def _write_pair(record, image_target, ids, out, label_taken, rasterise):
    """Write one image (copied or decoded from imageData) and its label PNG; returns the label path."""
    if record.image_path is None:
        write_bytes_keeping_backup(image_target, record.image_bytes)
    elif record.image_path != image_target:
        _copy_keeping_backup(record.image_path, image_target)
    label_target = out / "annotations" / _unique(record.json_path.stem + ".png", label_taken)
    buf = io.BytesIO()
    palette_image(rasterise(record.size, record.shapes, ids)).save(buf, format="PNG")
    write_bytes_keeping_backup(label_target, buf.getvalue())
    return label_target


def write_dataset(records, ids, out, rasterise):
    """Write images, labels, <split>.txt, class_name.txt and class_name_to_id.txt under `out`.

    Args:
        records: validated labelme.Record objects.
        ids: {class name: id}.
        out: output root.
        rasterise: (size, shapes, ids) -> (H, W) uint8 label.

    Returns:
        {split: number of pairs written}.
    """
    out = Path(out)
    label_taken = set()
    lines = {}
    done = {}  # a JSON listed twice (e.g. in both lists) is converted once
    for record, image_target in zip(records, _plan_images(records, out)):
        if record.json_path not in done:
            done[record.json_path] = (image_target, _write_pair(record, image_target, ids, out, label_taken,
                                                                rasterise))
        image_target, label_target = done[record.json_path]
        lines.setdefault(record.split, []).append(
            f"{image_target.relative_to(out).as_posix()} {label_target.relative_to(out).as_posix()}")
    for split, split_lines in lines.items():
        write_text_keeping_backup(out / f"{split}.txt", "\n".join(split_lines) + "\n")
    by_id = sorted((i, name) for name, i in ids.items())
    write_text_keeping_backup(out / "class_name.txt", "".join(f"{name}\n" for i, name in by_id if i != IGNORE_INDEX))
    write_text_keeping_backup(out / "class_name_to_id.txt", "".join(f"{i}: {name}\n" for i, name in by_id))
    return {split: len(v) for split, v in lines.items()}
