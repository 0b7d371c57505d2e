"""The seeded synthetic COCO instance-segmentation generator."""
import hashlib
import json

import numpy as np
from PIL import Image
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO

from dataset_tools.synthetic_coco import CATEGORIES, generate, main


def _digest(root):
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(root)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def test_layout_and_determinism(tmp_path):
    a = generate(tmp_path / "a", num=8, size=64, seed=3)
    b = generate(tmp_path / "b", num=8, size=64, seed=3)
    c = generate(tmp_path / "c", num=8, size=64, seed=4)
    assert _digest(a) == _digest(b)
    assert _digest(a) != _digest(c)
    assert len(list((a / "images").glob("*.jpg"))) == 8
    train = json.loads((a / "annotations" / "instance_train.json").read_text())
    val = json.loads((a / "annotations" / "instance_val.json").read_text())
    assert len(train["images"]) == 6 and len(val["images"]) == 2
    assert [c["name"] for c in train["categories"]] == list(CATEGORIES)
    assert [c["id"] for c in train["categories"]] == [1, 2, 3]
    ids = [im["id"] for im in train["images"] + val["images"]]
    assert len(set(ids)) == len(ids)
    ann_ids = [an["id"] for an in train["annotations"] + val["annotations"]]
    assert len(set(ann_ids)) == len(ann_ids)


def test_valid_coco_with_consistent_area_and_bbox(tmp_path):
    root = generate(tmp_path / "d", num=12, size=128, seed=0)
    for split in ("train", "val"):
        coco = COCO(str(root / "annotations" / f"instance_{split}.json"))
        for img_id, info in coco.imgs.items():
            with Image.open(root / "images" / info["file_name"]) as im:
                assert im.size == (info["width"], info["height"])
            anns = coco.loadAnns(coco.getAnnIds(imgIds=[img_id]))
            assert 1 <= len(anns) <= 3
            masks = [coco.annToMask(a) for a in anns]
            union = np.sum(masks, axis=0)
            assert union.max() <= 1, "instances must not overlap"
            for a, m in zip(anns, masks):
                assert a["iscrowd"] == 0
                assert len(a["segmentation"][0]) >= 6
                assert a["area"] == m.sum() > 0
                rle = mask_utils.encode(np.asfortranarray(m))
                assert np.allclose(a["bbox"], mask_utils.toBbox(rle), atol=0.01)


def test_cli(tmp_path, capsys):
    main(["--out", str(tmp_path / "e"), "--num", "4", "--size", "32"])
    assert "Wrote 4 images" in capsys.readouterr().out
    assert (tmp_path / "e" / "annotations" / "instance_val.json").exists()
