"""LabelMe -> SegDataset conversion: PaddleX ids, labelme rasterisation, embedded images, safety."""
import base64
import io
import shutil

import numpy as np
import pytest
from PIL import Image

from conftest import shared_data
from paddlex_train.errors import DatasetError
from paddlex_train.tasks.semantic_segmentation.checks.labelme import convert_labelme
from test_seg_check_helpers import check, labelme_json, tree_digest

CONVERT = ("CheckDataset.convert.enable=True", "CheckDataset.convert.src_dataset_type=LabelMe")


def _names(path):
    return {int(k): v.strip() for k, v in (ln.split(":", 1) for ln in path.read_text().splitlines())}


def _by_name(label, names):
    return np.vectorize(lambda v: names.get(int(v), "?"), otypes=[object])(label)


def test_voc_semantic_matches_labelme_reference(tmp_path):
    src = shared_data("labelme_voc_semantic")
    root = tmp_path / "voc"
    shutil.copytree(src, root)
    originals = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    proc, result = check(root, tmp_path / "out", *CONVERT, num_classes=7)
    assert proc.returncode == 0, proc.stderr
    ours = _names(root / "class_name_to_id.txt")
    # PaddleX's rule: first appearance (train then val), background 0, ignore 255.
    assert ours == {0: "_background_", 1: "person", 2: "bottle", 3: "chair", 4: "sofa", 5: "bus", 6: "car",
                    255: "__ignore__"}
    assert (root / "class_name.txt").read_text().split() == ["_background_", "person", "bottle", "chair", "sofa",
                                                           "bus", "car"]
    ref_names = (root / "reference_labelme2voc/class_names.txt").read_text().split("\n")
    ref_map = {i: n.strip() for i, n in enumerate(ref_names)} | {255: "__ignore__"}
    total_diff = 0
    for stem in ("2011_000003", "2011_000006", "2011_000025"):
        a = np.asarray(Image.open(root / f"annotations/{stem}.png"))
        r = np.asarray(Image.open(root / f"reference_labelme2voc/SegmentationClass/{stem}.png"))
        assert a.shape == r.shape
        total_diff += int((_by_name(a, ours) != _by_name(r, ref_map)).sum())
    assert total_diff <= 50  # same rasteriser (labelme's shape_to_mask); edges may differ by a pixel
    assert (root / "train.txt").read_text().splitlines() == [
        "images/2011_000003.jpg annotations/2011_000003.png", "images/2011_000006.jpg annotations/2011_000006.png"]
    for path, data in originals.items():
        assert path.read_bytes() == data, f"{path} was modified"
    assert result["attributes"]["num_classes"] == 7


def test_embedded_image_data_is_used(tmp_path):
    src = shared_data("labelme_apc2016_embedded")
    root = tmp_path / "apc"
    shutil.copytree(src, root)
    shutil.copy(root / "apc2016_obj3.json", root / "copy.json")
    (root / "train_anno_list.txt").write_text("apc2016_obj3.json\n")
    (root / "val_anno_list.txt").write_text("copy.json\n")
    convert_labelme(root)
    import json

    blob = base64.b64decode(json.loads((root / "apc2016_obj3.json").read_text())["imageData"])
    assert (root / "images/apc2016_obj3.jpg").read_bytes() == blob
    assert (root / "images/copy.jpg").read_bytes() == blob
    ours = _names(root / "class_name_to_id.txt")
    ref = dict(enumerate((root / "reference_export_json/label_names.txt").read_text().split()))
    a = np.asarray(Image.open(root / "annotations/apc2016_obj3.png"))
    r = np.asarray(Image.open(root / "reference_export_json/label.png"))
    diff = int((_by_name(a, ours) != _by_name(r, ref)).sum())
    assert diff <= 8, diff  # polygon-edge pixels only (upstream README: within 8 px)


def _mini(root, shapes, image_path="img/a.png", json_rel="ann/a.json", data=None):
    root.mkdir(parents=True, exist_ok=True)
    if data is None:
        (root / "img").mkdir(exist_ok=True)
        Image.new("RGB", (40, 30), (50, 60, 70)).save(root / "img/a.png")
    labelme_json(root / json_rel, shapes, image_path=image_path, image_data=data)
    (root / "train_anno_list.txt").write_text(json_rel + "\n")
    (root / "val_anno_list.txt").write_text(json_rel + "\n")
    return root


