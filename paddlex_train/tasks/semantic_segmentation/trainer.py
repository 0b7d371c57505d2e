"""Train mode for semantic segmentation: BaseTrainer's loop over PaddleSeg iterations."""
from ..base.trainer import BaseTrainer
from .label_check import check_label_ids


class SegTrainer(BaseTrainer):
    """Trains a PaddleSeg model for Train.epochs_iters iterations (checkpoints in iter_N/, best in best_model/)."""

    unit_name = "iter"
    checkpoint_dir = "iter_{}"
    best_dir = "best_model"
    required_dataset_files = ("train.txt", "val.txt")
    dataset_hint = "a SegDataset needs train.txt and val.txt (run check_dataset, with convert/split if needed)"

    def execute(self):
        check_label_ids(self.config["Global"]["dataset_dir"], self.config["Train"]["num_classes"], self.output,
                        log=self.logger.info)  # issue 12.2: ids >= num_classes stop here, not in paddle's one_hot
        return super().execute()
