"""Units of the parity figures (tasks/base/parity_compare.py): no paddle, milliseconds."""
import numpy as np

from paddlex_train.tasks.base.parity_compare import compare_instance, compare_semantic


def _inst(*rows, size=(20, 20)):
    boxes, masks = [], []
    for cls_id, score, x0 in rows:
        boxes.append({"cls_id": cls_id, "score": score, "coordinate": [x0, 2.0, x0 + 6.0, 12.0]})
        mask = np.zeros(size, bool)
        mask[2:12, int(x0):int(x0) + 6] = True
        masks.append(mask)
    return {"boxes": boxes, "masks": np.asarray(masks).reshape(-1, *size)}


def test_semantic_agreement_and_miou_delta():
    ref = [np.zeros((10, 10), np.int32)]
    cand = [ref[0].copy()]
    cand[0][0, 0] = 1
    figures = compare_semantic(ref, cand, num_classes=2)
    assert figures["pixel_agreement"] == 0.99 and figures["passed"] is False
    assert figures["miou_against"] == "reference labels" and figures["miou_delta"] > 0
    truth = [np.zeros((10, 10), np.uint8)]
    assert compare_semantic(ref, ref, truth, 2)["miou_delta"] == 0.0


def test_semantic_disagreements_on_reference_ties_do_not_count():
    """A pixel whose reference top-2 logits are within the tie margin may go either way in another engine."""
    ref = [np.zeros((10, 10), np.int32)]
    cand = [ref[0].copy()]
    cand[0][0, :5] = 1
    ties = [np.zeros((10, 10), bool)]
    ties[0][0, :3] = True  # 3 of the 5 differing pixels are ties
    figures = compare_semantic(ref, cand, num_classes=2, ties=ties)
    assert figures["tied_disagreements"] == 3 and figures["pixel_agreement"] == 0.98
    assert figures["tolerance"]["tie_margin"] > 0
    ties[0][0, :5] = True
    assert compare_semantic(ref, cand, num_classes=2, ties=ties)["passed"] is True
    assert compare_semantic(ref, cand, num_classes=2)["tied_disagreements"] == 0  # no margins: every pixel counts


def test_tie_map_from_logits():
    from paddlex_train.tasks.base.parity_compare import SEMANTIC_TIE_MARGIN, tie_map

    logits = np.zeros((1, 3, 2, 2), np.float32)
    logits[0, 0] = 10.0  # class 0 wins by 10 ...
    logits[0, 1, 0, 0] = 10.0 - SEMANTIC_TIE_MARGIN * 10 / 2  # ... except at (0, 0), where class 1 is within the margin
    assert tie_map(logits).tolist() == [[[True, False], [False, False]]]


def test_instances_match_in_any_order_and_report_offsets():
    ref = _inst((0, 0.9, 1.0), (1, 0.8, 10.0))
    cand = _inst((1, 0.801, 10.5), (0, 0.9, 1.0))
    figures = compare_instance([ref], [cand])
    assert figures["matched_instances"] == 2 and figures["passed"] is True
    assert figures["max_box_offset"] == 0.5 and figures["min_mask_iou"] == 1.0


def test_a_missing_or_reclassified_instance_fails():
    ref = _inst((0, 0.9, 1.0), (1, 0.8, 10.0))
    figures = compare_instance([ref], [_inst((2, 0.9, 1.0), (1, 0.8, 10.0))])  # the top instance changed class
    assert figures["matched_instances"] == 1 and figures["passed"] is False


def test_ties_at_a_shared_keep_top_k_cut_are_left_out_and_counted():
    ref = _inst((0, 0.9, 1.0), (1, 0.4, 10.0))
    cand = _inst((0, 0.9, 1.0), (1, 0.4, 4.0))  # same count: the last (tied) slot went to another instance
    figures = compare_instance([ref], [cand])
    assert figures["tied_at_cut"] == 1 and figures["reference_instances"] == 1 and figures["passed"] is True
    fewer = compare_instance([ref], [_inst((0, 0.9, 1.0))])  # not cut at the same count: a real miss
    assert fewer["tied_at_cut"] == 0 and fewer["passed"] is False


def test_near_tie_clusters_resolved_the_other_way_by_nms_are_left_out_and_counted():
    # The reference kept the box at x=10, the candidate its tied neighbour at x=11 (box IoU 0.71, score equal):
    # NMS broke a near-tie the other way; the masks differ by more than the rule allows, the model does not.
    ref = _inst((0, 0.9, 1.0), (1, 0.30, 10.0))
    cand = _inst((0, 0.9, 1.0), (1, 0.301, 11.0), (1, 0.1, 30.0), size=(20, 40))
    ref = {"boxes": ref["boxes"], "masks": np.pad(ref["masks"], ((0, 0), (0, 0), (0, 20)))}
    figures = compare_instance([ref], [cand])
    assert figures["tied_in_nms"] == 1 and figures["reference_instances"] == 1 and figures["passed"] is True
    # A real disagreement is not excused: the same neighbour with another score.
    moved = _inst((0, 0.9, 1.0), (1, 0.45, 11.0), (1, 0.1, 30.0), size=(20, 40))
    figures = compare_instance([ref], [moved])
    assert figures["tied_in_nms"] == 0 and figures["passed"] is False
