"""check_dataset for semantic segmentation: the PaddleX result contract, renders, histogram, real data."""
import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from conftest import REPO, shared_data
from test_seg_check_helpers import CONFIG, check, make_dataset, tree_digest, write_pair

PADDLEX_ATTRIBUTE_ORDER = ["train_sample_paths", "train_samples", "val_sample_paths", "val_samples", "num_classes"]


def test_camvid_subset_passes_like_paddlex(tmp_path):
    data = shared_data("camvid_subset")
    before = tree_digest(data)
    proc, result = check(data, tmp_path / "out", num_classes=12)
    assert proc.returncode == 0, proc.stderr
    assert result["done_flag"] and result["check_pass"]
    attrs = result["attributes"]
    assert list(attrs)[:5] == PADDLEX_ATTRIBUTE_ORDER
    assert (attrs["train_samples"], attrs["val_samples"], attrs["num_classes"]) == (16, 4, 12)
    assert attrs["max_label_id"] == 11 and attrs["absent_ids"] == []
    assert [c["id"] for c in attrs["classes"]] == list(range(12))
    assert sum(c["val_images"] for c in attrs["classes"] if c["id"] == 0) == 4
    assert len(attrs["train_sample_paths"]) == 10 and len(attrs["val_sample_paths"]) == 4
    for rel in attrs["train_sample_paths"] + attrs["val_sample_paths"]:
        assert rel.startswith("check_dataset/demo_img/") and (tmp_path / "out" / rel).is_file()
    assert result["analysis"] == {"histogram": "check_dataset/histogram.png"}
    assert Image.open(tmp_path / "out" / "check_dataset/histogram.png").size[0] >= 900
    assert result["dataset_path"] == str(data)
    assert (result["show_type"], result["dataset_type"]) == ("image", "SegDataset")
    assert tree_digest(data) == before


