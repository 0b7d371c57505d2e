"""Pipeline YAMLs (PaddleX 3.x layout) and the pipeline object that runs them.

A pipeline YAML is `{pipeline_name, SubModules: {<SubModule>: {module_name, model_name, model_dir, batch_size,
<task options>}}}`. PIPELINES says, per pipeline name, which sub-module holds the model and which extra keys it
takes; adding a pipeline is one row plus one YAML in configs/.
"""
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..errors import ConfigError, UnsupportedError
from ..registry import did_you_mean

CONFIG_DIR = Path(__file__).resolve().parent / "configs"
_COMMON_KEYS = ("module_name", "model_name", "model_dir", "batch_size")


@dataclass(frozen=True)
class PipelineSpec:
    """What a pipeline YAML holds: the sub-module key and the predictor options it may set."""

    submodule: str
    options: tuple


PIPELINES = {
    "semantic_segmentation": PipelineSpec("SemanticSegmentation", ("target_size",)),
    "instance_segmentation": PipelineSpec("InstanceSegmentation", ("threshold",)),
}


def builtin_config_path(name):
    """Path of the built-in YAML of pipeline `name`, or ConfigError listing the pipelines."""
    if name not in PIPELINES:
        raise ConfigError(f"Unknown pipeline {name!r}.{did_you_mean(name, PIPELINES)}",
                          hint=f"pipelines: {', '.join(sorted(PIPELINES))}, or a path to a pipeline .yaml")
    return CONFIG_DIR / f"{name}.yaml"


def load_pipeline_config(pipeline):
    """Read a pipeline by built-in name or YAML path and check its keys; returns (name, spec, config, source)."""
    text = str(pipeline)
    is_file = text.lower().endswith((".yaml", ".yml"))
    path = Path(text) if is_file else builtin_config_path(text)
    if not path.is_file():
        raise ConfigError(f"Pipeline config {path} does not exist.",
                          hint="get one with: python main.py --get_pipeline_config semantic_segmentation "
                               "--save_path ./my_path")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        mark = getattr(e, "problem_mark", None)
        raise ConfigError(f"Pipeline config {path} is not valid YAML"
                          + (f" at line {mark.line + 1}" if mark else "") + ".") from None
    if not isinstance(data, dict):
        raise ConfigError(f"Pipeline config {path} must be a mapping with pipeline_name and SubModules.")
    name = data.get("pipeline_name")
    if name not in PIPELINES:
        raise ConfigError(f"{path}: pipeline_name={name!r} is not a known pipeline."
                          f"{did_you_mean(name, PIPELINES) if name else ''}",
                          hint=f"pipelines: {', '.join(sorted(PIPELINES))}")
    spec = PIPELINES[name]
    subs = data.get("SubModules")
    if not isinstance(subs, dict) or not isinstance(subs.get(spec.submodule), dict):
        raise ConfigError(f"{path}: SubModules.{spec.submodule} is missing.",
                          hint=f"compare with {builtin_config_path(name)}")
    sub = subs[spec.submodule]
    allowed = _COMMON_KEYS + spec.options
    for key in sub:
        if key not in allowed:
            raise ConfigError(f"{path}: unknown key SubModules.{spec.submodule}.{key}.{did_you_mean(key, allowed)}",
                              hint=f"keys: {', '.join(allowed)}")
    return name, spec, data, path


class Pipeline:
    """A loaded pipeline: `.predict(input, **options)` yields the same result objects as create_model().

    Args:
        pipeline: built-in pipeline name or path of a pipeline YAML.
        device: device string (None = best available).
        overrides: sub-module keys that replace the YAML's (model_dir, batch_size, target_size, ...); None
            values are ignored.
    """

    def __init__(self, pipeline, device=None, **overrides):
        self.name, self.spec, self.config, self.source = load_pipeline_config(pipeline)
        sub = dict(self.config["SubModules"][self.spec.submodule])
        sub.update({k: v for k, v in overrides.items() if v is not None})
        self.settings = sub
        from ..inference.base import PREDICTORS

        target = PREDICTORS.get(self.name, "")
        if importlib.util.find_spec(target.partition(":")[0]) is None:
            raise UnsupportedError(f"The {self.name} pipeline is not available yet (its predictor is missing).",
                                   hint="the semantic_segmentation pipeline is available")
        from ..api import create_model

        self.batch_size = int(sub.get("batch_size") or 1)
        options = {k: sub[k] for k in self.spec.options if sub.get(k) is not None}
        self.model = create_model(sub.get("model_name"), model_dir=sub.get("model_dir"), device=device,
                                  batch_size=self.batch_size,
                                  where=f"SubModules.{self.spec.submodule}.model_dir in {self.source}, or --model_dir",
                                  **options)

    def predict(self, input, **options):  # noqa: A002 (PaddleX's argument name)
        """Yield one result per input image; `options` (e.g. target_size) override the YAML for this call."""
        options.setdefault("batch_size", self.batch_size)
        return self.model.predict(input, **options)

    __call__ = predict


def create_pipeline(pipeline, device=None, **overrides):
    """Build a Pipeline from a built-in name ("semantic_segmentation") or a pipeline YAML path."""
    return Pipeline(pipeline, device=device, **overrides)
