"""Instance segmentation: COCO-format data sets, trained with PaddleDetection."""
from ..spec import TaskSpec, register_task

_PKG = __name__

TASK = register_task(TaskSpec(
    name="instance_segmentation",
    dataset_type="COCOInstSegDataset",
    runners={},
))