def test_render_is_paddlex_blend(tmp_path):
    from paddlex_train.vis.palette import overlay

    data = make_dataset(tmp_path / "d", n_train=1, n_val=1, size=(64, 48), image_ext=".png")
    smooth = np.dstack(np.meshgrid(np.arange(64) * 3, np.arange(48) * 4) + [np.full((48, 64), 90)]).astype(np.uint8)
    Image.fromarray(smooth, "RGB").save(data / "images/s0.png")  # JPEG previews keep smooth images close
    proc, result = check(data, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    render = np.asarray(Image.open(tmp_path / "out" / result["attributes"]["train_sample_paths"][0]), np.int16)
    label = np.asarray(Image.open(data / "annotations/s0.png"))
    expected = np.asarray(overlay(Image.open(data / "images/s0.png"), label), np.int16)
    assert np.abs(render - expected).mean() < 3  # JPEG preview of the same 0.6/0.4 blend


def test_train_and_val_renders_never_collide(tmp_path):
    root = tmp_path / "d"
    line = write_pair(root, "same")
    (root / "train.txt").write_text(line + "\n")
    (root / "val.txt").write_text(line + "\n")
    proc, result = check(root, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    a = result["attributes"]
    assert a["train_sample_paths"] != a["val_sample_paths"]
    assert "both train.txt and val.txt" in proc.stdout and len(a["warnings"]) == 1


def test_class_names_gaps_and_whitespace(tmp_path):
    root = tmp_path / "d"
    lines = [write_pair(root, f"p{i}", ids=(0, 3, 7)) for i in range(3)]
    (root / "train.txt").write_text(lines[0] + "\n\n" + lines[1].replace(" ", "\t") + "\n")
    (root / "val.txt").write_text(lines[2].replace("images/", "images\\") + "\n")
    (root / "class_name.txt").write_text("bg\na\nb\nc\nd\ne\nf\ng\n")
    proc, result = check(root, tmp_path / "out", num_classes=8)
    assert proc.returncode == 0, proc.stderr
    a = result["attributes"]
    assert a["num_classes"] == 3 and a["max_label_id"] == 7 and a["absent_ids"] == [1, 2, 4, 5, 6]
    assert [(c["id"], c["name"], c["train_images"], c["val_images"]) for c in a["classes"]] == [
        (0, "bg", 2, 1), (3, "c", 2, 1), (7, "g", 2, 1)]
    assert "not separated by exactly one space" in proc.stdout
    assert any("Windows backslashes" in w for w in a["warnings"])


def test_demo_command_passes_on_synthetic_data(tmp_path):
    subprocess.run([sys.executable, "-m", "dataset_tools.synthetic_seg", "--out", str(tmp_path / "syn"),
                    "--num", "12", "--size", "64"], cwd=REPO, check=True, capture_output=True)
    proc, result = check(tmp_path / "syn", tmp_path / "out", num_classes=4)
    assert proc.returncode == 0, proc.stderr
    names = [c.get("name") for c in result["attributes"]["classes"]]
    assert names[0] == "background"


def test_check_dataset_never_imports_paddle_or_matplotlib_in_parent(tmp_path):
    data = make_dataset(tmp_path / "d")
    code = (f"import sys; from paddlex_train.cli import main; "
            f"rc = main(['-c', {str(CONFIG)!r}, '-o', 'Global.dataset_dir={data}', '-o', 'Global.device=cpu', "
            f"'-o', 'Global.output={tmp_path / 'out'}', '-o', 'Train.num_classes=3']); "
            "print(rc, 'paddle' in sys.modules, 'matplotlib' in sys.modules, 'labelme' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True).stdout
    assert out.strip().splitlines()[-1] == "0 False False False"


def test_large_set_uses_the_pool_and_matches_serial(tmp_path):
    from paddlex_train.tasks.semantic_segmentation.checks.scan import PairJob, scan

    root = make_dataset(tmp_path / "d", n_train=60, n_val=0)
    lines = (root / "train.txt").read_text().split()
    jobs = [PairJob("train", i, lines[2 * i], lines[2 * i + 1], str(root / lines[2 * i]), str(root / lines[2 * i + 1]))
            for i in range(60)]
    pooled, serial = scan(jobs, workers=2), scan(jobs, workers=1)
    assert [(r.index, r.ids.tolist(), r.pixels.tolist()) for r in pooled] == \
        [(r.index, r.ids.tolist(), r.pixels.tolist()) for r in serial]


def test_problem_report_lists_every_problem(tmp_path):
    root = make_dataset(tmp_path / "d", n_train=3, n_val=1)
    (root / "train.txt").write_text("images/x1.jpg annotations/s0.png\nimages/s1.jpg annotations/x2.png\n"
                                    "just_one_field\n")
    proc, result = check(root, tmp_path / "out")
    assert proc.returncode == 1 and result["done_flag"] is False
    report = (tmp_path / "out/check_dataset/problems.txt").read_text().splitlines()
    assert [r.split(": ")[0].rsplit(":", 1)[1] for r in report] == ["1", "2", "3"]
    assert "3 problems" in result["err_msg"]


@pytest.mark.parametrize("bad", ["", "\n\n"])
def test_empty_lists(tmp_path, bad):
    root = make_dataset(tmp_path / "d")
    (root / "val.txt").write_text(bad)
    proc, result = check(root, tmp_path / "out")
    assert proc.returncode == 1 and "val.txt is empty" in result["err_msg"]


def test_result_json_is_valid(tmp_path):
    data = make_dataset(tmp_path / "d")
    proc, result = check(data, tmp_path / "out")
    assert json.loads((tmp_path / "out/check_dataset_result.json").read_text()) == result


def test_exif_rotated_image_is_compared_as_displayed(tmp_path):
    from paddlex_train.tasks.semantic_segmentation.checks.scan import PairJob, inspect_pair

    root = make_dataset(tmp_path / "d", size=(40, 30))
    image = Image.open(root / "images/s0.jpg")
    exif = image.getexif()
    exif[0x0112] = 6  # rotate 90: displayed as 30x40, as PaddleX (exif_transpose) and labelme see it
    image.save(root / "images/s0.jpg", exif=exif)
    job = PairJob("train", 0, "images/s0.jpg", "annotations/s0.png", str(root / "images/s0.jpg"),
                  str(root / "annotations/s0.png"))
    res = inspect_pair(job)
    assert res.problems[0][0] == "size" and "EXIF-rotated" in res.problems[0][2]
    Image.new("L", (30, 40)).save(root / "annotations/s0.png")
    assert inspect_pair(job).problems == []


def test_classes_missing_from_a_split_are_warned(tmp_path):
    root = tmp_path / "d"
    lines = [write_pair(root, "a", ids=(0, 1)), write_pair(root, "b", ids=(0, 2))]
    (root / "train.txt").write_text(lines[0] + "\n")
    (root / "val.txt").write_text(lines[1] + "\n")
    proc, result = check(root, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    warnings = " | ".join(result["attributes"]["warnings"])
    assert "class ids 2 occur in val.txt but never in train.txt" in warnings
    assert "class ids 1 never occur in val.txt" in warnings
