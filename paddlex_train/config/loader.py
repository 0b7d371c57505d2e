"""Load a module YAML, apply overrides, validate, and find the model's module in the catalog."""
import copy
from pathlib import Path

import yaml

from ..catalog import find_model
from ..errors import ConfigError
from ..log import get_logger
from .overrides import apply_overrides, parse_scalar
from .validate import check_cross_fields, normalise_shapes, validate


class Config:
    """A validated run configuration.

    Attributes:
        data: nested dict with every schema key present.
        module: the task module of Global.model ('semantic_segmentation', ...).
        source: the YAML path it was loaded from.
    """

    def __init__(self, data, module, source):
        self.data = data
        self.module = module
        self.source = source

    def __getitem__(self, section):
        return self.data[section]

    def get(self, dotted, default=None):
        """Value at a dotted path such as 'Train.batch_size'."""
        node = self.data
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    @property
    def model(self):
        return self.data["Global"]["model"]

    @property
    def mode(self):
        return self.data["Global"]["mode"]

    @property
    def output(self):
        return Path(self.data["Global"]["output"])

    def to_yaml(self):
        """The resolved config as YAML text (section order preserved)."""
        return yaml.safe_dump(self.data, sort_keys=False, allow_unicode=True)

    def copy(self):
        return Config(copy.deepcopy(self.data), self.module, self.source)


def read_yaml(path):
    """Read a YAML mapping with safe_load; raise ConfigError naming the file on any problem."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"Config file {path} does not exist.",
                          hint="pass one of configs/modules/<module>/<Model>.yaml with -c")
    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"Config file {path} is not valid YAML{where}: {getattr(e, 'problem', e)}.",
                          hint="check indentation and quoting there") from None
    except UnicodeDecodeError:
        raise ConfigError(f"Config file {path} is not UTF-8 text.") from None
    if not isinstance(data, dict):
        raise ConfigError(f"Config file {path} must hold a mapping with Global, Train, ... sections.")
    return data


def load_config(path, overrides=()):
    """Load `path`, apply `overrides` (strings 'A.b=c'), validate, and return a Config."""
    raw = apply_overrides(read_yaml(path), overrides)
    data = validate(raw, source=str(path))
    check_cross_fields(data)
    normalise_shapes(data, warn=get_logger().warning)
    module = find_model(data["Global"]["model"]).module
    return Config(data, module, str(path))


def peek_mode_and_output(path, overrides=()):
    """Best-effort (mode, output) for writing a failure result when the config itself is invalid."""
    mode, output = "check_dataset", "output"
    try:
        with open(path, encoding="utf-8") as f:
            glob = (yaml.safe_load(f) or {}).get("Global") or {}
        mode, output = glob.get("mode", mode), glob.get("output", output)
    except Exception:  # the file may be what is broken; fall back to defaults
        pass
    for item in overrides or ():
        key, _, value = item.partition("=")
        if key.strip() == "Global.mode":
            mode = parse_scalar(value)
        elif key.strip() == "Global.output":
            output = parse_scalar(value)
    from .schema import MODES

    mode = mode if mode in MODES else "check_dataset"
    return mode, str(output if output not in (None, "") else "output")
