"""Train mode for instance segmentation: BaseTrainer's loop over ppdet epochs (checkpoints in <epoch>/,
best model by mask AP in best_model/ as best_model.pdparams plus a model.pdparams copy)."""
from ..base.trainer import BaseTrainer


class InstTrainer(BaseTrainer):
    """Trains a PaddleDetection model for Train.epochs_iters epochs; Train.eval_interval counts epochs and
    Train.log_interval iterations (a results.csv row per logged window, at least one per epoch)."""

    unit_name = "epoch"
    checkpoint_dir = "{}"
    best_dir = "best_model"
    best_weight_files = ("best_model.pdparams", "model.pdparams")  # PaddleX's best_model/ layout
