"""Registry lookups and table dispatch."""
import pytest

from paddlex_train.errors import UnsupportedError
from paddlex_train.registry import Registry
from paddlex_train.tasks import TASKS, TaskSpec


def test_registry_duplicate_and_unknown():
    reg = Registry("thing")
    reg.register("alpha", 1)
    with pytest.raises(ValueError):
        reg.register("alpha", 2)
    with pytest.raises(UnsupportedError) as e:
        reg.get("alpah")
    assert "Did you mean alpha?" in e.value.one_line() and "available: alpha" in e.value.one_line()


def test_both_tasks_registered():
    assert TASKS.names() == ["instance_segmentation", "semantic_segmentation"]


def test_unknown_and_unavailable_modes():
    spec = TaskSpec("x", "X", runners={"check_dataset": "paddlex_train.tasks.base.runner:ModeRunner"})
    with pytest.raises(UnsupportedError, match="Unknown mode"):
        spec.runner_class("fly")
    with pytest.raises(UnsupportedError, match="not available yet") as e:
        spec.runner_class("train", "M")
    assert "check_dataset" in e.value.one_line()
    assert spec.runner_class("check_dataset").__name__ == "ModeRunner"
