"""Semantic segmentation metrics from a confusion matrix (numpy only).

Differences from PaddleSeg (documented in the README): a class with no ground-truth pixel in the evaluation set is
*absent*: its IoU/recall/Dice are null, it is listed in `absent_classes`, and it is left out of the means
(PaddleSeg counts it as IoU 0, which silently lowers mIoU). Kappa and Acc use PaddleSeg's formulas.
"""
import numpy as np

from ...utils.labels import IGNORE_INDEX


def update_confusion(cm, pred, label, ignore_index=IGNORE_INDEX):
    """Add one prediction to the confusion matrix `cm` (rows = ground truth, columns = prediction)."""
    n = cm.shape[0]
    pred = np.asarray(pred).reshape(-1)
    label = np.asarray(label).reshape(-1)
    valid = (label != ignore_index) & (label >= 0) & (label < n)
    idx = label[valid].astype(np.int64) * n + pred[valid].astype(np.int64)
    cm += np.bincount(idx, minlength=n * n).reshape(n, n)
    return cm


def _ratio(num, den):
    return float(num) / float(den) if den > 0 else None


def summarise(cm, class_names=None):
    """Compute PaddleX's metrics and per-class details from a confusion matrix.

    Returns:
        dict with `metrics` {mIoU, Acc, Kappa, Dice}, `class_metrics` {name: {IoU, accuracy, precision, recall,
        Dice, gt_pixels, pred_pixels}}, and `absent_classes` (names without ground-truth pixels).
        Per-class accuracy is the one-vs-rest pixel accuracy (TP + TN) / all valid pixels.
    """
    cm = np.asarray(cm, dtype=np.int64)
    n = cm.shape[0]
    names = list(class_names) if class_names and len(class_names) == n else [str(i) for i in range(n)]
    tp = np.diag(cm)
    gt = cm.sum(axis=1)
    pr = cm.sum(axis=0)
    total = int(cm.sum())
    per_class, absent, ious, dices = {}, [], [], []
    for i, name in enumerate(names):
        present = gt[i] > 0
        iou = _ratio(tp[i], gt[i] + pr[i] - tp[i]) if present else None
        dice = _ratio(2 * tp[i], gt[i] + pr[i]) if present else None
        if present:
            ious.append(iou)
            dices.append(dice)
        else:
            absent.append(name)
        per_class[name] = {
            "IoU": iou, "accuracy": _ratio(total - gt[i] - pr[i] + 2 * tp[i], total),
            "precision": _ratio(tp[i], pr[i]), "recall": _ratio(tp[i], gt[i]) if present else None, "Dice": dice,
            "gt_pixels": int(gt[i]), "pred_pixels": int(pr[i]),
        }
    acc = _ratio(tp.sum(), total) or 0.0
    pe = float((gt.astype(np.float64) * pr).sum()) / (float(total) ** 2) if total else 0.0
    kappa = (acc - pe) / (1 - pe) if pe != 1 else 0.0
    metrics = {"mIoU": float(np.mean(ious)) if ious else 0.0, "Acc": acc, "Kappa": kappa,
               "Dice": float(np.mean(dices)) if dices else 0.0}
    return {"metrics": metrics, "class_metrics": per_class, "absent_classes": absent}

