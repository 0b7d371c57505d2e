"""Global.mode=predict for semantic segmentation.

Writes, per input, <stem>_res.json, <stem>_res.png (pseudo-colour), <stem>_overlay.png (image blended with it)
and <stem>_label.png (class ids as pixel values, palette attached) into Global.output.
"""
from ..base.predict_runner import PredictModeRunner


class SegPredictRunner(PredictModeRunner):
    """Predict with an exported semantic-segmentation model; Predict.target_size sets the inference size."""
