"""BaseEvaluator: the backend-agnostic evaluate template, and `trained_run()` shared with the exporter.

Subclasses implement `evaluate(weight, run)`, returning the payload of evaluate_result.json, where `weight` is the
local weight file (Evaluate.weight_path, default `<Global.output>/<default_weight>`) and `run` describes the
training run that produced it (see `trained_run`). Class attribute `default_weight` names the default file
relative to Global.output ('best_model/model.pdparams' for PaddleSeg, 'best_model/best_model.pdparams' for ppdet).
"""
from dataclasses import dataclass
from pathlib import Path

import yaml

from ...errors import ConfigError
from ...training.weights import resolve_weight_file
from .runner import ModeRunner


@dataclass(frozen=True)
class TrainedRun:
    """What is known about the run that produced a weight file.

    Attributes:
        model: Global.model of that run (or of the current config when no run config was found).
        num_classes: Train.num_classes of that run (or of the current config).
        config_path: the config.yaml found next to / above the weight, or None.
        input_shape: Train.input_shape of that run.
    """

    model: str
    num_classes: int
    config_path: object = None
    input_shape: object = None


def trained_run(weight, config, log=None):
    """Find the config.yaml beside the weight or up to two levels above it, and read model and class count.

    The current config's Global.model / Train.num_classes are used when no run config exists (e.g. a downloaded
    weight file). A model name that differs from Global.model is reported in the log, and the run's wins.
    """
    weight = Path(weight)
    for directory in (weight.parent, weight.parent.parent, weight.parent.parent.parent):
        path = directory / "config.yaml"
        if path.is_file():
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError:
                continue
            model = (data.get("Global") or {}).get("model")
            train = data.get("Train") or {}
            if model:
                if log and model != config.model:
                    log(f"{weight} was trained as {model} (per {path}); using {model}, not Global.model={config.model}.")
                return TrainedRun(model, int(train.get("num_classes") or config["Train"]["num_classes"]), path,
                                  train.get("input_shape"))
    return TrainedRun(config.model, config["Train"]["num_classes"], None, config["Train"].get("input_shape"))


def weight_file(config, section, default_rel, output):
    """Resolve `<section>.weight_path` (URL or path; default `<output>/<default_rel>`) to a local file."""
    value = config[section].get("weight_path") or str(Path(output) / default_rel)
    moved = Path(output) / Path(value).relative_to("output") if Path(value).parts[:1] == ("output",) else None
    if moved is not None and not Path(value).exists() and moved.exists():
        value = str(moved)  # the YAML default says output/...; follow -o Global.output=<elsewhere>
    try:
        return resolve_weight_file(value, f"{section}.weight_path", what="weights")
    except ConfigError as e:
        raise ConfigError(e.message, hint=f"train first (Global.mode=train) or set -o {section}.weight_path=...") \
            from None


class BaseEvaluator(ModeRunner):
    """Template of the evaluate mode; subclasses implement `evaluate(weight, run)`."""

    mode = "evaluate"
    needs_paddle = True
    default_weight = "best_model/model.pdparams"

    def execute(self):
        weight = weight_file(self.config, "Evaluate", self.default_weight, self.output)
        run = trained_run(weight, self.config, self.logger.info)
        self.logger.info(f"Evaluating {run.model} weights {weight} on {self.config['Global']['dataset_dir']}")
        return self.evaluate(weight, run)

    def evaluate(self, weight, run):
        """Evaluate `weight` and return the result payload (must contain `metrics`)."""
        raise NotImplementedError
