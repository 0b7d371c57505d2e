"""Read SegDataset list files (`<image> <label>` per line) into entries, recording structural problems."""
import os
from dataclasses import dataclass
from pathlib import Path

from ....errors import DatasetError
from ....utils.fs import normalise_rel, safe_join

SPLITS = ("train", "val")


@dataclass(frozen=True)
class Entry:
    """One list line: which split, where it was read, and the resolved image and label paths."""

    split: str
    list_file: str
    line: int
    image_rel: str
    label_rel: str
    image: str
    label: str


def resolve_in(root, rel, source):
    """Absolute path of `rel` under `root`, refusing paths that leave the data set.

    A relative path without '..' cannot leave the root, so it is joined without touching the disk (resolving
    2000 paths with realpath took longer than checking their labels); anything else goes through safe_join.
    Symlinks inside the data set (e.g. images/ on another disk) are therefore accepted.
    """
    norm = normalise_rel(rel)
    if not os.path.isabs(norm) and ".." not in norm.split("/"):
        return os.path.join(os.path.abspath(root), norm)
    return str(safe_join(root, rel, source=source))


@dataclass
class ListReport:
    """Entries of one list file plus notes that do not fail the check (blank lines, odd separators)."""

    split: str
    path: Path
    entries: list
    blank_lines: int = 0
    odd_separators: int = 0
    backslashes: int = 0


def list_path(root, split):
    """Path of `<root>/<split>.txt`."""
    return Path(root) / f"{split}.txt"


def _missing_list_hint(root, split):
    """Point at a nested data set (archives often unpack into a sub-folder), else say how to create the list."""
    nested = sorted(Path(root).glob(f"*/{split}.txt")) + sorted(Path(root).glob(f"*/*/{split}.txt"))
    if len(nested) == 1:
        return f"the data set seems to be in {nested[0].parent}: -o Global.dataset_dir={nested[0].parent}"
    if (Path(root) / "train_anno_list.txt").is_file():
        return ("this looks like a LabelMe data set: -o CheckDataset.convert.enable=True "
                "-o CheckDataset.convert.src_dataset_type=LabelMe")
    return (f"create {split}.txt with '<image> <label>' lines, or let CheckDataset.split write it "
            "(-o CheckDataset.split.enable=True -o CheckDataset.split.train_percent=80 "
            "-o CheckDataset.split.val_percent=20)")


def read_list(root, split, problems, require=True):
    """Parse `<split>.txt` under `root`.

    Lines are split on any whitespace (PaddleX needs exactly one space; other separators are accepted and
    counted so the caller can report them). Blank lines are skipped, as PaddleX does.

    Args:
        root: the data set root.
        split: 'train' or 'val'.
        problems: a Problems collector receiving every structural problem (with file and line).
        require: whether a missing or empty list is a problem.

    Returns:
        A ListReport (entries empty when the list is missing or unreadable).
    """
    path = list_path(root, split)
    report = ListReport(split, path, [])
    if not path.is_file():
        if require:
            problems.add(path, f"{split}.txt does not exist", hint=_missing_list_hint(root, split))
        return report
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as e:
        problems.add(path, f"is not UTF-8 text ({e.reason} at byte {e.start})", hint="save the list as UTF-8")
        return report
    except OSError as e:
        problems.add(path, f"cannot be read ({e.strerror})", hint="check the file's permissions")
        return report
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            report.blank_lines += 1
            continue
        fields = raw.split()
        if len(fields) != 2:
            problems.add(path, f"expected 2 fields '<image> <label>', found {len(fields)}: {raw.strip()[:80]!r}",
                         hint="one image path and one label path separated by one space "
                              "(paths with spaces are not supported)", where=number)
            continue
        if raw.rstrip("\r\n").strip() != f"{fields[0]} {fields[1]}":
            report.odd_separators += 1
        if "\\" in raw:
            report.backslashes += 1
        try:
            image = resolve_in(root, fields[0], f"{path}:{number}")
            label = resolve_in(root, fields[1], f"{path}:{number}")
        except DatasetError as e:
            problems.add(path, e.message.split(": ", 1)[-1], hint=e.hint, where=number)
            continue
        report.entries.append(Entry(split, str(path), number, fields[0], fields[1], image, label))
    if require and report.blank_lines == len(text.splitlines()):
        problems.add(path, f"{split}.txt is empty", hint=f"add '<image> <label>' lines to {split}.txt")
    return report


def read_lists(root, problems):
    """Read train.txt and val.txt; returns {split: ListReport}."""
    return {split: read_list(root, split, problems) for split in SPLITS}
