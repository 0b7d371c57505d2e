"""Train mode for instance segmentation: BaseTrainer's loop over ppdet epochs (checkpoints in <epoch>/,
best model by mask AP in best_model/ as best_model.pdparams plus a model.pdparams copy)."""
from ..base.trainer import BaseTrainer


class InstTrainer(BaseTrainer):
    """Trains a PaddleDetection model for Train.epochs_iters epochs; Train.eval_interval counts epochs."""

    checkpoint_dir = "{}"
    best_dir = "best_model"

    def make_session(self):
        from ...backends.paddledet.runners import make_session  # loads paddle + ppdet; only when training

        return make_session(self.config, self.output, self.logger.info)
