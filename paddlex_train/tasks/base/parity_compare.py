"""The figures of a parity report: how far two predictors' results on the same images are apart.

Semantic: the share of pixels with the same class id, and the mIoU delta (mIoU against the ground truth when the
images have labels, else the candidate's mIoU against the reference's labels, whose own mIoU is then 1). A pixel
whose reference top-2 logits lie within SEMANTIC_TIE_MARGIN of the image's largest |logit| is a tie that another
engine's rounding may resolve the other way; disagreeing there is counted (`tied_disagreements`), not failed
(frequent for barely trained models, whose logits tie everywhere).
Instance: the rule of shared/tools/compare_instance_reference.py: every reference instance (score >= MIN_SCORE)
must find its own candidate instance (maximum matching) with the same class, score within 2e-3 + 1 %, box corners
within 2 px and mask IoU >= 0.9 (masks under 30 px: areas within 30 px). When both engines return the same number
of instances (the model's keep_top_k cut), reference instances whose score ties the candidate's lowest kept score are
left out and counted (`tied_at_cut`): which of a tie survives the cut is each engine's tie-breaking. Likewise inside
NMS: an unmatched reference instance paired with an unmatched candidate of the same class, a tied score and a box
overlapping it by IoU >= NMS_TIE_IOU is the other member of a near-tie cluster that NMS resolved the other way
(`tied_in_nms`; frequent for untrained weights, whose scores tie in clusters).
"""
import numpy as np

SEMANTIC_MIN_AGREEMENT = 0.999   # share of pixels (issue 18 acceptance: >= 99.9 %)
SEMANTIC_TIE_MARGIN = 0.05       # top-2 logit gap, relative to the image's max |logit|, below which a pixel is a tie.
                                 # Paddle Inference's fused CPU programs moved a 2-iteration MaskFormer's gap by 1.9 %
                                 # of that scale (a whole image flipped); a wrong resize or normalisation still
                                 # changes a trained model's decisive pixels (tests/test_parity_export.py)
INSTANCE_MIN_MATCHED = 0.95      # share of reference instances matched (compare_instance_reference.py)
MIN_SCORE = 0.05                 # reference instances below this score are not required to match: the candidate
                                 # runs at threshold 0, so a score near the cut cannot drop an instance
SCORE_TOL, SCORE_REL, BOX_TOL, MASK_IOU, SMALL_MASK = 2e-3, 0.01, 2.0, 0.9, 30
NMS_TIE_IOU = 0.5                # below every NMS IoU threshold the instance models use (0.5-0.7)


def _miou(pred, truth, num_classes, ignore=255):
    """Mean IoU over the classes present in `truth` or `pred` (ignore pixels left out)."""
    keep = truth != ignore
    p, t = pred[keep].astype(np.int64), truth[keep].astype(np.int64)
    n = max(num_classes, int(max(p.max(initial=0), t.max(initial=0))) + 1)
    cm = np.bincount(t * n + p, minlength=n * n).reshape(n, n)
    inter = np.diag(cm)
    union = cm.sum(0) + cm.sum(1) - inter
    present = union > 0
    return float((inter[present] / union[present]).mean()) if present.any() else 1.0


def tie_map(logits):
    """(N, H, W) bool: pixels of (N, C, H, W) logits whose top-2 gap is under SEMANTIC_TIE_MARGIN x max |logit|."""
    logits = np.asarray(logits, np.float32)
    if logits.shape[1] < 2:
        return np.zeros((logits.shape[0],) + logits.shape[2:], bool)
    top2 = np.partition(logits, -2, axis=1)[:, -2:]
    scale = np.abs(logits).reshape(len(logits), -1).max(axis=1).reshape(-1, 1, 1)
    return (top2[:, 1] - top2[:, 0]) < SEMANTIC_TIE_MARGIN * np.maximum(scale, 1e-12)


def compare_semantic(reference, candidate, truths=None, num_classes=0, ties=None):
    """Figures for lists of (H, W) class-id maps; `truths` (same sizes, or None) are the ground-truth labels and
    `ties` (same sizes, or None) mark the reference's tied pixels (tie_map)."""
    differ = [r != c for r, c in zip(reference, candidate)]
    tied = sum(int((d & t).sum()) for d, t in zip(differ, ties)) if ties is not None else 0
    total = sum(r.size for r in reference) or 1
    agreement = (total - sum(int(d.sum()) for d in differ) + tied) / total
    flat = lambda maps: np.concatenate([m.reshape(-1) for m in maps]) if maps else np.zeros(0, np.int32)  # noqa
    ref, cand = flat(reference), flat(candidate)
    if truths is not None and all(t is not None for t in truths):
        truth = flat(truths)
        delta, against = _miou(ref, truth, num_classes) - _miou(cand, truth, num_classes), "ground truth"
    else:
        delta, against = 1.0 - _miou(cand, ref, num_classes), "reference labels"
    return {"pixel_agreement": round(agreement, 6), "tied_disagreements": tied, "miou_delta": round(delta, 6),
            "miou_against": against, "pixels": int(total),
            "tolerance": {"pixel_agreement_min": SEMANTIC_MIN_AGREEMENT, "tie_margin": SEMANTIC_TIE_MARGIN},
            "passed": agreement >= SEMANTIC_MIN_AGREEMENT}


