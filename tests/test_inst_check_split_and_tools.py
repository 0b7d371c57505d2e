"""COCO split (seeded, renumbered, .bak), the standalone dataset tools, and the offline drawing helpers."""
import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from conftest import REPO
from dataset_tools import coco_labelme, coco_split
from dataset_tools.synthetic_coco import generate
from paddlex_train.errors import ConfigError, DatasetError
from paddlex_train.tasks.instance_segmentation.checks.split import split_coco
from paddlex_train.vis.instances import bundled_font_path, caption, draw_instances, load_font


def _load(root):
    return [json.loads((root / f"annotations/instance_{s}.json").read_text()) for s in ("train", "val")]


def _content(root):
    """{file_name: sorted (category, bbox) tuples}: what must survive a split unchanged."""
    out = {}
    for doc in _load(root):
        names = {i["id"]: i["file_name"] for i in doc["images"]}
        for i in doc["images"]:
            out.setdefault(i["file_name"], [])
        for a in doc["annotations"]:
            out[names[a["image_id"]]].append((a["category_id"], tuple(a["bbox"])))
    return {k: sorted(v) for k, v in out.items()}


def test_split_is_seeded_renumbered_and_lossless(tmp_path):
    root = generate(tmp_path / "d", num=10, size=32, seed=0)
    content = _content(root)
    originals = [(root / f"annotations/instance_{s}.json").read_bytes() for s in ("train", "val")]
    assert split_coco(root, 60, seed=7) == (6, 4)
    train, val = _load(root)
    assert [i["id"] for i in train["images"] + val["images"]] == list(range(1, 11))
    anns = train["annotations"] + val["annotations"]
    assert [a["id"] for a in anns] == list(range(1, len(anns) + 1))
    assert {a["image_id"] for a in train["annotations"]} <= {i["id"] for i in train["images"]}
    assert {a["image_id"] for a in val["annotations"]} <= {i["id"] for i in val["images"]}
    assert train["categories"] == val["categories"] and len(train["categories"]) == 3
    assert _content(root) == content
    for s, data in zip(("train", "val"), originals):
        assert (root / f"annotations/instance_{s}.json.bak").read_bytes() == data
    # Same seed on the same input -> same split; the second run keeps another backup, never overwrites one.
    other = generate(tmp_path / "e", num=10, size=32, seed=0)
    split_coco(other, 60, seed=7)
    assert [i["file_name"] for i in _load(other)[1]["images"]] == [i["file_name"] for i in val["images"]]
    split_coco(root, 60, seed=8)
    assert (root / "annotations/instance_train.json.bak.1").exists()


def test_split_errors(tmp_path):
    root = generate(tmp_path / "d", num=4, size=32, seed=0)
    with pytest.raises(ConfigError):
        split_coco(root, 100)
    (root / "annotations/instance_val.json").write_text("[")
    with pytest.raises(DatasetError, match="invalid JSON"):
        split_coco(root, 50)
    (root / "annotations/instance_val.json").unlink()
    assert split_coco(root, 50) == (2, 1)  # one file is enough to split from
    cats = json.loads((root / "annotations/instance_train.json").read_text())
    cats["categories"][0]["name"] = "other"
    (root / "annotations/instance_val.json").write_text(json.dumps(cats))
    with pytest.raises(DatasetError, match="category id 1"):
        split_coco(root, 50)


def test_coco_split_tool(tmp_path, capsys):
    root = generate(tmp_path / "d", num=5, size=32, seed=0)
    assert coco_split.main(["--dataset-dir", str(root), "--train-percent", "80", "--seed", "1"]) == 0
    assert "4 train and 1 val" in capsys.readouterr().out
    assert coco_split.main(["--dataset-dir", str(tmp_path / "nothing"), "--train-percent", "80"]) == 1
    assert capsys.readouterr().err.startswith("Error: ")


def test_coco_labelme_tool(tmp_path, capsys):
    from test_inst_check_labelme import _labelme, _poly

    (tmp_path / "lm").mkdir()
    for n in range(3):
        Image.new("RGB", (40, 30)).save(tmp_path / f"lm/{n}.jpg")
        doc = _labelme([_poly("cat", [[1, 1], [20, 2], [10, 20]]), _poly("dog", [[22, 2], [39, 2], [30, 29]])],
                       f"{n}.jpg")
        (tmp_path / f"lm/{n}.json").write_text(json.dumps(doc))
    (tmp_path / "train_anno_list.txt").write_text("".join(f"lm/{n}.json\n" for n in range(3)))
    assert coco_labelme.main(["--dataset-dir", str(tmp_path)]) == 0
    assert "categories ['cat', 'dog']" in capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "images").iterdir()) == ["0.jpg", "1.jpg", "2.jpg"]
    (tmp_path / "lm/1.json").write_text("{")
    assert coco_labelme.main(["--dataset-dir", str(tmp_path)]) == 1
    assert "1.json:line 1" in capsys.readouterr().err


def test_font_is_found_without_importing_matplotlib():
    code = ("import sys; from paddlex_train.vis.instances import bundled_font_path, load_font; "
            "p = bundled_font_path(); load_font(14); print(p is not None, 'matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["True", "False"], out.stderr
    assert bundled_font_path().name == "DejaVuSans.ttf"


def test_font_falls_back_to_pil_default(monkeypatch):
    import paddlex_train.vis.instances as inst

    monkeypatch.setattr(inst, "bundled_font_path", lambda: None)
    inst.load_font.cache_clear()
    try:
        assert inst.load_font(13) is not None
    finally:
        inst.load_font.cache_clear()


def test_font_from_environment_and_cjk_detection(monkeypatch):
    import paddlex_train.vis.instances as inst

    monkeypatch.setenv(inst.FONT_ENV, str(bundled_font_path()))
    inst.load_font.cache_clear()
    try:
        assert inst.load_font(11).path == str(bundled_font_path())
        monkeypatch.setenv(inst.FONT_ENV, "/nonexistent/font.ttf")  # a bad setting falls through, no crash
        inst.load_font.cache_clear()
        assert inst.load_font(11, cjk=True) is not None
    finally:
        inst.load_font.cache_clear()
    assert inst.needs_cjk("行人") and not inst.needs_cjk("Straße")
    out = draw_instances(Image.new("RGB", (40, 30)), [[2, 12, 30, 28]], ["行人"])
    assert out.size == (40, 30)


def test_sixteen_bit_images_are_stretched_not_clipped():
    arr = np.linspace(1000, 60000, 48 * 64).reshape(48, 64).astype(np.uint16)
    out = np.asarray(draw_instances(Image.fromarray(arr), [], [], masks=[]))
    assert out.min() == 0 and out.max() == 255 and 100 < out[24, 32, 0] < 160


def test_draw_instances_with_scores():
    image = Image.new("RGB", (64, 48), (0, 0, 0))
    mask = np.zeros((48, 64), dtype=np.uint8)
    mask[10:30, 10:40] = 1
    out = draw_instances(image, [[10, 10, 40, 30]], ["cat"], masks=[mask], scores=[0.876], alpha=0.5)
    arr = np.asarray(out)
    assert arr[20, 25].sum() > 0 and arr[45, 60].sum() == 0  # mask blended inside, untouched outside
    assert caption("cat", 0.876) == "cat 0.88" and caption("cat") == "cat"
    assert out.size == (64, 48) and load_font(12) is load_font(12)
