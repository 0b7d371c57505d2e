"""Train mode for semantic segmentation: BaseTrainer's loop over PaddleSeg iterations."""
from ..base.trainer import BaseTrainer


class SegTrainer(BaseTrainer):
    """Trains a PaddleSeg model for Train.epochs_iters iterations (checkpoints in iter_N/, best in best_model/)."""

    checkpoint_dir = "iter_{}"
    best_dir = "best_model"
    required_dataset_files = ("train.txt", "val.txt")
    dataset_hint = "a SegDataset needs train.txt and val.txt (run check_dataset, with convert/split if needed)"

    def make_session(self):
        from ...backends.paddleseg.session import SegTrainSession  # loads paddle; only when training

        return SegTrainSession(self.config, self.output, self.logger.info)
