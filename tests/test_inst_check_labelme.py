"""LabelMe -> COCO conversion of the instance check_dataset (groups merged, __ignore__ as crowd, no input lost)."""
import hashlib
import json
import shutil

import numpy as np
import pytest
from PIL import Image
from pycocotools import mask as mask_utils

from conftest import read_result, shared_data
from paddlex_train.errors import DatasetError
from paddlex_train.tasks.instance_segmentation.checks.labelme import convert_labelme
from test_inst_check_coco import offline, run_check  # noqa: F401 (offline is a fixture)

LABELME = ["-o", "CheckDataset.convert.enable=True", "-o", "CheckDataset.convert.src_dataset_type=LabelMe"]


def _hashes(root):
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def voc(tmp_path):
    root = tmp_path / "voc"
    shutil.copytree(shared_data("labelme_voc_instance"), root)
    return root


def _masks(doc):
    """{file basename: [(category name, iscrowd, mask)]}."""
    names = {c["id"]: c["name"] for c in doc["categories"]}
    sizes = {i["id"]: (i["height"], i["width"], i["file_name"].split("/")[-1]) for i in doc["images"]}
    out = {}
    for a in doc["annotations"]:
        h, w, name = sizes[a["image_id"]]
        seg = a["segmentation"]
        rle = mask_utils.merge(mask_utils.frPyObjects(seg, h, w)) if isinstance(seg, list) else \
            {"size": seg["size"], "counts": seg["counts"].encode()}
        out.setdefault(name, []).append((names[a["category_id"]], a["iscrowd"], mask_utils.decode(rle)))
    return out


def test_voc_conversion_matches_labelme_reference(voc, tmp_path, offline):
    before = _hashes(voc)
    assert run_check(voc, tmp_path / "out", *LABELME) == 0
    after = _hashes(voc)
    assert all(after[k] == v for k, v in before.items()), "an input file changed"
    new = sorted(set(after) - set(before))
    assert new == ["annotations/instance_train.json", "annotations/instance_val.json", "images/2011_000003.jpg",
                   "images/2011_000006.jpg", "images/2011_000025.jpg"]
    ours = {}
    for split in ("train", "val"):
        doc = json.loads((voc / f"annotations/instance_{split}.json").read_text())
        assert [c["name"] for c in doc["categories"]] == ["person", "bottle", "chair", "sofa", "bus", "car"]
        ours.update(_masks(doc))
    ref = _masks(json.loads((voc / "reference_labelme2coco/annotations.json").read_text()))
    assert sorted(ours) == sorted(ref)
    n_plain = 0
    for name, items in ours.items():
        plain = [(c, m) for c, crowd, m in items if not crowd]
        assert len(plain) == len(ref[name]), name  # one instance per group, as labelme's own labelme2coco
        for cat, mask in plain:
            ious = [np.logical_and(mask, m).sum() / np.logical_or(mask, m).sum() for c, _, m in ref[name] if c == cat]
            assert max(ious) >= 0.95, (name, cat, max(ious))
        n_plain += len(plain)
        crowd = [c for c, is_crowd, _ in items if is_crowd]
        assert len(crowd) == (0 if name == "2011_000025.jpg" else 1)  # one __ignore__ polygon per image
    assert n_plain == 12
    attrs = read_result(tmp_path / "out", "check_dataset")["attributes"]
    assert (attrs["train_samples"], attrs["val_samples"]) == (11, 3)  # 9 + 2 crowd regions; 3
    sofa = [a for a in json.loads((voc / "annotations/instance_train.json").read_text())["annotations"]
            if a["category_id"] == 4]
    assert len(sofa) == 1 and len(sofa[0]["segmentation"]) == 4  # group 0: four polygons, one instance


def test_existing_annotations_are_kept_as_bak(voc, tmp_path):
    (voc / "annotations").mkdir()
    (voc / "annotations/instance_train.json").write_text("old")
    assert run_check(voc, tmp_path / "out", *LABELME) == 0
    assert (voc / "annotations/instance_train.json.bak").read_text() == "old"
    assert run_check(voc, tmp_path / "out2", *LABELME) == 0  # same content again: no second backup
    assert not (voc / "annotations/instance_train.json.bak.1").exists()


def test_seeded_split_without_val_list(voc, tmp_path):
    (voc / "val_anno_list.txt").unlink()
    (voc / "train_anno_list.txt").write_text("".join(f"data_annotated/{n}.json\n" for n in
                                                     ("2011_000003", "2011_000006", "2011_000025")))
    before = _hashes(voc)
    first = convert_labelme(voc, seed=3)
    assert (first["train"]["images"], first["val"]["images"]) == (2, 1)
    val_1 = json.loads((voc / "annotations/instance_val.json").read_text())["images"]
    convert_labelme(voc, seed=3)
    assert json.loads((voc / "annotations/instance_val.json").read_text())["images"] == val_1
    assert all(_hashes(voc)[k] == v for k, v in before.items())  # the lists are not rewritten
    val_names = {tuple(i["file_name"] for i in val_1)}
    for seed in range(10):
        convert_labelme(voc, seed=seed)
        val_names.add(tuple(i["file_name"] for i in
                            json.loads((voc / "annotations/instance_val.json").read_text())["images"]))
    assert len(val_names) > 1  # the seed matters


