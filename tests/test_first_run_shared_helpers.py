"""Issue 11.8 (part): one copy of each shared data helper, and the one train/val cut rule."""
import json
import re
import shutil
from pathlib import Path

from conftest import REPO, shared_data

PACKAGE = REPO / "paddlex_train"


def _definitions(pattern):
    hits = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(pattern, line):
                hits.append(f"{path.relative_to(REPO)}:{n}")
    return hits


def test_each_helper_is_defined_once():
    assert [h.split(":")[0] for h in _definitions(r"^def mask_to_rle\b")] == ["paddlex_train/utils/rle.py"]
    assert [h.split(":")[0] for h in _definitions(r"0x0112")] == ["paddlex_train/utils/images.py"]
    assert [h.split(":")[0] for h in _definitions(r"^_?IMAGE_EXTS\s*=")] == ["paddlex_train/utils/images.py"]
    assert [h.split(":")[0] for h in _definitions(r"exif_transpose")] == ["paddlex_train/utils/images.py"]
    assert [h.split(":")[0] for h in _definitions(r"^def (read_anno_list|find_image)\b")] == \
        ["paddlex_train/utils/labelme.py"] * 2
    assert [h.split(":")[0] for h in _definitions(r"^IGNORE_INDEX\s*=")] == ["paddlex_train/utils/labels.py"]


def test_callers_share_the_helpers():
    from paddlex_train.inference import instance_result, readers
    from paddlex_train.utils import images, rle

    assert instance_result.mask_to_rle is rle.mask_to_rle and readers.IMAGE_EXTS is images.IMAGE_EXTS


def test_one_cut_rule():
    from paddlex_train.tasks.base.split import seeded_split, train_count
    from paddlex_train.tasks.semantic_segmentation.checks.split import stratified_split

    assert [train_count(n, 80) for n in (1, 2, 3, 5, 7, 10)] == [1, 1, 2, 4, 6, 8]
    assert len(seeded_split(range(7), 80, 0)[0]) == 6
    assert len(stratified_split(list(range(7)), [{0}] * 7, 80, 0)[0]) == 6


def test_labelme_automatic_split_uses_the_rule(tmp_path):
    """7 LabelMe files without val_anno_list.txt: 6 train, 1 val (PaddleX's int() cut gives 5)."""
    from paddlex_train.tasks.instance_segmentation.checks.labelme import convert_labelme

    src = shared_data("labelme_voc_instance") / "data_annotated"
    root = tmp_path / "lm"
    root.mkdir()
    names = []
    for k in range(7):
        stem = "2011_000025"
        shutil.copy(src / f"{stem}.jpg", root / f"img{k}.jpg")
        doc = json.loads((src / f"{stem}.json").read_text())
        doc["imagePath"] = f"img{k}.jpg"
        (root / f"img{k}.json").write_text(json.dumps(doc))
        names.append(f"img{k}.json")
    (root / "train_anno_list.txt").write_text("\n".join(names) + "\n")
    summary = convert_labelme(root, seed=0)
    assert (summary["train"]["images"], summary["val"]["images"]) == (6, 1)
    assert Path(root / "annotations/instance_val.json").is_file()


def test_no_literal_ignore_index_default():
    assert _definitions(r"ignore_index\s*=\s*255") == []
