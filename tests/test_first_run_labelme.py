"""Issue 12.3: LabelMe conversion on PaddleX's documented layout: images in images/, LabelMe JSONs in
annotations/, `imagePath` naming the file only, JSONs listed in train_anno_list.txt / val_anno_list.txt.

Built in a tmp dir from ../shared/data/labelme_voc_instance (read in place, copied only here); run through
main.py with the module YAMLs as shipped and only the documented convert keys.
"""
import json
import shutil

from PIL import Image

from conftest import INST_CONFIG_DIR, SEG_CONFIG_DIR, one_error_line, read_result, run_main, shared_data

STEMS = ("2011_000003", "2011_000006", "2011_000025")
CONVERT = ["-o", "CheckDataset.convert.enable=True", "-o", "CheckDataset.convert.src_dataset_type=LabelMe"]


def paddlex_layout(root):
    """images/<name>.jpg + annotations/<name>.json (imagePath = '<name>.jpg') + the two anno lists."""
    src = shared_data("labelme_voc_instance") / "data_annotated"
    (root / "images").mkdir(parents=True)
    (root / "annotations").mkdir()
    for stem in STEMS:
        shutil.copy(src / f"{stem}.jpg", root / "images" / f"{stem}.jpg")
        doc = json.loads((src / f"{stem}.json").read_text())
        doc["imagePath"] = f"{stem}.jpg"
        (root / "annotations" / f"{stem}.json").write_text(json.dumps(doc))
    (root / "train_anno_list.txt").write_text("".join(f"annotations/{s}.json\n" for s in STEMS[:2]))
    (root / "val_anno_list.txt").write_text(f"annotations/{STEMS[2]}.json\n")
    return root


def _check(config, root, out):
    return run_main("-c", config, "-o", "Global.mode=check_dataset", "-o", f"Global.dataset_dir={root}",
                    "-o", f"Global.output={out}", "-o", "Global.device=cpu", *CONVERT)


def test_instance_conversion_reads_images_from_images_dir(tmp_path):
    root = paddlex_layout(tmp_path / "inst")
    proc = _check(INST_CONFIG_DIR / "MaskRCNN-ResNet50-FPN.yaml", root, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    train = json.loads((root / "annotations/instance_train.json").read_text())
    assert sorted(i["file_name"] for i in train["images"]) == [f"{s}.jpg" for s in STEMS[:2]]  # basename
    val = json.loads((root / "annotations/instance_val.json").read_text())
    assert [i["file_name"] for i in val["images"]] == [f"{STEMS[2]}.jpg"]
    assert sorted(p.name for p in (root / "images").iterdir()) == [f"{s}.jpg" for s in STEMS]  # nothing copied
    attrs = read_result(tmp_path / "out", "check_dataset")["attributes"]
    assert attrs["num_classes"] > 0 and attrs["val_samples"] == 3


def test_same_name_next_to_json_and_in_images_differing_is_an_error(tmp_path):
    root = paddlex_layout(tmp_path / "inst")
    Image.new("RGB", (500, 375), (9, 9, 9)).save(root / "annotations" / f"{STEMS[0]}.jpg")
    proc = _check(INST_CONFIG_DIR / "MaskRCNN-ResNet50-FPN.yaml", root, tmp_path / "out")
    line = one_error_line(proc, 1)
    assert str(root / "annotations" / f"{STEMS[0]}.jpg") in line and str(root / "images" / f"{STEMS[0]}.jpg") in line
    assert "differ" in line and not (root / "annotations/instance_train.json").exists()


def test_same_file_in_both_places_is_fine(tmp_path):
    root = paddlex_layout(tmp_path / "inst")
    shutil.copy(root / "images" / f"{STEMS[0]}.jpg", root / "annotations" / f"{STEMS[0]}.jpg")
    proc = _check(INST_CONFIG_DIR / "MaskRCNN-ResNet50-FPN.yaml", root, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr


def test_semantic_conversion_reads_images_from_images_dir(tmp_path):
    root = paddlex_layout(tmp_path / "seg")
    proc = _check(SEG_CONFIG_DIR / "PP-LiteSeg-T.yaml", root, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    lines = (root / "train.txt").read_text().split()
    assert lines[0] == f"images/{STEMS[0]}.jpg" or lines[0] == f"images/{STEMS[1]}.jpg"
    assert sorted(p.name for p in (root / "images").iterdir()) == [f"{s}.jpg" for s in STEMS]
    assert read_result(tmp_path / "out", "check_dataset")["attributes"]["num_classes"] == 7  # bg + 6 classes
