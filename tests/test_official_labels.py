"""Issue 20 item 2: the official label sets are written down once and right; the official table covers every
catalogued model with PaddleX's Export.weight_path URL and the right label set."""
import re
from pathlib import Path

import pytest

from paddlex_train.catalog import catalog
from paddlex_train.official import ADE20K_150, CITYSCAPES_19, COCO_80, OFFICIAL, official_model

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "paddlex_pretrained.md"


def test_sizes_and_unique_names():
    assert (len(CITYSCAPES_19), len(ADE20K_150), len(COCO_80)) == (19, 150, 80)
    for labels in (CITYSCAPES_19, ADE20K_150, COCO_80):
        assert len(set(labels)) == len(labels)
    assert CITYSCAPES_19[:3] == ("road", "sidewalk", "building") and CITYSCAPES_19[-1] == "bicycle"
    assert ADE20K_150[:3] == ("wall", "building", "sky") and ADE20K_150[-1] == "flag"


def test_coco_names_are_the_ones_ppdet_ships():
    from ppdet.data.source.category import _coco17_category

    _, catid2name = _coco17_category()
    assert tuple(catid2name[k] for k in sorted(catid2name)) == COCO_80


@pytest.mark.parametrize("prefix,labels", [("PP-LiteSeg", CITYSCAPES_19), ("SegFormer", CITYSCAPES_19),
                                           ("Deeplabv3", CITYSCAPES_19), ("OCRNet", CITYSCAPES_19),
                                           ("SeaFormer", ADE20K_150), ("MaskFormer", ADE20K_150)])
def test_semantic_families(prefix, labels):
    models = [m for m in catalog() if m.startswith(prefix)]
    assert models and all(official_model(m).labels == labels for m in models)


def test_every_catalogued_model_is_in_the_table():
    assert set(OFFICIAL) == set(catalog())
    instance = [m for m, e in catalog().items() if e.module == "instance_segmentation"]
    assert all(official_model(m).labels == COCO_80 and official_model(m).num_classes == 80 for m in instance)


def test_urls_are_paddlex_export_weight_paths():
    if not REFERENCE.is_file():
        pytest.skip("../shared/reference is not available")
    rows = re.findall(r"^\| \w+ \| (\S+) \| \S+ \| (\S+) \|$", REFERENCE.read_text(), re.M)
    table = {model: url for model, url in rows if url.startswith("http")}
    assert {m: o.url for m, o in OFFICIAL.items()} == table
