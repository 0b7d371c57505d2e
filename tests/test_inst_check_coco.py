"""Instance-segmentation check_dataset on valid COCO data: result keys, counts, renders, histogram, offline."""
import json
import shutil
import socket
import subprocess
import sys

import pytest
from PIL import Image

from conftest import INST_CONFIG_DIR, REPO, read_result, shared_data
from dataset_tools.synthetic_coco import generate
from paddlex_train.cli import main as cli_main

CONFIG = INST_CONFIG_DIR / "Mask-RT-DETR-S.yaml"
PADDLEX_KEYS = ["num_classes", "train_samples", "train_sample_paths", "val_samples", "val_sample_paths"]


def run_check(dataset, output, *extra):
    """check_dataset in-process through the CLI; returns the exit code."""
    return cli_main(["-c", str(CONFIG), "-o", "Global.mode=check_dataset", "-o", f"Global.dataset_dir={dataset}",
                     "-o", f"Global.output={output}", *extra])


@pytest.fixture
def offline(monkeypatch):
    """Any attempt to open a network connection fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_synthetic_set_passes_offline(tmp_path, offline):
    root = generate(tmp_path / "data", num=14, size=64, seed=1)
    assert run_check(root, tmp_path / "out") == 0
    res = read_result(tmp_path / "out", "check_dataset")
    assert res["done_flag"] is True and res["check_pass"] is True
    assert res["dataset_type"] == "COCOInstSegDataset" and res["show_type"] == "image"
    assert res["analysis"] == {"histogram": "check_dataset/histogram.png"}
    attrs = res["attributes"]
    assert list(attrs)[:5] == PADDLEX_KEYS
    train = json.loads((root / "annotations/instance_train.json").read_text())
    val = json.loads((root / "annotations/instance_val.json").read_text())
    assert attrs["num_classes"] == 3
    assert attrs["train_samples"] == len(train["annotations"]) and attrs["val_samples"] == len(val["annotations"])
    assert attrs["train_images"] == len(train["images"]) == 10 and attrs["val_images"] == 4
    assert sum(attrs["train_instances_per_category"].values()) == attrs["train_samples"]
    assert attrs["train_images_without_annotations"] == 0
    # Up to 10 renders per split, in separate folders so train and val never overwrite each other.
    assert len(attrs["train_sample_paths"]) == 10 and len(attrs["val_sample_paths"]) == 4
    for rel in attrs["train_sample_paths"] + attrs["val_sample_paths"]:
        with Image.open(tmp_path / "out" / rel) as im:
            assert im.size == (64, 64)
    assert {p.split("/")[2] for p in attrs["train_sample_paths"]} == {"train"}
    with Image.open(tmp_path / "out/check_dataset/histogram.png") as im:
        assert im.size[0] >= 900


def test_renders_show_masks(tmp_path):
    root = generate(tmp_path / "data", num=4, size=64, seed=2)
    assert run_check(root, tmp_path / "out") == 0
    rel = read_result(tmp_path / "out", "check_dataset")["attributes"]["train_sample_paths"][0]
    with Image.open(tmp_path / "out" / rel) as drawn, Image.open(root / "images/synth_0000.jpg") as orig:
        diff = sum(abs(a - b) for a, b in zip(drawn.convert("L").getdata(), orig.convert("L").getdata()))
    assert diff > 64 * 64  # masks, boxes and labels changed the picture


def test_images_without_annotations_are_reported(tmp_path):
    root = generate(tmp_path / "data", num=6, size=32, seed=0)
    path = root / "annotations/instance_train.json"
    doc = json.loads(path.read_text())
    doc["annotations"] = [a for a in doc["annotations"] if a["image_id"] != 1]
    path.write_text(json.dumps(doc))
    assert run_check(root, tmp_path / "out") == 0
    attrs = read_result(tmp_path / "out", "check_dataset")["attributes"]
    assert attrs["train_images_without_annotations"] == 1
    assert attrs["train_images_without_annotations_list"] == ["synth_0000.jpg"]


def test_uncompressed_rle_and_crowd_polygons_pass(tmp_path):
    import numpy as np
    from pycocotools import mask as mask_utils

    root = generate(tmp_path / "data", num=4, size=32, seed=0)
    path = root / "annotations/instance_train.json"
    doc = json.loads(path.read_text())
    first, second = doc["annotations"][0], doc["annotations"][1]
    mask = mask_utils.decode(mask_utils.merge(mask_utils.frPyObjects(first["segmentation"], 32, 32)))
    runs, flat, value = [], np.asfortranarray(mask).flatten(order="F"), 0
    while flat.size:  # uncompressed COCO RLE: alternating run lengths of 0s and 1s, column-major
        n = int(np.argmax(flat != value)) if (flat != value).any() else flat.size
        runs.append(n)
        flat, value = flat[n:], 1 - value
    first.update(segmentation={"size": [32, 32], "counts": runs}, iscrowd=1)
    second.update(iscrowd=1)  # a crowd region given as a polygon
    path.write_text(json.dumps(doc))
    assert run_check(root, tmp_path / "out") == 0
    attrs = read_result(tmp_path / "out", "check_dataset")["attributes"]
    assert attrs["train_crowd_annotations"] == 2
    assert sum(attrs["train_instances_per_category"].values()) == attrs["train_samples"] - 2


def test_image_in_both_splits_is_a_warning(tmp_path):
    root = generate(tmp_path / "data", num=4, size=32, seed=0)
    train = json.loads((root / "annotations/instance_train.json").read_text())
    val_path = root / "annotations/instance_val.json"
    val = json.loads(val_path.read_text())
    val["images"].append(dict(train["images"][0], id=99))
    val_path.write_text(json.dumps(val))
    assert run_check(root, tmp_path / "out") == 0
    assert "in both train and val (e.g. synth_0000.jpg)" in (tmp_path / "out/check_dataset.log").read_text()


def _panoptic_layout(tmp_path):
    src = shared_data("coco_panoptic_sample")
    root = tmp_path / "pan"
    (root / "annotations").mkdir(parents=True)
    shutil.copytree(src / "input_images", root / "images")
    doc = json.loads((src / "panoptic_coco_detection_format.json").read_text())
    for split, image_id in (("train", 439180), ("val", 142238)):
        part = dict(doc, images=[i for i in doc["images"] if i["id"] == image_id],
                    annotations=[a for a in doc["annotations"] if a["image_id"] == image_id])
        (root / f"annotations/instance_{split}.json").write_text(json.dumps(part))
    return root


def test_coco_panoptic_sample_with_rle_and_crowd(tmp_path, offline):
    root = _panoptic_layout(tmp_path)
    assert run_check(root, tmp_path / "out") == 0
    attrs = read_result(tmp_path / "out", "check_dataset")["attributes"]
    assert (attrs["train_samples"], attrs["val_samples"]) == (32, 18)
    assert (attrs["train_images"], attrs["val_images"]) == (1, 1)
    assert (attrs["train_crowd_annotations"], attrs["val_crowd_annotations"]) == (2, 1)
    assert attrs["num_classes"] == 133
    things = {"person", "horse", "truck", "sports ball"}
    n_things = sum(v for split in ("train", "val") for k, v in attrs[f"{split}_instances_per_category"].items()
                   if k in things)
    assert n_things == 43 - 3  # 43 thing annotations, 3 of them crowd (counted separately)
    assert attrs["train_instances_per_category"]["horse"] == 11


def test_split_then_check(tmp_path):
    root = generate(tmp_path / "data", num=10, size=32, seed=0)
    before = {p: (root / "annotations" / p).read_bytes() for p in ("instance_train.json", "instance_val.json")}
    assert run_check(root, tmp_path / "out", "-o", "CheckDataset.split.enable=True",
                     "-o", "CheckDataset.split.train_percent=70", "-o", "CheckDataset.split.val_percent=30",
                     "-o", "CheckDataset.split.seed=5") == 0
    attrs = read_result(tmp_path / "out", "check_dataset")["attributes"]
    assert (attrs["train_images"], attrs["val_images"]) == (7, 3)
    for name, data in before.items():
        assert (root / "annotations" / (name + ".bak")).read_bytes() == data


def test_check_dataset_never_imports_paddle_or_pyplot(tmp_path):
    root = generate(tmp_path / "data", num=4, size=32, seed=0)
    code = ("import sys; from paddlex_train.cli import main; "
            f"rc = main(['-c', {str(CONFIG)!r}, '-o', 'Global.mode=check_dataset', "
            f"'-o', 'Global.dataset_dir={root}', '-o', 'Global.output={tmp_path / 'out'}']); "
            "print(rc, 'paddle' in sys.modules, 'ppdet' in sys.modules, 'matplotlib.pyplot' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.stdout.split()[-4:] == ["0", "False", "False", "False"], out.stderr


def test_main_py_subprocess(tmp_path):
    from conftest import run_main

    root = generate(tmp_path / "data", num=4, size=32, seed=0)
    proc = run_main("-c", CONFIG, "-o", "Global.mode=check_dataset", "-o", f"Global.dataset_dir={root}",
                    "-o", f"Global.output={tmp_path / 'out'}")
    assert proc.returncode == 0, proc.stderr
    assert "Check dataset passed" in proc.stderr + proc.stdout
