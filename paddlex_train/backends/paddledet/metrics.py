"""COCO bbox + segm metrics through pycocotools, with per-category mask AP and a safe empty case.

ppdet's COCOMetric evaluates only when a model predicted something (otherwise no key at all) and returns bare
stat lists. `InstCOCOMetric` keeps ppdet's result collection (update) but computes the metrics itself, always
returning every key; a model that predicts nothing scores 0 with a warning.
"""
import json
import logging
import os

import numpy as np
from ppdet.metrics.metrics import COCOMetric

logger = logging.getLogger("paddlex_train")

# COCOeval.stats indices -> our keys (mask-based, as PaddleX's "AP" is the mask AP).
_STAT_KEYS = {"AP": 0, "AP50": 1, "AP75": 2, "APs": 3, "APm": 4, "APl": 5}


def empty_metrics(category_names):
    """The metrics dict of a model that predicted nothing: every key present, all zero."""
    out = {k: 0.0 for k in _STAT_KEYS}
    out["bbox_AP"] = 0.0
    out["per_category_AP"] = {name: 0.0 for name in category_names}
    return out


def _coco_eval(coco_gt, results, iou_type):
    """Run COCOeval on a list of result dicts; returns the COCOeval object (after summarize)."""
    from pycocotools.cocoeval import COCOeval

    coco_dt = coco_gt.loadRes(results)
    ev = COCOeval(coco_gt, coco_dt, iou_type)
    ev.evaluate()
    ev.accumulate()
    ev.summarize()
    return ev


def _per_category_ap(ev, coco_gt):
    """Mask AP@[.5:.95] per category name (-1 in COCOeval = no ground truth -> reported as 0)."""
    precision = ev.eval["precision"]  # [T, R, K, A, M]
    out = {}
    for k, cat_id in enumerate(ev.params.catIds):
        p = precision[:, :, k, 0, -1]
        p = p[p > -1]
        out[coco_gt.loadCats(int(cat_id))[0]["name"]] = float(np.mean(p)) if p.size else 0.0
    return out


def _boxes_from_segm(segm_results):
    """Box results derived from mask results (SOLOv2 predicts masks only)."""
    from pycocotools import mask as mask_utils

    boxes = []
    for r in segm_results:
        box = mask_utils.toBbox(r["segmentation"]).tolist()
        boxes.append({"image_id": r["image_id"], "category_id": r["category_id"], "bbox": box, "score": r["score"]})
    return boxes


def coco_metrics(anno_file, bbox_results, segm_results):
    """Compute our metrics dict from COCO result lists (see module docstring)."""
    from pycocotools.coco import COCO

    coco_gt = COCO(anno_file)
    names = [c["name"] for c in coco_gt.loadCats(sorted(coco_gt.getCatIds()))]
    if not segm_results:
        logger.warning("The model predicted no instance on %s: every AP is 0 (an untrained model "
                       "or a score threshold above all scores).", anno_file)
        return empty_metrics(names)
    ev = _coco_eval(coco_gt, segm_results, "segm")
    out = {k: max(0.0, float(ev.stats[i])) for k, i in _STAT_KEYS.items()}
    bbox_results = bbox_results or _boxes_from_segm(segm_results)
    out["bbox_AP"] = max(0.0, float(_coco_eval(coco_gt, bbox_results, "bbox").stats[0]))
    out["per_category_AP"] = _per_category_ap(ev, coco_gt)
    return out


class InstCOCOMetric(COCOMetric):
    """ppdet metric whose accumulate() fills `self.metrics` with our dict (always all keys)."""

    def reset(self):
        super().reset()
        self.metrics = None

    def accumulate(self):
        # ppdet pads an image without detections with one score-0 placeholder box/mask; it is not a prediction.
        real = lambda rows: [r for r in rows if r.get("score", 0) > 0]  # noqa: E731
        self.results["bbox"] = real(self.results["bbox"])
        segm = real(self.results["mask"] + self.results["segm"])
        if self.output_eval:
            for name, res in (("bbox.json", self.results["bbox"]), ("mask.json", segm)):
                with open(os.path.join(self.output_eval, name), "w", encoding="utf-8") as f:
                    json.dump(res, f)
        self.metrics = coco_metrics(self.anno_file, self.results["bbox"], segm)
        # ppdet's Checkpointer/LogPrinter read eval_results as {'bbox': [AP, ...], 'mask': [AP, ...]}.
        self.eval_results = {"bbox": [self.metrics["bbox_AP"]], "mask": [self.metrics["AP"]]}

    def log(self):
        logger.info("mask AP %.4f  bbox AP %.4f", self.metrics["AP"], self.metrics["bbox_AP"])

    def get_results(self):
        return self.eval_results
