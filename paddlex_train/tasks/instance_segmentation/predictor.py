"""Global.mode=predict for instance segmentation: every input saved as <stem>_res.json (boxes and RLE masks) and
<stem>_res.png (masks, boxes and names drawn); Predict.threshold sets the score threshold."""
from ..base.predict_runner import PredictModeRunner


class InstPredictRunner(PredictModeRunner):
    """Predict with the exported model in Predict.model_dir (paddle.inference; ppdet is not imported)."""
