"""The model catalog: one YAML per model under configs/modules/<module>/<Model>.yaml."""
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import ConfigError
from .registry import did_you_mean

CONFIG_ROOT = Path(__file__).resolve().parent.parent / "configs" / "modules"


@dataclass(frozen=True)
class ModelEntry:
    """A catalogued model: its name, task module and default YAML."""

    name: str
    module: str
    config_path: Path


@lru_cache(maxsize=1)
def catalog():
    """Mapping model name -> ModelEntry, read from the config tree."""
    entries = {}
    for path in sorted(CONFIG_ROOT.glob("*/*.yaml")):
        entries[path.stem] = ModelEntry(path.stem, path.parent.name, path)
    return entries


def find_model(name):
    """The ModelEntry of `name`, or a ConfigError suggesting the closest model name."""
    entries = catalog()
    if name in entries:
        return entries[name]
    raise ConfigError(f"Unknown model Global.model={name!r}.{did_you_mean(name, entries)}",
                      hint=f"models are the YAML names under {CONFIG_ROOT.parent.name}/modules/")


def models_of(module):
    """Sorted model names of a module."""
    return sorted(e.name for e in catalog().values() if e.module == module)
