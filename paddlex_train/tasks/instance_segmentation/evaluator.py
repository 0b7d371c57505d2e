"""Evaluate mode for instance segmentation: COCO bbox + segm metrics (pycocotools) on the val split."""
from ..base.evaluator import BaseEvaluator


class InstEvaluator(BaseEvaluator):
    """Evaluates Evaluate.weight_path (default output/best_model/best_model.pdparams).

    evaluate_result.json: metrics.AP (mask AP, PaddleX's key), bbox_AP, AP50, AP75, APs, APm, APl (mask) and
    per_category_AP {name: mask AP}; class_metrics {name: {AP}}.
    """

    default_weight = "best_model/best_model.pdparams"
