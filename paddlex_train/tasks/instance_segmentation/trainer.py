"""Train mode for instance segmentation: BaseTrainer's loop over ppdet epochs (checkpoints in <epoch>/,
best model by mask AP in best_model/ as best_model.pdparams plus a model.pdparams copy)."""
import importlib.util
from pathlib import Path

from ...errors import UnsupportedError
from ..base.trainer import BaseTrainer


def arch_file(model):
    """The backend's architecture file of `model`, found without importing the backend (no paddle)."""
    spec = importlib.util.find_spec("paddlex_train.backends.paddledet")
    return Path(list(spec.submodule_search_locations)[0]) / "archs" / f"{model}.yml"


class ArchRequired:
    """Mixin for the instance runners: models without an architecture file answer "not available yet" first,
    before any weight, data set or paddle is looked at (Mask-RT-DETR-*, PP-YOLOE_seg-S are not in ppdet 2.6)."""

    def run(self):
        path = arch_file(self.config.model)
        if not path.is_file():
            names = sorted(p.stem for p in path.parent.glob("*.yml"))
            raise UnsupportedError(
                f"Model {self.config.model!r} is not available yet: PaddleDetection 2.6 (ppdet) has no "
                f"implementation of it (no {path.name} in paddlex_train/backends/paddledet/archs).",
                hint="available instance-segmentation models: " + ", ".join(names))
        return super().run()


class InstTrainer(ArchRequired, BaseTrainer):
    """Trains a PaddleDetection model for Train.epochs_iters epochs; Train.eval_interval counts epochs."""

    checkpoint_dir = "{}"
    best_dir = "best_model"

    def make_session(self):
        from ...backends.paddledet.runners import make_session  # loads paddle + ppdet; only when training

        return make_session(self.config, self.output, self.logger.info)