def _labelme(shapes, image_path, w=40, h=30):
    return {"version": "5.2.1", "flags": {}, "shapes": shapes, "imagePath": image_path, "imageData": None,
            "imageHeight": h, "imageWidth": w}


def _poly(label, pts, kind="polygon", group=None):
    return {"label": label, "points": pts, "group_id": group, "shape_type": kind, "flags": {}}


def test_windows_paths_rectangles_and_images_in_place(tmp_path):
    root = tmp_path / "win"
    (root / "images").mkdir(parents=True)
    (root / "labels").mkdir()
    Image.new("RGB", (40, 30), (90, 90, 90)).save(root / "images/a.png")
    Image.new("RGB", (40, 30), (20, 90, 90)).save(root / "images/b.png")
    doc = _labelme([_poly("box", [[30, 20], [10, 5]], "rectangle"),
                    _poly("tri", [[1, 1], [8, 1], [4, 9]])], "..\\images\\a.png")
    (root / "labels/a.json").write_text(json.dumps(doc))
    (root / "train_anno_list.txt").write_text("labels\\a.json\n")
    (root / "val_anno_list.txt").write_text("labels/a.json\n".replace("a.json", "b.json"))
    (root / "labels/b.json").write_text(json.dumps(_labelme([_poly("box", [[0, 0], [5, 5]], "rectangle")],
                                                            "../images/b.png")))
    summary = convert_labelme(root)
    assert (summary["train"]["images"], summary["val"]["images"]) == (1, 1)
    assert summary["copied_images"] == 0  # already under images/: used in place
    train = json.loads((root / "annotations/instance_train.json").read_text())
    assert train["images"][0]["file_name"] == "a.png"
    box = train["annotations"][0]
    assert box["segmentation"] == [[10, 5, 30, 5, 30, 20, 10, 20]]
    assert box["bbox"] == [10.0, 5.0, 20.0, 15.0] and box["area"] == 300.0
    assert [c["name"] for c in train["categories"]] == ["box", "tri"]


def test_absolute_windows_image_path_falls_back_to_the_file_beside_the_json(tmp_path):
    root = tmp_path / "abs"
    (root / "lm").mkdir(parents=True)
    Image.new("RGB", (40, 30)).save(root / "lm/a.jpg")
    doc = _labelme([_poly("x", [[1, 1], [9, 1], [5, 9]])], "C:\\Users\\ann\\Desktop\\a.jpg")
    (root / "lm/a.json").write_text(json.dumps(doc))
    (root / "train_anno_list.txt").write_text("lm/a.json\n")
    (root / "val_anno_list.txt").write_text("")
    summary = convert_labelme(root)
    assert summary["train"] == {"images": 1, "annotations": 1} and (root / "images/a.jpg").is_file()


def test_embedded_image_data(tmp_path):
    src = shared_data("labelme_apc2016_embedded")
    root = tmp_path / "apc"
    shutil.copytree(src, root)
    jsons = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.json"))
    (root / "train_anno_list.txt").write_text(jsons[0] + "\n")
    (root / "val_anno_list.txt").write_text(jsons[0] + "\n")
    with pytest.raises(DatasetError, match="listed twice"):
        convert_labelme(root)
    (root / "val_anno_list.txt").unlink()
    (root / "train_anno_list.txt").write_text(jsons[0] + "\n" + jsons[0].replace(".json", "_copy.json") + "\n")
    shutil.copy(root / jsons[0], root / jsons[0].replace(".json", "_copy.json"))
    summary = convert_labelme(root)
    assert summary["copied_images"] == 2
    doc = json.loads((root / "annotations/instance_train.json").read_text())
    assert len(doc["annotations"]) == 4 and len(doc["categories"]) == 4
    with Image.open(root / "images" / doc["images"][0]["file_name"]) as im:
        assert im.size == (doc["images"][0]["width"], doc["images"][0]["height"])


def _rotated_jpeg(path, w=40, h=20):
    """A w x h JPEG whose EXIF orientation 6 shows it as h x w (a phone photo held upright)."""
    arr = np.zeros((h, w, 3), dtype=np.uint8)
    arr[:, : w // 2] = (200, 30, 30)
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(arr).save(path, quality=95, exif=exif.tobytes())


def test_exif_rotated_images_are_stored_as_annotated(tmp_path):
    root = tmp_path / "rot"
    (root / "lm").mkdir(parents=True)
    _rotated_jpeg(root / "lm/p.jpg")
    for name in ("a", "b"):  # LabelMe records the rotated view: 20 wide, 40 high
        doc = _labelme([_poly("x", [[1, 1], [19, 1], [10, 39]])], "p.jpg", w=20, h=40)
        (root / f"lm/{name}.json").write_text(json.dumps(doc))
    (root / "train_anno_list.txt").write_text("lm/a.json\n")
    (root / "val_anno_list.txt").write_text("")
    assert convert_labelme(root)["copied_images"] == 1
    with Image.open(root / "images/p.jpg") as im:
        assert im.size == (20, 40) and im.getexif().get(0x0112, 1) == 1
    assert convert_labelme(root)["copied_images"] == 0  # a re-run recognises its own rotated copy