def _feasible(r, p):
    """Whether candidate p may stand for reference instance r; returns (ok, box offset, mask iou)."""
    if p["cls"] != r["cls"] or abs(p["score"] - r["score"]) > SCORE_TOL + SCORE_REL * r["score"]:
        return False, None, None
    offset = float(np.abs(p["box"] - r["box"]).max())
    if offset > BOX_TOL:
        return False, offset, None
    if p["mask"].shape != r["mask"].shape:
        return False, offset, 0.0
    union = int(np.logical_or(p["mask"], r["mask"]).sum())
    if union < SMALL_MASK:
        return abs(int(p["mask"].sum()) - int(r["mask"].sum())) <= SMALL_MASK, offset, 1.0
    iou = float(np.logical_and(p["mask"], r["mask"]).sum() / union)
    return iou >= MASK_IOU, offset, iou


def _instances(result, min_score):
    boxes, masks = result["boxes"], result["masks"]
    return [{"cls": int(b["cls_id"]), "score": float(b["score"]), "box": np.asarray(b["coordinate"], float),
             "mask": np.asarray(masks[i], bool)} for i, b in enumerate(boxes) if float(b["score"]) >= min_score]


def match_image(reference, candidate):
    """(reference count, matched, [box offsets of matched pairs], [mask IoUs of matched pairs], reference instances
    exempt as tied with the score at which both lists were cut, reference instances exempt as NMS ties) for one
    image; reference and candidate are {boxes: [{cls_id, score, coordinate}], masks: (N, H, W)}."""
    refs, preds = _instances(reference, MIN_SCORE), _instances(candidate, 0.0)
    pairs = {}
    edges = []
    for i, r in enumerate(refs):
        row = []
        for j, p in enumerate(preds):
            ok, offset, iou = _feasible(r, p)
            if ok:
                row.append(j)
                pairs[i, j] = (offset, iou)
        edges.append(row)
    owner = {}  # candidate index -> reference index: a maximum matching (greedy fails on ties)

    def augment(i, seen):
        for j in edges[i]:
            if j not in seen:
                seen.add(j)
                if j not in owner or augment(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    matched = sum(augment(i, set()) for i in range(len(refs)))
    figures = [pairs[i, j] for j, i in owner.items()]
    nms_pairs = _tied_in_nms(refs, preds, owner)
    # Ties inside NMS are paired first, so the cut below only sees what they leave unexplained (no double count).
    at_cut = _tied_at_cut(reference, candidate, refs, preds, {**owner, **nms_pairs})
    in_nms = len(nms_pairs)
    return len(refs) - at_cut - in_nms, matched, [f[0] for f in figures], [f[1] for f in figures], at_cut, in_nms


def _box_iou(a, b):
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _tied_in_nms(refs, preds, owner):
    """Unmatched reference instances explained by NMS keeping another member of a near-tie cluster: {candidate index:
    reference index}, each unmatched reference paired once with an unmatched candidate of the same class, a score
    within the tolerance and a box IoU >= NMS_TIE_IOU."""
    matched_refs = set(owner.values())
    free = [j for j in range(len(preds)) if j not in owner]
    pairs = {}
    for i, r in enumerate(refs):
        if i in matched_refs:
            continue
        for j in free:
            p = preds[j]
            if p["cls"] == r["cls"] and abs(p["score"] - r["score"]) <= SCORE_TOL + SCORE_REL * r["score"] \
                    and _box_iou(p["box"], r["box"]) >= NMS_TIE_IOU:
                free.remove(j)
                pairs[j] = i
                break
    return pairs


def _tied_at_cut(reference, candidate, refs, preds, owner):
    """Unmatched reference instances explained by a tie at a shared cut: both lists stopped at the same count (the
    model's keep_top_k) and, at the last kept score, the reference kept one instance and the candidate another.
    Which of a tie survives is each engine's tie-breaking, not what the model computes."""
    if not preds or len(reference["boxes"]) != len(candidate["boxes"]):
        return 0
    cut = min(p["score"] for p in preds)
    tied = lambda x: x["score"] <= cut + SCORE_TOL + SCORE_REL * cut  # noqa: E731
    matched_refs = set(owner.values())
    loose_refs = sum(1 for i, r in enumerate(refs) if i not in matched_refs and tied(r))
    loose_preds = sum(1 for j, p in enumerate(preds) if j not in owner and tied(p))
    return min(loose_refs, loose_preds)


def compare_instance(reference, candidate):
    """Figures for lists of per-image instance results (see match_image)."""
    total = matched = exempt = nms_ties = 0
    offsets, ious = [], []
    for r, c in zip(reference, candidate):
        n, m, off, iou, cut, tie = match_image(r, c)
        total, matched, offsets, ious = total + n, matched + m, offsets + off, ious + iou
        exempt, nms_ties = exempt + cut, nms_ties + tie
    share = matched / total if total else 1.0
    return {"reference_instances": total, "matched_instances": matched, "matched_share": round(share, 6),
            "tied_at_cut": exempt, "tied_in_nms": nms_ties,
            "max_box_offset": round(max(offsets), 4) if offsets else 0.0,
            "min_mask_iou": round(min(ious), 6) if ious else 1.0,
            "tolerance": {"matched_share_min": INSTANCE_MIN_MATCHED, "box_offset_max": BOX_TOL,
                          "mask_iou_min": MASK_IOU, "reference_score_min": MIN_SCORE},
            "passed": share >= INSTANCE_MIN_MATCHED}
