"""Global.mode=predict for instance segmentation: every input saved as <stem>_res.json (boxes and RLE masks) and
<stem>_res.png (masks, boxes and names drawn); Predict.threshold sets the score threshold."""
from ...inference.mode_runner import PredictModeRunner
from .trainer import ArchRequired


class InstPredictRunner(ArchRequired, PredictModeRunner):
    """Predict with the exported model in Predict.model_dir (paddle.inference; ppdet is not imported)."""

    predictor_options = ("threshold",)
