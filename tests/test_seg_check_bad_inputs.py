"""The bad-input corpus: every broken data set fails through main.py with a one-line message naming the file,
done_flag false, no traceback, and the input directory left byte-identical."""
import json

import numpy as np
import pytest
from PIL import Image

from conftest import one_error_line, read_result, run_main
from test_seg_check_helpers import CONFIG, labelme_json, make_dataset, tree_digest, write_pair


def _replace_line(root, split, n, new):
    lines = (root / f"{split}.txt").read_text().splitlines()
    lines[n] = new
    (root / f"{split}.txt").write_text("\n".join(lines) + "\n")


def missing_list(root):
    make_dataset(root)
    (root / "val.txt").unlink()
    return "val.txt", "does not exist"


def empty_list(root):
    make_dataset(root)
    (root / "train.txt").write_text("")
    return "train.txt", "empty"


def one_field_line(root):
    make_dataset(root)
    _replace_line(root, "train", 1, "images/s1.jpg")
    return "train.txt:2", "expected 2 fields"


def missing_image(root):
    make_dataset(root)
    (root / "images/s1.jpg").unlink()
    return "train.txt:2", "image images/s1.jpg does not exist"


def missing_label(root):
    make_dataset(root)
    (root / "annotations/s3.png").unlink()
    return "val.txt:1", "label annotations/s3.png does not exist"


def corrupt_png_label(root):
    make_dataset(root)
    path = root / "annotations/s0.png"
    data = bytearray(path.read_bytes())
    data[60:90] = b"\x00" * 30  # inside IDAT: header still parses, decoding fails
    path.write_bytes(bytes(data))
    return "train.txt:1", "annotations/s0.png is not a readable image"


def garbage_png_label(root):
    make_dataset(root)
    (root / "annotations/s2.png").write_bytes(b"not a png at all")
    return "train.txt:3", "annotations/s2.png is not a readable image"


def truncated_jpeg(root):
    make_dataset(root)
    path = root / "images/s2.jpg"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return "train.txt:3", "runcated"  # small files break in the header ("Truncated File Read"), big ones at the end


def size_mismatch(root):
    make_dataset(root)
    Image.new("L", (20, 20)).save(root / "annotations/s1.png")
    return "train.txt:2", "is 20x20 but image images/s1.jpg is 32x24"


def rgb_label(root):
    make_dataset(root, label_mode="RGB")
    arr = np.asarray(Image.open(root / "annotations/s0.png")).copy()
    arr[..., 0] = 200
    Image.fromarray(arr).save(root / "annotations/s0.png")
    return "train.txt:1", "RGB colour image"


def jpeg_label(root):
    lines = [write_pair(root, f"j{i}", label_ext=".jpg") for i in range(3)]
    (root / "train.txt").write_text("\n".join(lines[:2]) + "\n")
    (root / "val.txt").write_text(lines[2] + "\n")
    return "train.txt:1", "is a JPEG"


def escaping_path(root):
    make_dataset(root)
    _replace_line(root, "train", 0, "../outside.jpg annotations/s0.png")
    return "train.txt:1", "points outside the data set directory"


def binary_0_255(root):
    make_dataset(root, ids=(0, 255))
    return "train.txt:1", "only 0 and 255"


def wide_label(root):
    make_dataset(root)
    Image.fromarray(np.full((24, 32), 1000, np.uint16)).save(root / "annotations/s1.png")
    return "train.txt:2", "values above 255"


def _labelme_root(root):
    Image.new("RGB", (40, 30), (9, 9, 9)).save(root / "a.jpg")
    (root / "train_anno_list.txt").write_text("a.json\n")
    (root / "val_anno_list.txt").write_text("a.json\n")


def bad_labelme_json(root):
    _labelme_root(root)
    (root / "a.json").write_text('{"shapes": [')
    return "a.json", "is not valid JSON"


def unknown_shape(root):
    _labelme_root(root)
    labelme_json(root / "a.json", [("cat", [[1, 1], [5, 5]], "mask")], image_path="a.jpg")
    return "a.json:shapes[0]", "unknown shape_type 'mask'"


def labelme_escaping_image(root):
    _labelme_root(root)
    labelme_json(root / "a.json", [("cat", [[1, 1], [9, 1], [5, 8]], "polygon")], image_path="..\\..\\etc\\x.jpg")
    return "a.json", "points outside the data set directory"


CASES = [missing_list, empty_list, one_field_line, missing_image, missing_label, corrupt_png_label,
         garbage_png_label, truncated_jpeg, size_mismatch, rgb_label, jpeg_label, escaping_path,
         binary_0_255, wide_label, bad_labelme_json, unknown_shape, labelme_escaping_image]
