"""What a mode runner knows besides its config: the RunContext, the frozen config, and weight-path resolution.

The config a user gave is read-only once loaded (`freeze`): runners never write back into it. What a run decides
for itself (the resolved device, the output directory of this process, its rank) lives in a `RunContext`, which
the runners pass to the backends.
"""
import copy
from pathlib import Path

import yaml

from ...backends.base import RunContext  # noqa: F401  (defined where the backends receive it)
from ...errors import ConfigError
from ...training.weights import resolve_weight_file
from ...utils.download import is_url


class FrozenDict(dict):
    """A dict that refuses every change (the config after loading). `copy.deepcopy` gives a plain, mutable dict."""

    def _refuse(self, *args, **kwargs):
        raise TypeError("the run configuration is read-only; put run-time decisions into the RunContext")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _refuse

    def __deepcopy__(self, memo):
        return {k: copy.deepcopy(v, memo) for k, v in self.items()}

    def __reduce__(self):
        return dict, (dict(self),)


class FrozenList(list):
    """A list that refuses every change (lists inside the frozen config)."""

    def _refuse(self, *args, **kwargs):
        raise TypeError("the run configuration is read-only")

    __setitem__ = __delitem__ = __iadd__ = __imul__ = append = extend = insert = pop = remove = clear = sort = \
        reverse = _refuse

    def __deepcopy__(self, memo):
        return [copy.deepcopy(v, memo) for v in self]

    def __reduce__(self):
        return list, (list(self),)


for _dumper in (yaml.SafeDumper, yaml.Dumper):  # the frozen config still dumps as plain YAML (config.yaml)
    _dumper.add_representer(FrozenDict, yaml.representer.SafeRepresenter.represent_dict)
    _dumper.add_representer(FrozenList, yaml.representer.SafeRepresenter.represent_list)


def _freeze_value(value):
    if isinstance(value, dict):
        return FrozenDict({k: _freeze_value(v) for k, v in value.items()})
    if isinstance(value, list):
        return FrozenList(_freeze_value(v) for v in value)
    return value


def freeze(config):
    """Make `config.data` read-only in place (idempotent) and return `config`."""
    if not isinstance(config.data, FrozenDict):
        config.data = _freeze_value(config.data)
    return config


def declared_output(config):
    """Global.output as written in the config file itself (before -o overrides), or None."""
    try:
        data = yaml.safe_load(Path(config.source).read_text(encoding="utf-8")) or {}
        value = (data.get("Global") or {}).get("output")
    except (OSError, yaml.YAMLError, AttributeError, TypeError):
        return None
    return Path(value) if value else None


def weight_file(config, section, default_rel, output):
    """Resolve `<section>.weight_path` (URL or path) to a local file.

    Unset, it is `<output>/<default_rel>`. The shipped YAMLs give a path inside their own Global.output
    (e.g. output/best_model/model.pdparams); when -o Global.output moved the run elsewhere and the path as written
    does not exist, the same relative path under the current output is used instead.
    """
    value = config[section].get("weight_path") or str(Path(output) / default_rel)
    declared = declared_output(config)
    if declared is not None and not is_url(value) and not Path(value).exists():
        try:
            moved = Path(output) / Path(value).relative_to(declared)
        except ValueError:
            moved = None
        if moved is not None and moved.exists():
            value = str(moved)
    try:
        return resolve_weight_file(value, f"{section}.weight_path", what="weights")
    except ConfigError as e:
        raise ConfigError(e.message, hint=f"train first (Global.mode=train) or set -o {section}.weight_path=...") \
            from None
