"""The checkpoint contract, owned by the template for both tasks.

A checkpoint directory holds `model.pdparams` (weights), `model.pdopt` (optimizer; periodic checkpoints only) and
`model.pdstates`, whose fields the template writes:

    unit, unit_name    the unit (iteration or epoch) the checkpoint was saved at, and what it counts
    score              the validation score at that unit (None when not evaluated)
    best               the best validation score of the run so far
    model_name, num_classes, task
                       the identity of the weights (Global.model, Train.num_classes, the task module)
    input_shape        Train.input_shape they were trained at ([1, 3, H, W], or None for the architecture's own);
                       evaluate and export default to it (a PP-YOLOE_seg model trained at 128 px finds nothing at
                       the architecture's 640)

Here, and only here, are the identity check (is this checkpoint of the model/class count/task of this run?) and
the fit check (did its tensors load completely?) for resume and for evaluate/export weights. Backends only give
and take state dicts and report how a state dict loaded (training.weights.compare_keys).

Checkpoints written before this contract (PaddleSeg: iter/mIoU/best_mIoU; ppdet: epoch/metric and last_epoch in
the .pdopt) are still read.
"""
from dataclasses import dataclass
from pathlib import Path

import yaml

from ...catalog import catalog
from ...errors import ConfigError
from ...training.checkpoint import load_object, write_checkpoint

STATES_FILE = "model.pdstates"
WEIGHTS_FILE = "model.pdparams"
OPTIMIZER_FILE = "model.pdopt"
EMA_FILE = "model.pdema"  # raw training weights beside EMA-averaged model.pdparams (ppdet recipes with use_ema)


@dataclass(frozen=True)
class Identity:
    """What weights are: model, class count, task, and where that was read.

    Attributes:
        model_name: Global.model they were trained as.
        num_classes: Train.num_classes they were trained with.
        task: task module ('semantic_segmentation', ...); None when unknown.
        source: the file the identity was read from (model.pdstates, config.yaml), or None (the current config).
        input_shape: Train.input_shape of the run that trained them (model.pdstates, else the run's config.yaml),
            or None.
    """

    model_name: str
    num_classes: int
    task: str = None
    source: object = None
    input_shape: object = None


def states(unit_name, unit, score, best, identity):
    """The model.pdstates dict of a checkpoint (see the module docstring)."""
    return {"unit": int(unit), "unit_name": unit_name, "score": None if score is None else float(score),
            "best": None if best is None else float(best), "model_name": identity.model_name,
            "num_classes": int(identity.num_classes), "task": identity.task,
            "input_shape": None if identity.input_shape is None else [int(v) for v in identity.input_shape]}


def save_periodic(directory, session, unit, score, best, identity):
    """Write a periodic checkpoint of `session` (weights, optimizer, states) into `directory`; {role: path}."""
    objects = {**session.state_dicts(unit, best=False),
               "pdstates": states(session.unit_name, unit, score, best, identity)}
    return write_checkpoint(directory, objects, {"pdparams": WEIGHTS_FILE, "pdopt": OPTIMIZER_FILE,
                                                 "pdstates": STATES_FILE, "pdema": EMA_FILE})


def save_best(directory, session, unit, score, best, identity, weight_files=(WEIGHTS_FILE,)):
    """Write the best-model checkpoint (weights under every name of `weight_files`, states) into `directory`."""
    objects = {"pdparams": session.state_dicts(unit, best=True)["pdparams"],
               "pdstates": states(session.unit_name, unit, score, best, identity)}
    return write_checkpoint(directory, objects, {"pdparams": tuple(weight_files), "pdstates": STATES_FILE})


def _task_of(model_name):
    entry = catalog().get(model_name)
    return entry.module if entry else None


def _read_states(path):
    """The dict in a model.pdstates file, or {} when absent or unreadable."""
    if not Path(path).is_file():
        return {}
    try:
        data = load_object(path)
    except Exception:  # a damaged side file must not hide the weights; the fit check still guards them
        return {}
    return data if isinstance(data, dict) else {}


def _run_config(weight):
    """(path, data) of the config.yaml beside the weight or up to three levels above it, else (None, {})."""
    weight = Path(weight)
    for directory in (weight.parent, weight.parent.parent, weight.parent.parent.parent):
        path = directory / "config.yaml"
        if path.is_file():
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError:
                continue
            if isinstance(data, dict) and (data.get("Global") or {}).get("model"):
                return path, data
    return None, {}


def read_identity(weight, fallback):
    """The Identity of a weight file: its model.pdstates, else the run's config.yaml, else `fallback`.

    Args:
        weight: a .pdparams file.
        fallback: Identity of the current config (used when the file tells nothing).
    """
    weight = Path(weight)
    path, data = _run_config(weight)
    input_shape = (data.get("Train") or {}).get("input_shape") if path else fallback.input_shape
    info = _read_states(weight.with_name(STATES_FILE))
    if "input_shape" in info:  # what the weights were trained at; older checkpoints lack the field
        input_shape = info["input_shape"]
    if info.get("model_name"):
        return Identity(info["model_name"], int(info.get("num_classes") or fallback.num_classes),
                        info.get("task") or _task_of(info["model_name"]), weight.with_name(STATES_FILE), input_shape)
    if path:
        model = data["Global"]["model"]
        num_classes = int((data.get("Train") or {}).get("num_classes") or fallback.num_classes)
        return Identity(model, num_classes, _task_of(model), path, input_shape)
    return fallback


