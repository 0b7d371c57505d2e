"""The model catalog: one YAML per model under configs/modules/<module>/<Model>.yaml, and the one answer to
"which catalogued model can this toolkit run?".

A model is *available* when the backend of its task module implements it, i.e. the backend has an architecture
file for it (backends/<backend>/archs/<Model>.<ext>). The files are listed by path: importing a backend package
loads paddle, and check_dataset, --help and the catalog must not. Adding a model to a backend is adding its
architecture file; TaskSpec, the CLI, create_model, the pipelines and every "not available yet" message read
the answer from here.
"""
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import ConfigError, UnsupportedError
from .registry import did_you_mean

CONFIG_ROOT = Path(__file__).resolve().parent.parent / "configs" / "modules"
BACKENDS_ROOT = Path(__file__).resolve().parent / "backends"


@dataclass(frozen=True)
class BackendArchs:
    """Where a backend keeps its architecture files: backends/<package>/archs/*<suffix>."""

    package: str
    suffix: str
    suite: str

    @property
    def arch_dir(self):
        return BACKENDS_ROOT / self.package / "archs"

    def implemented(self):
        """Names of the models the backend implements (one architecture file each)."""
        return frozenset(p.stem for p in self.arch_dir.glob(f"*{self.suffix}"))


# task module -> its backend. One row per task; the backend's own arch loaders read the same folders.
BACKENDS = {
    "semantic_segmentation": BackendArchs("paddleseg", ".yaml", "PaddleSeg 2.8"),
    "instance_segmentation": BackendArchs("paddledet", ".yml", "PaddleDetection 2.6 (ppdet)"),
}

# Modes that work for every catalogued model: they need no architecture.
MODES_WITHOUT_ARCH = ("check_dataset",)


@dataclass(frozen=True)
class ModelEntry:
    """A catalogued model: its name, task module, default YAML and whether its backend implements it."""

    name: str
    module: str
    config_path: Path
    available: bool


@lru_cache(maxsize=1)
def catalog():
    """Mapping model name -> ModelEntry, read from the config tree; each backend is asked once."""
    implemented = {module: backend.implemented() for module, backend in BACKENDS.items()}
    entries = {}
    for path in sorted(CONFIG_ROOT.glob("*/*.yaml")):
        module = path.parent.name
        entries[path.stem] = ModelEntry(path.stem, module, path, path.stem in implemented.get(module, ()))
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


def available_models(module=None):
    """Sorted names of the catalogued models a backend implements (of one module, or of all)."""
    return sorted(e.name for e in catalog().values() if e.available and module in (None, e.module))


def supports(name, mode):
    """Whether catalogued model `name` can run `mode` (check_dataset always; other modes need the backend)."""
    entry = catalog().get(name)
    return entry is not None and (mode in MODES_WITHOUT_ARCH or entry.available)


def require_available(name, mode=None):
    """Raise UnsupportedError ("not available yet") when catalogued model `name` cannot run `mode`.

    Unknown names pass: callers report those with their own wording (find_model / the inference.yml check).
    """
    entry = catalog().get(name)
    if entry is None or (mode is not None and supports(name, mode)) or entry.available:
        return
    backend = BACKENDS[entry.module]
    raise UnsupportedError(
        f"Model {name!r} is not available yet" + (f" for {mode}" if mode else "")
        + f": {backend.suite} has no implementation of it in this toolkit (no {name}{backend.suffix} in "
        f"paddlex_train/backends/{backend.package}/archs).",
        hint=f"available {entry.module} models: {', '.join(available_models(entry.module)) or 'none yet'}")
