"""TaskSpec: what a task module declares, and the TASKS registry the engine dispatches through."""
import importlib
import importlib.util
from dataclasses import dataclass, field

from ..errors import UnsupportedError
from ..registry import Registry
from ..config.schema import MODES

TASKS = Registry("module")


@dataclass(frozen=True)
class TaskSpec:
    """A task module's declaration.

    Attributes:
        name: module name, as the config folder ('semantic_segmentation').
        dataset_type: PaddleX dataset type reported by check_dataset.
        runners: mode -> 'package.module:ClassName' (imported lazily, so paddle loads only when needed).
    """

    name: str
    dataset_type: str
    runners: dict = field(default_factory=dict)

    def runner_class(self, mode, model=None):
        """Import and return the runner class of `mode`; modes not implemented yet raise UnsupportedError."""
        if mode not in MODES:
            raise UnsupportedError(f"Unknown mode {mode!r}.", hint=f"modes: {', '.join(MODES)}")
        target = self.runners.get(mode)
        if not self.implements(mode):
            available = ", ".join(m for m in MODES if self.implements(m))
            raise UnsupportedError(
                f"Mode {mode!r} is not available yet for {self.name}"
                + (f" ({model})" if model else "") + ".",
                hint=f"available modes for {self.name}: {available or 'none yet'}",
            )
        module_name, _, class_name = target.partition(":")
        return getattr(importlib.import_module(module_name), class_name)

    def implements(self, mode):
        """Whether the runner module of `mode` exists (checked without importing it, so paddle stays unloaded)."""
        target = self.runners.get(mode)
        return bool(target) and importlib.util.find_spec(target.partition(":")[0]) is not None


def register_task(spec):
    """Register a TaskSpec in TASKS and return it."""
    return TASKS.register(spec.name, spec)
