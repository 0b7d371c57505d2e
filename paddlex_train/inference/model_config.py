"""Read an exported inference directory: `inference.yml` plus the program and parameter files it names.

Two layouts exist: the semantic one (`Deploy: {model, params, transforms, input_shape, ...}`) written by our
PaddleSeg exporter, and the detection one (`Preprocess`, `arch`, `label_list`, ...) written by PaddleDetection
style exporters. This module only reads and checks the files; what the keys mean is up to each predictor.
"""
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import ConfigError, InputError

INFERENCE_YML = "inference.yml"


@dataclass
class InferenceModel:
    """The facts of an exported model directory.

    Attributes:
        model_dir: the directory.
        raw: the parsed inference.yml mapping.
        model_file: the program file (inference.pdmodel).
        params_file: the weights file (inference.pdiparams).
        model_name: Global.model_name, or None when the exporter did not write it.
        label_names: class names (Global.label_names / label_list), or None.
    """

    model_dir: Path
    raw: dict
    model_file: Path
    params_file: Path
    model_name: str = None
    label_names: list = field(default=None)

    @property
    def deploy(self):
        """The `Deploy` section (semantic layout), or an empty dict."""
        return self.raw.get("Deploy") or {}


def _missing_dir_error(model_dir, what):
    return InputError(
        f"{what} {model_dir} is not an exported model directory (no {INFERENCE_YML}).",
        hint="point it at the inference/ folder written by Global.mode=export or by training "
             "(e.g. output/best_model/inference), or train and export a model first",
    )


def read_inference_dir(model_dir, what="Predict.model_dir"):
    """Read and check `model_dir/inference.yml` and the files it names.

    Args:
        model_dir: path of the exported directory.
        what: how the directory was given, for messages (a config key or an argument name).

    Returns:
        InferenceModel.

    Raises:
        InputError: when the directory, inference.yml, the program or the weights are missing or unreadable.
    """
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise InputError(f"{what} {model_dir} does not exist.",
                       hint="train and export a model (Global.mode=train, then export), "
                            "or point it at an existing exported inference directory")
    yml = model_dir / INFERENCE_YML
    if not yml.is_file():
        nested = model_dir / "inference"
        if (nested / INFERENCE_YML).is_file():  # e.g. best_model/ given instead of best_model/inference/
            raise InputError(f"{what} {model_dir} holds no {INFERENCE_YML}, but {nested} does.",
                           hint=f"set it to {nested}")
        raise _missing_dir_error(model_dir, what)
    try:
        raw = yaml.safe_load(yml.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{yml} is not valid YAML{where}.",
                          hint="re-export the model (Global.mode=export)") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{yml} must hold a mapping (Deploy/Global sections).",
                          hint="re-export the model (Global.mode=export)")
    deploy = raw.get("Deploy") or {}
    model_file = model_dir / str(deploy.get("model", "inference.pdmodel"))
    params_file = model_dir / str(deploy.get("params", "inference.pdiparams"))
    # An ONNX export (main.py --paddle2onnx) holds inference.onnx instead of the Paddle files (inference.engines).
    onnx_only = not model_file.is_file() and (model_dir / "inference.onnx").is_file()
    for path, kind in (() if onnx_only else ((model_file, "program"), (params_file, "weights"))):
        if not path.is_file():
            raise InputError(f"{yml} names the {kind} file {path.name}, but {path} does not exist.",
                           hint="re-export the model into this directory (Global.mode=export)")
    glob = raw.get("Global") or {}
    labels = glob.get("label_names") or raw.get("label_list")
    return InferenceModel(model_dir=model_dir, raw=raw, model_file=model_file, params_file=params_file,
                          model_name=glob.get("model_name"),
                          label_names=[str(x) for x in labels] if labels else None)