LABELME_CASES = {bad_labelme_json, unknown_shape, labelme_escaping_image}


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_bad_input_fails_cleanly(tmp_path, case):
    root = tmp_path / "data"
    root.mkdir(exist_ok=True)
    where, text = case(root)
    before = tree_digest(root)
    args = ["-c", CONFIG, "-o", f"Global.dataset_dir={root}", "-o", "Global.device=cpu",
            "-o", f"Global.output={tmp_path / 'out'}", "-o", "Train.num_classes=3"]
    if case in LABELME_CASES:
        args += ["-o", "CheckDataset.convert.enable=True", "-o", "CheckDataset.convert.src_dataset_type=LabelMe"]
    proc = run_main(*args)
    line = one_error_line(proc, 1)
    assert where in line and text in line, proc.stderr
    result = read_result(tmp_path / "out", "check_dataset")
    assert result["done_flag"] is False and "\n" not in result["err_msg"]
    assert tree_digest(root) == before


def test_missing_dataset_dir(tmp_path):
    proc = run_main("-c", CONFIG, "-o", f"Global.dataset_dir={tmp_path / 'nope'}", "-o", "Global.device=cpu",
                    "-o", f"Global.output={tmp_path / 'out'}")
    assert proc.returncode == 1 and "nope" in proc.stderr and "Traceback" not in proc.stderr
    assert read_result(tmp_path / "out", "check_dataset")["done_flag"] is False


def test_split_percents_must_sum_to_100(tmp_path):
    root = make_dataset(tmp_path / "data")
    before = tree_digest(root)
    proc = run_main("-c", CONFIG, "-o", f"Global.dataset_dir={root}", "-o", "Global.device=cpu",
                    "-o", f"Global.output={tmp_path / 'out'}", "-o", "CheckDataset.split.enable=True",
                    "-o", "CheckDataset.split.train_percent=70", "-o", "CheckDataset.split.val_percent=20")
    assert proc.returncode == 2 and "CheckDataset.split.train_percent + val_percent = 90" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert read_result(tmp_path / "out", "check_dataset")["done_flag"] is False
    assert tree_digest(root) == before
    assert json.loads((tmp_path / "out/check_dataset_result.json").read_text())["err_type"] == "ConfigError"


def test_truncated_large_jpeg_found_without_decoding(tmp_path):
    from paddlex_train.tasks.semantic_segmentation.checks.scan import PairJob, inspect_pair

    root = make_dataset(tmp_path / "d", size=(400, 300))
    path = root / "images/s0.jpg"
    path.write_bytes(path.read_bytes()[: path.stat().st_size - 4000])
    res = inspect_pair(PairJob("train", 0, "images/s0.jpg", "annotations/s0.png", str(path),
                               str(root / "annotations/s0.png")))
    assert "images/s0.jpg is truncated (no end-of-JPEG marker)" in res.problems[0][1]


def test_missing_list_hints_nested_dataset_and_labelme(tmp_path):
    make_dataset(tmp_path / "outer/inner")
    proc = run_main("-c", CONFIG, "-o", f"Global.dataset_dir={tmp_path / 'outer'}", "-o", "Global.device=cpu",
                    "-o", f"Global.output={tmp_path / 'out'}", "-o", "Train.num_classes=3")
    assert f"-o Global.dataset_dir={tmp_path / 'outer/inner'}" in proc.stderr
    (tmp_path / "lm").mkdir()
    (tmp_path / "lm/train_anno_list.txt").write_text("a.json\n")
    proc = run_main("-c", CONFIG, "-o", f"Global.dataset_dir={tmp_path / 'lm'}", "-o", "Global.device=cpu",
                    "-o", f"Global.output={tmp_path / 'out'}")
    assert "CheckDataset.convert.src_dataset_type=LabelMe" in proc.stderr


def test_id_too_large_for_num_classes_is_a_warning(tmp_path):
    """Issue 12.1: Train.num_classes is a training key; the check passes and names the value to set."""
    root = make_dataset(tmp_path / "data")
    write_pair(root, "s4", ids=(0, 1, 9))
    proc = run_main("-c", CONFIG, "-o", f"Global.dataset_dir={root}", "-o", "Global.device=cpu",
                    "-o", f"Global.output={tmp_path / 'out'}", "-o", "Train.num_classes=3")
    assert proc.returncode == 0, proc.stderr
    warnings = read_result(tmp_path / "out", "check_dataset")["attributes"]["warnings"]
    assert any("label ids 9 are >= Train.num_classes=3" in w and "-o Train.num_classes=10" in w for w in warnings)
