"""Global.mode=predict for instance segmentation: the semantic runner's flow (every input saved as
<stem>_res.json with boxes and RLE masks, and <stem>_res.png with masks, boxes and names drawn)."""
from ..semantic_segmentation.predictor import SegPredictRunner
from .trainer import ArchRequired


class InstPredictRunner(ArchRequired, SegPredictRunner):
    """Predict with the exported model in Predict.model_dir (paddle.inference; ppdet is not imported)."""
