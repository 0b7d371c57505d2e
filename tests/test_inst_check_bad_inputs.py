"""Bad-input corpus for the instance check_dataset: every case fails with one line naming the file and the
annotation, done_flag false, no traceback, and the data set folder byte-identical afterwards."""
import hashlib
import json

import numpy as np
import pytest
from PIL import Image
from pycocotools import mask as mask_utils

from conftest import one_error_line, read_result
from dataset_tools.synthetic_coco import generate
from test_inst_check_coco import run_check
from test_inst_check_labelme import LABELME, _labelme, _poly

TRAIN, VAL = "annotations/instance_train.json", "annotations/instance_val.json"


def _edit(root, rel, fn):
    path = root / rel
    doc = json.loads(path.read_text())
    fn(doc)
    path.write_text(json.dumps(doc))


def _ann(doc, k=0):
    return doc["annotations"][k]


def _rle_wrong_size(doc):
    _ann(doc)["segmentation"] = {"size": [10, 10], "counts": [0, 100]}


def _bad_compressed(doc):
    # A valid string for a 10x10 mask claimed to be 32x32: decoding it blindly would overrun pycocotools' buffer.
    small = mask_utils.encode(np.asfortranarray(np.ones((10, 10), dtype=np.uint8)))
    _ann(doc)["segmentation"] = {"size": [32, 32], "counts": small["counts"].decode()}


def _dup_ann(doc):
    _ann(doc, 1)["id"] = _ann(doc, 0)["id"]


def _dup_image(doc):
    doc["images"][1]["id"] = doc["images"][0]["id"]


def _labelme_root(root, shapes, image_path="a.png"):
    (root / "lm").mkdir(parents=True)
    Image.new("RGB", (40, 30)).save(root / "lm/a.png")
    (root / "lm/a.json").write_text(json.dumps(_labelme(shapes, image_path)))
    (root / "train_anno_list.txt").write_text("lm/a.json\n")
    return root


def _labelme_named_like_output(root):
    """A LabelMe JSON stored as annotations/instance_val.json (the name of a converted COCO file)."""
    _labelme_root(root, [])
    (root / "annotations").mkdir()
    (root / "lm/a.json").rename(root / "annotations/instance_val.json")
    (root / "train_anno_list.txt").write_text("annotations/instance_val.json")
    return root


def _coco_case(rel, fn):
    def make(root):
        generate(root, num=4, size=32, seed=0)
        if fn is None:
            (root / rel).unlink()
        else:
            _edit(root, rel, fn)
        return root
    return make


def _exif_case(root, w, h):
    """The first image replaced by a 40x20 JPEG shown as 20x40 (EXIF orientation 6); annotation says w x h."""
    from test_inst_check_labelme import _rotated_jpeg

    generate(root, num=4, size=32, seed=0)
    _rotated_jpeg(root / "images/synth_0000.jpg")

    def fix(doc):
        doc["images"][0].update(width=w, height=h)
        doc["annotations"] = [a for a in doc["annotations"] if a["image_id"] != 1]
    _edit(root, TRAIN, fix)
    return root


def test_exif_rotated_image_with_displayed_size_passes(tmp_path):
    root = _exif_case(tmp_path / "data", 20, 40)
    assert run_check(root, tmp_path / "out") == 0
    rel = read_result(tmp_path / "out", "check_dataset")["attributes"]["train_sample_paths"][0]
    with Image.open(tmp_path / "out" / rel) as im:
        assert im.size == (20, 40)


