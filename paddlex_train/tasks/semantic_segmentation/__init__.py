"""Semantic segmentation: SegDataset lists of <image> <label> pairs, trained with PaddleSeg."""
from ..spec import TaskSpec, register_task

_PKG = __name__

TASK = register_task(TaskSpec(
    name="semantic_segmentation",
    dataset_type="SegDataset",
    runners={},
))
