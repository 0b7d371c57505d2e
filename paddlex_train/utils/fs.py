"""File-system safety: paths that stay inside a data set, backups instead of overwrites, atomic writes."""
import os
import shutil
from pathlib import Path, PureWindowsPath

from ..errors import ConfigError, DatasetError


def normalise_rel(rel):
    """A relative path written on any OS (backslashes included) as a POSIX relative path string."""
    return PureWindowsPath(str(rel).strip()).as_posix() if "\\" in str(rel) else str(rel).strip()


def safe_join(root, rel, source=None):
    """Resolve `rel` under `root`; raise DatasetError if it is absolute-elsewhere or escapes the root.

    Args:
        root: the data set root.
        rel: a relative path as found in a list or annotation file (Windows separators accepted).
        source: 'file:line' naming where `rel` was read, for the message.
    """
    root = Path(root).resolve()
    candidate = (root / normalise_rel(rel)).resolve()
    if candidate != root and root not in candidate.parents:
        where = f"{source}: " if source else ""
        raise DatasetError(f"{where}path {rel!r} points outside the data set directory {root}.",
                           hint="use paths relative to the data set root, without '..'")
    return candidate


def backup(path):
    """Move an existing `path` to `<path>.bak` (or `.bak.N` if taken) and return the backup path, else None."""
    path = Path(path)
    if not path.exists():
        return None
    target, n = path.with_name(path.name + ".bak"), 1
    while target.exists():
        target, n = path.with_name(f"{path.name}.bak.{n}"), n + 1
    shutil.move(str(path), str(target))
    return target


def write_text_atomic(path, text):
    """Write `text` to `path` via a temporary file and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def write_text_keeping_backup(path, text):
    """Write `text` to `path`; an existing file with different content is kept as `.bak` first."""
    path = Path(path)
    if path.exists() and path.read_text(encoding="utf-8", errors="replace") == text:
        return path
    backup(path)
    return write_text_atomic(path, text)


def require_dataset_dir(raw, required=(), hint="run check_dataset first"):
    """Global.dataset_dir as an existing directory holding every `required` relative path, else a clear error.

    Args:
        raw: the Global.dataset_dir value (None/empty -> ConfigError).
        required: relative paths that must exist under it (e.g. 'train.txt', 'annotations/instance_val.json').
        hint: how to fix a missing required path.
    """
    if not raw:
        raise ConfigError("Global.dataset_dir is not set.", hint="-o Global.dataset_dir=/path/to/dataset")
    root = Path(raw)
    if not root.is_dir():
        raise DatasetError(f"Dataset directory {root} does not exist or is not a directory.",
                           hint="point -o Global.dataset_dir at the folder holding your data set")
    for rel in required:
        if not (root / rel).exists():
            raise DatasetError(f"{root / rel} does not exist.", hint=hint)
    return root
