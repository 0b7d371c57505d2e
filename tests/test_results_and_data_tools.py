"""Result files and the synthetic data generator."""
import hashlib
import json

import numpy as np
from PIL import Image

from dataset_tools.synthetic_seg import CLASS_NAMES, generate
from paddlex_train.errors import ConfigError
from paddlex_train.results import write_failure, write_success


def test_result_files(tmp_path):
    p = write_success(tmp_path, "train", {"a": 1})
    assert json.loads(p.read_text()) == {"done_flag": True, "a": 1}
    p = write_failure(tmp_path, "train", ConfigError("bad key", hint="fix it"))
    body = json.loads(p.read_text())
    assert body == {"done_flag": False, "err_type": "ConfigError", "err_msg": "bad key Hint: fix it"}
    assert not list(tmp_path.glob("*.tmp"))


def _digest(root):
    h = hashlib.sha256()
    for f in sorted(root.rglob("*")):
        if f.is_file():
            h.update(f.relative_to(root).as_posix().encode() + f.read_bytes())
    return h.hexdigest()


def test_generator_is_seeded_and_valid(tmp_path):
    a = generate(tmp_path / "a", num=6, size=32, seed=3)
    b = generate(tmp_path / "b", num=6, size=32, seed=3)
    assert _digest(a) == _digest(b)
    lines = (a / "train.txt").read_text().split("\n")[:-1] + (a / "val.txt").read_text().split("\n")[:-1]
    assert len(lines) == 6
    ids = set()
    for line in lines:
        img_rel, lbl_rel = line.split(" ")
        img, lbl = Image.open(a / img_rel), Image.open(a / lbl_rel)
        assert img.size == lbl.size == (32, 32) and lbl.mode == "L"
        ids |= set(np.unique(np.asarray(lbl)).tolist())
    assert ids <= set(range(len(CLASS_NAMES)))
