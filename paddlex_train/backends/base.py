"""The backend interface: what a training suite (PaddleSeg, ppdet, ...) provides to the task templates.

A backend is one object, `BACKEND` in `paddlex_train/backends/<package>/runners.py`, that satisfies `Backend`.
The templates in tasks/base/ own everything the tasks share (loop, cadence, checkpoints and their checks, result
payloads); a backend builds models, trains a step, evaluates, exports, and gives/takes state dicts.

This module imports no suite and no paddle: `available_models()` lists architecture files by path (through the
catalog), so check_dataset and --help stay paddle-free.
"""
import importlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Optional, Protocol, runtime_checkable


@dataclass(frozen=True)
class RunContext:
    """Run-time facts a mode runner decides and hands to the backend (never written into the config).

    Attributes:
        device: the resolved Device (after checking the paddle build).
        output: output directory of this process (Global.output; a side folder on non-zero training ranks).
        rank: process rank (0 unless a multi-process launch).
    """

    device: Any
    output: Path
    rank: int = 0

    def for_rank(self, rank, output):
        """This context for another process rank writing into `output`."""
        return replace(self, rank=int(rank), output=Path(output))


def as_context(ctx_or_output, config):
    """A RunContext from a RunContext, or from an output path plus the config's Global.device (for callers that
    build a session by hand, e.g. tests and benchmarks)."""
    if isinstance(ctx_or_output, RunContext):
        return ctx_or_output
    from ..device import parse_device

    return RunContext(parse_device(config["Global"]["device"]), Path(ctx_or_output))


@dataclass(frozen=True)
class WeightsJob:
    """Weights handed to a backend for evaluate or export.

    Attributes:
        state: the state dict (loaded by the template from `weight_path`).
        weight_path: the local file it came from (for messages and payloads).
        model_name, num_classes, input_shape: identity of the weights (tasks/base/checkpoint.Identity).
        dataset_dir: Global.dataset_dir (may be None for export).
        ctx: the RunContext (device, output, rank).
        accept: the template's fit check; the backend calls it with the compare_keys report of loading `state`
            into its model, before using the model (it raises when the weights do not fit).
        log: callable(str).
        options: mode options (evaluate: log_interval; export: input_shape).
    """

    state: dict
    weight_path: Path
    model_name: str
    num_classes: int
    input_shape: Any
    dataset_dir: Optional[str]
    ctx: Any
    accept: Callable
    log: Callable
    options: dict = field(default_factory=dict)


@dataclass(frozen=True)
class EvaluateOutput:
    """What an evaluation found.

    Attributes:
        metrics: PaddleX's metric keys and ours ({mIoU, Acc, Kappa, Dice} / {AP, bbox_AP, AP50, ...}).
        num_images: images evaluated.
        class_metrics: {class name: {metric: value}}.
        absent_classes: class names without ground truth in the evaluation set.
        confusion_matrix: {kind: file name} of written confusion-matrix files, or None.
    """

    metrics: dict
    num_images: int
    class_metrics: dict = field(default_factory=dict)
    absent_classes: list = field(default_factory=list)
    confusion_matrix: Optional[dict] = None


@dataclass(frozen=True)
class ExportOutput:
    """What an export wrote: the directory, {role: path} of its files (pdmodel, pdiparams, inference_config),
    and the fixed input shape (None = dynamic)."""

    directory: Path
    files: dict
    input_shape: Any = None


@runtime_checkable
class TrainSession(Protocol):
    """One training run, driven unit by unit by tasks/base/trainer.BaseTrainer.

    unit_name is 'iter' or 'epoch' (what Train.epochs_iters counts); score_name names the validation score
    (higher is better); total is the last unit; divergence_hint says what to try when the loss is NaN.
    """

    unit_name: str
    score_name: str
    total: int

    def run_unit(self, unit, on_step=None) -> dict:
        """Train one unit, calling on_step(training.progress.Step) after every optimizer step; returns
        {loss, lr, reader_cost, samples} of the unit."""

    def evaluate(self) -> tuple:
        """(score, metrics dict) on the validation split (rank 0 only)."""

    def state_dicts(self, unit, best) -> dict:
        """{'pdparams': model state, 'pdopt': optimizer state (periodic checkpoints only)} to save."""

    def resume(self, model_state, optimizer_state, unit) -> dict:
        """Take over a checkpoint's states to continue after `unit`; returns the compare_keys report."""

    def export(self, directory) -> dict:
        """Write the inference model into `directory`; {role: path}."""

    def reseed(self, unit) -> None:
        """Re-seed the random generators at a save point (a resumed run continues the same stream)."""

    def close(self) -> None:
        """Release resources."""


@runtime_checkable
class Backend(Protocol):
    """A training suite behind the task templates."""

    name: str

    def available_models(self) -> list:
        """Names of the models this backend implements (no paddle import)."""

    def make_session(self, config, ctx, log) -> TrainSession:
        """The TrainSession for the (frozen) config in RunContext `ctx` (resume is the template's job)."""

    def evaluate(self, job: WeightsJob) -> EvaluateOutput:
        """Evaluate the job's weights on the val split of job.dataset_dir."""

    def export(self, job: WeightsJob, directory) -> ExportOutput:
        """Export the job's weights as an inference model into `directory` (replaced as a whole)."""


def available_models(task):
    """The models the backend of `task` implements: its architecture files, listed by path (no paddle)."""
    from ..catalog import BACKENDS

    return sorted(BACKENDS[task].implemented())


def backend_for(task):
    """The Backend object of `task` (imports the suite: call only in modes that need it)."""
    from ..catalog import BACKENDS

    module = importlib.import_module(f"{__package__}.{BACKENDS[task].package}.runners")
    return module.BACKEND