def test_all_shape_types_use_labelme_rasteriser(tmp_path):
    from labelme.utils import shape_to_mask

    shapes = [("_background_", [[0, 0], [39, 29]], "rectangle"), ("a", [[2, 2], [12, 8]], "rectangle"),
              ("b", [[20, 15], [25, 15]], "circle"), ("c", [[0, 29], [39, 0]], "line"),
              ("d", [[1, 1], [5, 20], [9, 1]], "linestrip"), ("e", [[30, 5]], "point"),
              ("__ignore__", [[30, 20], [38, 20], [34, 28]], None)]
    root = _mini(tmp_path / "d", shapes, image_path="..\\img\\a.png")  # Windows separators
    convert_labelme(root)
    label = np.asarray(Image.open(root / "annotations/a.png"))
    expected = np.zeros((30, 40), np.uint8)
    for value, (_, pts, kind) in zip([0, 1, 2, 3, 4, 5, 255], shapes):
        expected[shape_to_mask((30, 40), pts, kind)] = value
    assert (label == expected).all()
    assert (root / "train.txt").read_text() == "images/a.png annotations/a.png\n"


def test_existing_outputs_are_kept_as_bak(tmp_path):
    root = _mini(tmp_path / "d", [("a", [[2, 2], [12, 8]], "rectangle")], image_path="../img/a.png")
    (root / "train.txt").write_text("old list\n")
    (root / "annotations").mkdir()
    (root / "annotations/a.png").write_bytes(b"old label")
    convert_labelme(root)
    assert (root / "train.txt.bak").read_text() == "old list\n"
    assert (root / "annotations/a.png.bak").read_bytes() == b"old label"
    digest = tree_digest(root)
    convert_labelme(root)  # idempotent: same content, no new backups
    assert tree_digest(root) == digest


def test_embedded_png_when_image_path_missing(tmp_path):
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (1, 2, 3)).save(buf, format="PNG")
    data = base64.b64encode(buf.getvalue()).decode()
    root = _mini(tmp_path / "d", [("a", [[2, 2], [12, 8]], "rectangle")], image_path="gone.png", data=data)
    convert_labelme(root)
    assert Image.open(root / "images/a.png").size == (40, 30)


def test_all_problems_reported_and_nothing_written(tmp_path):
    root = _mini(tmp_path / "d", [("a", [[2, 2]], "polygon"), ("", [[1, 1], [2, 2], [3, 1]], "polygon")])
    before = tree_digest(root)
    with pytest.raises(DatasetError) as err:
        convert_labelme(root, report_path=tmp_path / "problems.txt")
    assert "polygon 'a' has 1 valid points, needs at least 3" in str(err.value)
    assert "4 problems" in str(err.value)  # two shapes, listed in both anno lists
    assert tree_digest(root) == before


def test_out_directory_leaves_source_untouched(tmp_path):
    root = _mini(tmp_path / "d", [("a", [[2, 2], [12, 8]], "rectangle")], image_path="../img/a.png")
    before = tree_digest(root)
    from dataset_tools.seg_labelme_convert import main

    assert main([str(root), "--out", str(tmp_path / "new")]) == 0
    assert tree_digest(root) == before
    assert (tmp_path / "new/images/a.png").is_file() and (tmp_path / "new/val.txt").is_file()


def test_image_found_next_to_json_after_a_move_and_absolute_inside_root(tmp_path):
    root = _mini(tmp_path / "d", [("a", [[2, 2], [12, 8]], "rectangle")], image_path="C:\\old\\place\\a.png")
    with pytest.raises(DatasetError, match="points outside the data set directory"):
        convert_labelme(root)
    (root / "ann/a.png").write_bytes((root / "img/a.png").read_bytes())
    labelme_json(root / "ann/a.json", [("a", [[2, 2], [12, 8]], "rectangle")], image_path="../moved/a.png")
    convert_labelme(root)
    assert (root / "images/a.png").read_bytes() == (root / "ann/a.png").read_bytes()
    labelme_json(root / "ann/a.json", [("a", [[2, 2], [12, 8]], "rectangle")], image_path=str(root / "img/a.png"))
    convert_labelme(root)
