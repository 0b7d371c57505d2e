"""Class names of a SegDataset: the one reader used by check_dataset, training, evaluation and export."""
import re
from pathlib import Path


def read_class_names(root):
    """{id: name} from class_name_to_id.txt ('id: name' lines) or else class_name.txt (line i = id i).

    class_name_to_id.txt wins because it is unambiguous: PaddleX's class_name.txt leaves the background out, which
    shifts every line by one. Returns an empty dict when neither exists or can be parsed.
    """
    root = Path(root)
    mapping = root / "class_name_to_id.txt"
    names = {}
    if mapping.is_file():
        for line in mapping.read_text(encoding="utf-8", errors="replace").splitlines():
            m = re.match(r"\s*(\d+)\s*[:\s]\s*(.+?)\s*$", line)
            if m:
                names[int(m.group(1))] = m.group(2)
        if names:
            return names
    plain = root / "class_name.txt"
    if plain.is_file():
        lines = [ln.strip() for ln in plain.read_text(encoding="utf-8", errors="replace").splitlines()]
        names = {i: name for i, name in enumerate(lines) if name}
    return names


def class_name_list(root, num_classes):
    """Names of ids 0..num_classes-1 as a list when every one of them is named (and no other id), else None."""
    names = read_class_names(root)
    return [names[i] for i in range(num_classes)] if set(names) == set(range(num_classes)) else None
