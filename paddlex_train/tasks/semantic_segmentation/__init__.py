"""Semantic segmentation: SegDataset lists of <image> <label> pairs, trained with PaddleSeg."""
from ..spec import TaskSpec, register_task

_PKG = __name__

TASK = register_task(TaskSpec(
    name="semantic_segmentation",
    dataset_type="SegDataset",
    runners={
        "check_dataset": f"{_PKG}.dataset_checker:SegDatasetChecker",
        "train": f"{_PKG}.trainer:SegTrainer",
        "evaluate": f"{_PKG}.evaluator:SegEvaluator",
        "export": f"{_PKG}.exporter:SegExporter",
        "predict": f"{_PKG}.predictor:SegPredictRunner",
    },
    # target_size: -1, int or [w, h]: the inference size (PaddleX's SegPredictor); slide_window, tta: issue 19
    predict_options=("target_size", "slide_window", "tta"),
))
