"""TaskSpec: what a task module declares, and the TASKS registry the engine dispatches through."""
import importlib
from dataclasses import dataclass, field

from ..catalog import available_models, require_available
from ..errors import ConfigError, UnsupportedError
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
        predict_options: the task-specific prediction options (Predict.<key>, create_model/predict keyword,
            pipeline sub-module key and CLI flag), besides batch_size.
    """

    name: str
    dataset_type: str
    runners: dict = field(default_factory=dict)
    predict_options: tuple = ()

    def runner_class(self, mode, model=None):
        """Import and return the runner class of `mode` for `model`.

        Modes the task does not declare, and models the task's backend does not implement (see catalog),
        raise UnsupportedError saying what is available.
        """
        if mode not in MODES:
            raise UnsupportedError(f"Unknown mode {mode!r}.", hint=f"modes: {', '.join(MODES)}")
        if not self.implements(mode):
            available = ", ".join(m for m in MODES if self.implements(m))
            raise UnsupportedError(
                f"Mode {mode!r} is not available yet for {self.name}"
                + (f" ({model})" if model else "") + ".",
                hint=f"available modes for {self.name}: {available or 'none yet'}",
            )
        if model is not None:
            require_available(model, mode)
        module_name, _, class_name = self.runners[mode].partition(":")
        return getattr(importlib.import_module(module_name), class_name)

    def implements(self, mode):
        """Whether the task declares a runner for `mode`."""
        return bool(self.runners.get(mode))

    def available_models(self):
        """The task's models that its backend implements (from the catalog; no paddle is imported)."""
        return available_models(self.name)

    def check_predict_options(self, options, where=""):
        """Raise ConfigError naming the first of `options` (name -> value; None = unset) this task does not take.

        `where` prefixes the option name in the message ("Predict.", "--").
        """
        for key, value in options.items():
            if value is not None and key not in self.predict_options:
                others = [n for n in TASKS.names() if key in TASKS.get(n).predict_options]
                raise ConfigError(
                    f"{where}{key} does not apply to {self.name}"
                    + (f" (it is an option of {', '.join(others)})" if others else "") + ".",
                    hint=f"{self.name} takes: {', '.join(self.predict_options) or 'no task option'}")


def task_option_names():
    """Every task-specific prediction option of any task, sorted (e.g. threshold, target_size)."""
    return sorted({key for name in TASKS.names() for key in TASKS.get(name).predict_options})


def register_task(spec):
    """Register a TaskSpec in TASKS and return it."""
    return TASKS.register(spec.name, spec)