# name -> (builder(root) -> root, extra overrides, substrings the one-line message must contain)
CASES = {
    "missing_json": (_coco_case(VAL, None), [], ["instance_val.json", "file not found"]),
    "invalid_json": (lambda r: (generate(r, num=4, size=32), (r / TRAIN).write_text('{"images": [,]}'))[0], [],
                     ["instance_train.json", "invalid JSON", "line 1"]),
    "duplicate_annotation_id": (_coco_case(TRAIN, _dup_ann), [], ["instance_train.json", "duplicate annotation id"]),
    "duplicate_image_id": (_coco_case(TRAIN, _dup_image), [], ["instance_train.json", "duplicate image id 1"]),
    "duplicate_file_name": (_coco_case(TRAIN, lambda d: d["images"][1].update(file_name="synth_0000.jpg")), [],
                            ["instance_train.json:image id=2", "already used by image id 1"]),
    "dangling_image_id": (_coco_case(TRAIN, lambda d: _ann(d).update(image_id=999)), [],
                          ["instance_train.json:annotation id=1", "image_id 999"]),
    "dangling_category_id": (_coco_case(VAL, lambda d: d["annotations"][-1].update(category_id=7)), [],
                             ["instance_val.json:annotation id=", "category_id 7"]),
    "missing_image": (lambda r: (generate(r, num=4, size=32), (r / "images/synth_0001.jpg").unlink())[0], [],
                      ["instance_train.json:image id=2", "images/synth_0001.jpg not found"]),
    "size_mismatch": (_coco_case(TRAIN, lambda d: d["images"][0].update(width=33)), [],
                      ["instance_train.json:image id=1", "32x32", "33x32"]),
    "polygon_two_points": (_coco_case(TRAIN, lambda d: _ann(d).update(segmentation=[[1, 1, 5, 5]])), [],
                           ["annotation id=1", "2 point(s)"]),
    "polygon_outside": (_coco_case(TRAIN, lambda d: _ann(d).update(segmentation=[[40, 40, 60, 40, 50, 60]])), [],
                        ["annotation id=1", "outside the 32x32 image"]),
    "polygon_zero_area": (_coco_case(TRAIN, lambda d: _ann(d).update(segmentation=[[1, 1, 5, 5, 9, 9]])), [],
                          ["annotation id=1", "zero area"]),
    "rle_wrong_size": (_coco_case(TRAIN, _rle_wrong_size), [], ["annotation id=1", "RLE size [10, 10]"]),
    "rle_bad_counts": (_coco_case(TRAIN, _bad_compressed), [], ["annotation id=1", "RLE covers 100 pixels"]),
    "bbox_mismatch": (_coco_case(TRAIN, lambda d: _ann(d).update(bbox=[0, 0, 2, 2])), [],
                      ["annotation id=1", "does not match its mask"]),
    "iscrowd_missing": (_coco_case(TRAIN, lambda d: _ann(d).pop("iscrowd")), [], ["annotation id=1", "iscrowd"]),
    "empty_categories": (_coco_case(TRAIN, lambda d: d.update(categories=[])), [],
                         ["instance_train.json", "'categories' is empty"]),
    "file_name_escapes": (_coco_case(TRAIN, lambda d: d["images"][0].update(file_name="../../secret.jpg")), [],
                          ["instance_train.json:image id=1", "outside the data set"]),
    "file_name_backslash": (_coco_case(TRAIN, lambda d: d["images"][0].update(file_name="sub\\a.jpg")), [],
                            ["instance_train.json:image id=1", "backslashes"]),
    "images_folder_missing": (lambda r: (generate(r, num=4, size=32), [p.unlink() for p in (r / "images").iterdir()],
                                         (r / "images").rmdir())[0], [], ["images: image folder not found"]),
    "exif_rotated_size": (lambda r: _exif_case(r, 40, 20), [], ["image id=1", "EXIF orientation"]),
    "categories_differ": (_coco_case(VAL, lambda d: d["categories"][0].update(name="disc")), [],
                          ["instance_val.json", "categories differ"]),
    "labelme_circle": (lambda r: _labelme_root(r, [_poly("ball", [[5, 5], [9, 9]], "circle")]), LABELME,
                       ["a.json:shape 0 (label 'ball')", "circle shapes cannot be converted"]),
    "labelme_escaping_image": (lambda r: _labelme_root(r, [_poly("x", [[1, 1], [9, 1], [5, 9]])],
                                                       "..\\..\\..\\etc\\passwd"), LABELME,
                               ["a.json:imagePath", "outside the data set"]),
    "labelme_list_escapes": (lambda r: (_labelme_root(r, []), (r / "train_anno_list.txt").write_text("../x.json\n"))[0],
                             LABELME, ["train_anno_list.txt:line 1", "outside the data set"]),
    "labelme_invalid_json": (lambda r: (_labelme_root(r, []), (r / "lm/a.json").write_text("{"))[0], LABELME,
                             ["a.json:line 1", "invalid JSON"]),
    "labelme_polygon_two_points": (lambda r: _labelme_root(r, [_poly("x", [[1, 1], [9, 1]])]), LABELME,
                                   ["a.json:shape 0 (label 'x')", "at least 3 points"]),
    "labelme_named_like_output": (_labelme_named_like_output, LABELME, ["instance_val.json", "name of a COCO file"]),
    "labelme_not_converted": (lambda r: _labelme_root(r, [_poly("x", [[1, 1], [9, 1], [5, 9]])]), [],
                              ["instance_train.json", "a LabelMe data set?", "src_dataset_type=LabelMe"]),
    "labelme_missing_list": (lambda r: (_labelme_root(r, []), (r / "train_anno_list.txt").unlink())[0], LABELME,
                             ["train_anno_list.txt not found"]),
}


def _digest(root):
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        h.update(p.relative_to(root).as_posix().encode())
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_fails_cleanly(case, tmp_path, capsys):
    build, extra, expected = CASES[case]
    root = build(tmp_path / "data")
    before = _digest(root)
    rc = run_check(root, tmp_path / "out", *extra)
    err = capsys.readouterr().err
    assert rc == 1, err
    assert _digest(root) == before, "the data set folder changed"
    error_lines = [line for line in err.splitlines() if line.startswith("Error:")]
    assert len(error_lines) == 1, err
    for text in expected:
        assert text in error_lines[0], (text, error_lines[0])
    assert "Traceback" not in err
    res = read_result(tmp_path / "out", "check_dataset")
    assert res["done_flag"] is False and res["err_type"] == "DatasetError"


def test_all_problems_are_listed(tmp_path, capsys):
    root = generate(tmp_path / "data", num=4, size=32, seed=0)

    def break_two(doc):
        _ann(doc, 0).update(category_id=9)
        _ann(doc, 1).update(bbox=[0, 0, 1, 1])
    _edit(root, TRAIN, break_two)
    assert run_check(root, tmp_path / "out") == 1
    err = capsys.readouterr().err
    assert "2 problems in all" in err
    report = (tmp_path / "out/check_dataset/problems.txt").read_text().splitlines()
    assert len(report) == 2 and "category_id 9" in report[0] and "(fix: " in report[1]


def test_bad_input_through_main_py_subprocess(tmp_path):
    from conftest import run_main
    from test_inst_check_coco import CONFIG

    root = CASES["dangling_category_id"][0](tmp_path / "data")
    before = _digest(root)
    proc = run_main("-c", CONFIG, "-o", "Global.mode=check_dataset", "-o", f"Global.dataset_dir={root}",
                    "-o", f"Global.output={tmp_path / 'out'}")
    line = one_error_line(proc, 1)
    assert "instance_val.json:annotation id=" in line and "category_id 7" in line
    assert read_result(tmp_path / "out", "check_dataset")["done_flag"] is False
    assert _digest(root) == before
