"""Task modules. Importing this package registers every task in TASKS (cheap: no paddle, no suite)."""
from . import instance_segmentation, semantic_segmentation  # noqa: F401  (registration side effect)
from .spec import TASKS, TaskSpec, register_task

__all__ = ["TASKS", "TaskSpec", "register_task"]
