"""Pipeline YAMLs (PaddleX 3.x layout) and the pipeline object that runs them.

A pipeline YAML is `{pipeline_name, SubModules: {<SubModule>: {module_name, model_name, model_dir, batch_size,
<task options>}}}`. PIPELINES says, per pipeline name, which sub-module holds the model and which task module it
runs; the task options a sub-module takes are that task's TaskSpec.predict_options. Adding a pipeline is one row
plus one YAML in configs/.
"""
import copy
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..errors import ConfigError
from ..registry import did_you_mean
from ..tasks import TASKS
from ..tasks.spec import task_option_names

CONFIG_DIR = Path(__file__).resolve().parent / "configs"
_COMMON_KEYS = ("module_name", "model_name", "model_dir", "batch_size")
_OVERRIDABLE = ("model_name", "model_dir", "batch_size")  # create_pipeline(**kwargs) / CLI flags


@dataclass(frozen=True)
class PipelineSpec:
    """A pipeline: the sub-module key holding its model, and the task module that model belongs to."""

    submodule: str
    module: str

    @property
    def task(self):
        return TASKS.get(self.module)

    @property
    def options(self):
        """The task options the sub-module takes (the task's predict options)."""
        return self.task.predict_options


PIPELINES = {
    "semantic_segmentation": PipelineSpec("SemanticSegmentation", "semantic_segmentation"),
    "instance_segmentation": PipelineSpec("InstanceSegmentation", "instance_segmentation"),
}


def builtin_config_path(name):
    """Path of the built-in YAML of pipeline `name`, or ConfigError listing the pipelines."""
    if name not in PIPELINES:
        raise ConfigError(f"Unknown pipeline {name!r}.{did_you_mean(name, PIPELINES)}",
                          hint=f"pipelines: {', '.join(sorted(PIPELINES))}, or a path to a pipeline .yaml")
    return CONFIG_DIR / f"{name}.yaml"


def _read_yaml(pipeline):
    """(data, path) of a pipeline given by built-in name or YAML path."""
    text = str(pipeline)
    path = Path(text) if text.lower().endswith((".yaml", ".yml")) else builtin_config_path(text)
    if not path.is_file():
        raise ConfigError(f"Pipeline config {path} does not exist.",
                          hint="get one with: python main.py --get_pipeline_config semantic_segmentation "
                               "--save_path ./my_path")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")), path
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        mark = getattr(e, "problem_mark", None)
        raise ConfigError(f"Pipeline config {path} is not valid YAML"
                          + (f" at line {mark.line + 1}" if mark else "") + ".") from None


def _merge(base, over):
    """`over` laid over `base`, recursively for mappings (PaddleX: the config dict wins over the YAML)."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) \
            else copy.deepcopy(value)
    return out


def load_pipeline_config(pipeline=None, config=None):
    """Read a pipeline and check its keys; returns (name, spec, config, source).

    Args:
        pipeline: built-in name or YAML path; None = `config["pipeline_name"]`'s built-in YAML.
        config: a dict in the pipeline YAML layout, laid over the YAML (its keys take precedence).
    """
    if config is not None and not isinstance(config, dict):
        raise ConfigError(f"config must be a dict in the pipeline YAML layout, not {type(config).__name__}.",
                          hint="e.g. config={'SubModules': {'SemanticSegmentation': {'model_dir': 'out/inference'}}}")
    if pipeline is None:
        if not config or not config.get("pipeline_name"):
            raise ConfigError("create_pipeline needs a pipeline name, a pipeline YAML, or config['pipeline_name'].",
                              hint=f"pipelines: {', '.join(sorted(PIPELINES))}")
        pipeline = config["pipeline_name"]
    data, path = _read_yaml(pipeline)
    if not isinstance(data, dict):
        raise ConfigError(f"Pipeline config {path} must be a mapping with pipeline_name and SubModules.")
    source = path if config is None else f"{path} + config"
    data = _merge(data, config or {})
    name = data.get("pipeline_name")
    if name not in PIPELINES:
        raise ConfigError(f"{source}: pipeline_name={name!r} is not a known pipeline."
                          f"{did_you_mean(name, PIPELINES) if name else ''}",
                          hint=f"pipelines: {', '.join(sorted(PIPELINES))}")
    spec = PIPELINES[name]
    subs = data.get("SubModules")
    if not isinstance(subs, dict) or not isinstance(subs.get(spec.submodule), dict):
        raise ConfigError(f"{source}: SubModules.{spec.submodule} is missing.",
                          hint=f"compare with {builtin_config_path(name)}")
    allowed = _COMMON_KEYS + spec.options
    for key in subs[spec.submodule]:
        if key not in allowed:
            raise ConfigError(f"{source}: unknown key SubModules.{spec.submodule}.{key}."
                              f"{did_you_mean(key, allowed)}", hint=f"keys: {', '.join(allowed)}")
    return name, spec, data, source


def check_overrides(spec, overrides, where=""):
    """Refuse override names the pipeline does not take: another task's option, or a typo (did-you-mean)."""
    allowed = _OVERRIDABLE + spec.options
    for key in overrides:
        if key in allowed:
            continue
        if key in task_option_names():  # another task's option: say whose
            spec.task.check_predict_options({key: True}, where=where)
        raise ConfigError(f"Unknown argument {where}{key} for the {spec.module} pipeline.{did_you_mean(key, allowed)}",
                          hint=f"arguments: pipeline, config, device, use_hpip, {', '.join(allowed)}")
