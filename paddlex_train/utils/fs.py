"""File-system safety: paths that stay inside a data set, backups instead of overwrites, atomic writes.

Atomic writes exist here once: `atomic_file` (one file) and `replace_dir` (a whole directory). Every other writer
(`write_text_atomic`, `write_bytes_atomic`, results.write_json_atomic, checkpoints, exports) goes through them.
"""
import contextlib
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


@contextlib.contextmanager
def atomic_file(path):
    """Yield a temporary path next to `path`; on success rename it onto `path`, on error delete it.

    The temporary name is unique per process (`.<name>.tmp<pid>`), so two processes writing the same file never
    share a half-written temporary, and a reader sees either the old file or the new one.

    Example:
        with atomic_file(d / "model.pdparams") as tmp:
            paddle.save(state, str(tmp))
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def replace_dir(src, dst):
    """Move the finished directory `src` onto `dst` (the old `dst` is removed only after `src` is in place)."""
    src, dst = Path(src), Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    old = dst.with_name(f".{dst.name}.old{os.getpid()}")
    if dst.exists():
        os.replace(dst, old)
    os.replace(src, dst)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def atomic_dir(directory):
    """Yield an empty temporary directory beside `directory`; on success it replaces `directory` as a whole
    (replace_dir), on error it is deleted and `directory` is untouched."""
    directory = Path(directory)
    tmp = directory.with_name(f".{directory.name}.tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        yield tmp
        replace_dir(tmp, directory)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def move_files_into(src_dir, dst_dir):
    """Move every file of `src_dir` into `dst_dir` by rename (other files of `dst_dir` stay), then remove
    `src_dir`; returns {name: new path}. For results that land in a shared folder such as Global.output."""
    src_dir, dst_dir = Path(src_dir), Path(dst_dir)
    dst_dir.mkdir(parents=True, exist_ok=True)
    moved = {}
    for item in sorted(src_dir.iterdir()):
        if item.is_file():
            os.replace(item, dst_dir / item.name)
            moved[item.name] = dst_dir / item.name
    shutil.rmtree(src_dir, ignore_errors=True)
    return moved


def write_bytes_atomic(path, data):
    """Write `data` (bytes) to `path` through atomic_file."""
    with atomic_file(path) as tmp:
        Path(tmp).write_bytes(data)
    return Path(path)


def write_text_atomic(path, text):
    """Write `text` (UTF-8) to `path` through atomic_file."""
    with atomic_file(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
    return Path(path)


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
