"""Issue 12.4 units: a pretrained file's layout (whole model / backbone only) is told from its keys, the log line
says what loaded into what, a file that fits nothing is refused, and an unreachable URL gives the offline hint."""
import pytest

from paddlex_train.errors import ConfigError
from paddlex_train.training import weights

MODEL = {"backbone.stem.weight": (8, 3, 3, 3), "backbone.stage1.weight": (16, 8, 3, 3),
         "head.conv.weight": (19, 16, 1, 1), "head.conv.bias": (19,)}


def test_backbone_only_file_goes_to_the_backbone():
    plan = weights.plan_load(MODEL, {"stem.weight": (8, 3, 3, 3), "stage1.weight": (16, 8, 3, 3)})
    assert plan["layout"] == "backbone only" and plan["prefix"] == "backbone."
    assert sorted(plan["report"]["matched"]) == ["backbone.stage1.weight", "backbone.stem.weight"]
    assert plan["report"]["missing"] == []  # the head is not "missing" from a backbone file
    line = weights.describe_load("bb.pdparams", plan)
    assert line == ("Loaded pretrained weights bb.pdparams (backbone only) into model.backbone: 2 of 2 backbone "
                    "tensors; the other 2 model tensors keep their initialisation")


def test_whole_model_file_skips_the_other_class_count_head():
    file = dict(MODEL, **{"head.conv.weight": (80, 16, 1, 1), "head.conv.bias": (80,)})
    plan = weights.plan_load(MODEL, file)
    assert plan["layout"] == "whole model" and plan["prefix"] == ""
    assert len(plan["report"]["matched"]) == 2 and sorted(plan["report"]["mismatched"]) == sorted(
        ["head.conv.weight", "head.conv.bias"])
    line = weights.describe_load("coco.pdparams", plan)
    assert line.startswith("Loaded pretrained weights coco.pdparams (whole model) into the model: 2 tensors; "
                           "2 of another shape, skipped (class-dependent head?): ")


def test_file_of_another_model_is_refused():
    plan = weights.plan_load(MODEL, {"encoder.block.weight": (4, 4)})
    with pytest.raises(ConfigError) as info:
        weights.require_fit(plan, "other.pdparams", "PP-LiteSeg-T")
    assert info.value.one_line() == (
        "Train.pretrain_weight_path=other.pdparams: none of its tensors fit PP-LiteSeg-T, neither as a whole model "
        "nor as its backbone. Hint: use weights of PP-LiteSeg-T (or its backbone), or null to train from scratch")


def test_unreachable_url_names_the_ways_out(tmp_path, monkeypatch):
    monkeypatch.setenv("PADDLEX_TRAIN_CACHE", str(tmp_path / "cache"))
    with pytest.raises(weights.DownloadError) as info:
        weights.prefetch_pretrained({"pretrain_weight_path": "http://127.0.0.1:9/PP-LiteSeg-T_backbone.pdparams"},
                                    model="PP-LiteSeg-T")
    line = info.value.one_line()
    assert line.startswith("Train.pretrain_weight_path: Could not download pretrained weights from "
                           "http://127.0.0.1:9/PP-LiteSeg-T_backbone.pdparams: ")
    for part in ("give its local path (-o Train.pretrain_weight_path=/path/to/model.pdparams)",
                 f"pre-fill the cache {tmp_path / 'cache'}", "python main.py --download_weights PP-LiteSeg-T",
                 "-o Train.pretrain_weight_path=null to train from scratch"):
        assert part in line
    assert "\n" not in line


def test_nothing_to_prefetch_without_a_url_or_when_resuming():
    assert weights.prefetch_pretrained({"pretrain_weight_path": None}) is None
    assert weights.prefetch_pretrained({"pretrain_weight_path": "http://127.0.0.1:9/w", "resume_path": "x"}) is None


def test_backbone_file_already_in_model_names_is_still_a_backbone_file():
    """A model's convert_state_dict (SeaFormer) may have added the prefix already."""
    plan = weights.plan_load(MODEL, {"backbone.stem.weight": (8, 3, 3, 3), "backbone.stage1.weight": (16, 8, 3, 3)})
    assert plan["layout"] == "backbone only" and plan["prefix"] == "" and plan["not_covered"] == 2
