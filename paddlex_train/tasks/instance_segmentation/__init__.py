"""Instance segmentation: COCO-format data sets, trained with PaddleDetection."""
from ..spec import TaskSpec, register_task

_PKG = __name__

TASK = register_task(TaskSpec(
    name="instance_segmentation",
    dataset_type="COCOInstSegDataset",
    runners={
        "check_dataset": f"{_PKG}.dataset_checker:InstDatasetChecker",
        "train": f"{_PKG}.trainer:InstTrainer",
        "evaluate": f"{_PKG}.evaluator:InstEvaluator",
        "export": f"{_PKG}.exporter:InstExporter",
        "predict": f"{_PKG}.predictor:InstPredictRunner",
    },
    predict_options=("threshold",),  # minimum score; the exported Resize fixes the inference size
))
