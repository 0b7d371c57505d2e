"""The label doctor (diagnosis + advice) and dataset_tools.seg_fix_labels (corrected copy in a new dir)."""
import shutil

import numpy as np
from PIL import Image

from conftest import shared_data
from dataset_tools.seg_fix_labels import main as fix_main
from test_seg_check_helpers import check, make_dataset, tree_digest, write_pair


def _refuge(tmp_path):
    root = tmp_path / "refuge"
    shutil.copytree(shared_data("mmseg_real_samples") / "refuge", root)
    (root / "train.txt").write_text("img_dir/pseudo_g0001.png ann_dir/pseudo_g0001.png\n")
    (root / "val.txt").write_text("img_dir/pseudo_g0001.png ann_dir/pseudo_g0001.png\n")
    return root


def test_refuge_rgb_label_fails_with_advice_and_auto_fix_passes(tmp_path):
    root = _refuge(tmp_path)
    proc, result = check(root, tmp_path / "out")
    assert proc.returncode == 1
    assert "has 3 channels (RGB with R=G=B)" in result["err_msg"]
    assert f"seg_fix_labels {root} --out {root}_fixed --auto" in result["err_msg"]
    before = tree_digest(root)
    assert fix_main([str(root), "--out", f"{root}_fixed", "--auto"]) == 0
    assert tree_digest(root) == before
    proc, result = check(f"{root}_fixed", tmp_path / "out2")
    assert proc.returncode == 0, proc.stderr
    assert result["attributes"]["num_classes"] == 3


def test_binary_0_255_masks_fail_then_fix(tmp_path):
    root = make_dataset(tmp_path / "bin", ids=(0, 255))
    proc, result = check(root, tmp_path / "out", num_classes=2)
    assert proc.returncode == 1 and "only 0 and 255" in result["err_msg"]
    assert "--map 255:1" in result["err_msg"] and "Train.num_classes=2" in result["err_msg"]
    assert fix_main([str(root), "--out", str(tmp_path / "bin_fixed"), "--auto"]) == 0
    proc, result = check(tmp_path / "bin_fixed", tmp_path / "out2", num_classes=2)
    assert proc.returncode == 0, proc.stderr
    assert [c["id"] for c in result["attributes"]["classes"]] == [0, 1]


def test_labels_starting_at_one(tmp_path):
    root = make_dataset(tmp_path / "one", ids=(1, 2, 3))
    proc, result = check(root, tmp_path / "out", num_classes=4)
    assert proc.returncode == 1 and "no label contains id 0" in result["err_msg"] and "--shift -1" in result["err_msg"]
    fix_main([str(root), "--out", str(tmp_path / "one_fixed"), "--auto"])
    proc, result = check(tmp_path / "one_fixed", tmp_path / "out2", num_classes=3)
    assert proc.returncode == 0 and result["attributes"]["max_label_id"] == 2


def test_ids_beyond_num_classes_suggests_value(tmp_path):
    root = shared_data("camvid_subset")
    proc, result = check(root, tmp_path / "out", num_classes=11)
    assert proc.returncode == 0, proc.stderr  # issue 12.1: a warning, not a failure
    warning = [w for w in result["attributes"]["warnings"] if "Train.num_classes" in w][0]
    assert "label ids 11 are >= Train.num_classes=11" in warning
    assert "Train.num_classes=12" in warning and "--map 11:255" in warning


def test_palette_saved_as_rgb_is_recovered(tmp_path):
    from paddlex_train.vis.palette import voc_colormap

    root = make_dataset(tmp_path / "pal")
    cmap = voc_colormap(256)
    for p in (root / "annotations").glob("*.png"):
        ids = np.asarray(Image.open(p))
        Image.fromarray(cmap[ids], "RGB").save(p)
    proc, result = check(root, tmp_path / "out")
    assert "pseudo-colour image saved as RGB" in result["err_msg"]
    fix_main([str(root), "--out", str(tmp_path / "pal_fixed"), "--auto"])
    assert np.asarray(Image.open(tmp_path / "pal_fixed/annotations/s0.png")).max() == 2
    assert check(tmp_path / "pal_fixed", tmp_path / "out2")[0].returncode == 0


def test_jpeg_binary_masks_snap_and_map(tmp_path):
    root = tmp_path / "jpg"
    lines = [write_pair(root, f"j{i}", size=(64, 48), ids=(0, 255), label_ext=".jpg") for i in range(3)]
    (root / "train.txt").write_text("\n".join(lines[:2]) + "\n")
    (root / "val.txt").write_text(lines[2] + "\n")
    proc, result = check(root, tmp_path / "out", num_classes=2)
    assert "is a JPEG" in result["err_msg"] and "looks like a 0/255 mask" in result["err_msg"]
    assert fix_main([str(root), "--out", str(tmp_path / "jpg_fixed"), "--snap", "0,255", "--map", "255:1"]) == 0
    assert (tmp_path / "jpg_fixed/train.txt").read_text().split()[1] == "annotations/j0.png"
    assert check(tmp_path / "jpg_fixed", tmp_path / "out2", num_classes=2)[0].returncode == 0


def test_fix_refuses_existing_or_nested_output(tmp_path, capsys):
    root = make_dataset(tmp_path / "d")
    assert fix_main([str(root), "--out", str(root / "inside"), "--map", "1:2"]) == 1
    (tmp_path / "full").mkdir()
    (tmp_path / "full/x").write_text("x")
    assert fix_main([str(root), "--out", str(tmp_path / "full"), "--map", "1:2"]) == 1
    assert "must be a new (or empty) directory" in capsys.readouterr().err


def test_colour_map_file(tmp_path):
    root = make_dataset(tmp_path / "c")
    colours = {0: (10, 10, 10), 1: (200, 0, 0), 2: (0, 200, 0)}
    for p in (root / "annotations").glob("*.png"):
        ids = np.asarray(Image.open(p))
        Image.fromarray(np.asarray([colours[i] for i in range(3)], np.uint8)[ids], "RGB").save(p)
    (tmp_path / "colours.txt").write_text("10,10,10 0\n200,0,0 1\n0 200 0 2\n")
    assert fix_main([str(root), "--out", str(tmp_path / "c_fixed"), "--colour-map", str(tmp_path / "colours.txt")]) == 0
    assert check(tmp_path / "c_fixed", tmp_path / "out")[0].returncode == 0


def test_interpolated_binary_masks(tmp_path):
    root = make_dataset(tmp_path / "interp", size=(64, 48), ids=(0, 255))
    for p in (root / "annotations").glob("*.png"):
        small = Image.open(p).resize((16, 12), Image.NEAREST)
        small.resize((64, 48), Image.BILINEAR).save(p)  # the classic: a mask resized like a photo
        arr = np.asarray(Image.open(p)).copy()
        arr[0, :40] = np.arange(1, 41)  # make sure many in-between values exist
        Image.fromarray(arr).save(p)
    proc, result = check(root, tmp_path / "out", num_classes=2)
    assert proc.returncode == 1 and "resized with interpolation" in result["err_msg"]
    assert "--snap 0,255 --map 255:1" in result["err_msg"]


def test_many_real_classes_are_not_noise(tmp_path):
    root = make_dataset(tmp_path / "many", size=(80, 24), ids=tuple(range(40)))
    proc, result = check(root, tmp_path / "out", num_classes=40)
    assert proc.returncode == 0, proc.stderr
    assert result["attributes"]["num_classes"] == 40
