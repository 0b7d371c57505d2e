"""Evaluate mode for semantic segmentation: mIoU/Acc/Kappa/Dice, per-class metrics and a confusion matrix."""
from ..base.evaluator import BaseEvaluator
from .label_check import check_label_ids


class SegEvaluator(BaseEvaluator):
    """Evaluates Evaluate.weight_path (default output/best_model/model.pdparams) on the val split."""

    default_weight = "best_model/model.pdparams"

    def check_before_load(self, identity):
        check_label_ids(self.config["Global"]["dataset_dir"], identity.num_classes, self.output, splits=("val",),
                        log=self.logger.info, trained=True)  # issue 12.2: before paddle loads anything