def check_task(found, task, key, value):
    """Refuse weights of another task (e.g. a semantic checkpoint given to instance evaluate)."""
    if found.task is not None and found.task != task:
        raise ConfigError(f"{key}={value} is a checkpoint of model_name={found.model_name} ({found.task}), "
                          f"but this run is {task}.",
                          hint=f"give weights trained for {task} (a model of configs/modules/{task}/)")


def check_same_run(found, mine, key, value, hint):
    """Refuse a checkpoint whose model_name or num_classes differs from this run's (resume)."""
    check_task(found, mine.task, key, value)
    for field in ("model_name", "num_classes"):
        theirs, ours = getattr(found, field), getattr(mine, field)
        if found.source is not None and theirs != ours:
            raise ConfigError(f"{key}={value} is a checkpoint of {field}={theirs}, but this run has {field}={ours}.",
                              hint=hint)


def _few(names, limit=5):
    names = list(names)
    return ", ".join(names[:limit]) + (f" (+{len(names) - limit} more)" if len(names) > limit else "")


def check_fit(report, key, value, identity, hint):
    """Refuse weights that did not load completely into the model (training.weights.compare_keys report).

    The message counts and names the missing (in the model, not in the file), unexpected (in the file, not in
    the model) and mismatched (another shape) tensors.
    """
    bad = {k: report[k] for k in ("missing", "unexpected", "mismatched") if report[k]}
    if report["matched"] and not report["missing"] and not report["mismatched"]:
        return
    details = "; ".join(f"{len(v)} {k}: {_few(v)}" for k, v in bad.items()) or "no tensor matched"
    raise ConfigError(f"{key}={value} does not fit {identity.model_name} with {identity.num_classes} classes "
                      f"({len(report['matched'])} tensors matched; {details}).", hint=hint)


@dataclass
class ResumePoint:
    """A checkpoint to resume from, read and identity-checked by `read_resume_point`."""

    directory: Path
    model_state: dict
    optimizer_state: dict
    unit: int
    best: float = None


RESUME_HINT = "resume with the same Global.model and Train.num_classes, or use it as Train.pretrain_weight_path instead"


def read_resume_point(value, mine, unit_name, dir_pattern, total):
    """Read Train.resume_path (a checkpoint directory or its model.pdparams) for the run of Identity `mine`.

    Args:
        value: the Train.resume_path value.
        mine: Identity of this run (model_name, num_classes, task).
        unit_name: 'iter' or 'epoch'.
        dir_pattern: compiled regex matching a checkpoint directory name, group 1 = the unit (older checkpoints
            without a unit in model.pdstates).
        total: Train.epochs_iters (resuming at or past it has nothing left to do).
    """
    key = "Train.resume_path"
    path = Path(value)
    directory = path if path.is_dir() else path.parent
    for name in (WEIGHTS_FILE, OPTIMIZER_FILE):
        if not (directory / name).is_file():
            raise ConfigError(f"{key}={value}: {name} not found in {directory}.",
                              hint="point at a periodic checkpoint directory of a previous run (iter_N/ or N/; "
                                   "best_model/ has no optimizer state)")
    info = _read_states(directory / STATES_FILE)
    found = read_identity(directory / WEIGHTS_FILE, Identity(mine.model_name, mine.num_classes, None))
    check_same_run(found, mine, key, value, RESUME_HINT)
    opt = load_object(directory / OPTIMIZER_FILE)
    legacy_unit = opt.pop("last_epoch", None) if isinstance(opt, dict) else None  # ppdet checkpoints before this
    m = dir_pattern.match(directory.name)
    unit = info.get("unit", info.get(unit_name, legacy_unit if legacy_unit is not None else (m and m.group(1))))
    if unit is None or not str(unit).isdigit():
        raise ConfigError(f"{key}={value}: cannot tell the {unit_name} (no model.pdstates, and the directory name "
                          f"does not say it).", hint="point at a checkpoint directory written by train mode")
    unit = int(unit)
    if unit >= total:
        raise ConfigError(f"{key}={value} is at {unit_name} {unit}, but Train.epochs_iters={total}.",
                          hint="raise Train.epochs_iters to train further")
    best = info.get("best", info.get("best_mIoU"))
    if best is None and "metric" in info:  # ppdet checkpoints before this contract kept the best in best_model/
        best = _read_states(directory.parent / "best_model" / STATES_FILE).get("metric")
    return ResumePoint(directory, load_object(directory / WEIGHTS_FILE), opt, unit,
                       None if best is None else float(best))
