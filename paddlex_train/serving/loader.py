"""Load the model of a pipeline for serving, through the public API (`paddlex_train.create_pipeline`).

Only public names are used: `create_pipeline(...)`, the pipeline's `.predict`, and, for the readiness answer, the
public attributes `pipeline.name`, `pipeline.model` (the predictor) with its `.model_name`, `.device` and the
exported model's `.model.label_names` / `.model.model_dir` / `.model.raw` (inference.yml; read with getattr:
missing ones are reported as null).
"""
from pathlib import Path

import yaml

from ..errors import ConfigError
from .app import ENDPOINTS, Service
from .settings import load_settings


def pipeline_name(pipeline):
    """`semantic_segmentation` / `instance_segmentation` for a built-in name or a pipeline YAML (else None)."""
    text = str(pipeline)
    if text.lower().endswith((".yaml", ".yml")):
        try:
            data = yaml.safe_load(Path(text).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError, UnicodeDecodeError):
            return None  # create_pipeline reports it with the usual message
        return data.get("pipeline_name") if isinstance(data, dict) else None
    return text


def describe(pipeline, device):
    """What /ready says about the loaded model."""
    predictor = getattr(pipeline, "model", pipeline)
    exported = getattr(predictor, "model", None)
    names = getattr(exported, "label_names", None) or getattr(predictor, "labels", None)
    model_dir = getattr(exported, "model_dir", None)
    raw = getattr(exported, "raw", None)
    count = len(names) if names else ((raw.get("Global") or {}).get("num_classes") if isinstance(raw, dict) else None)
    return {"pipeline": getattr(pipeline, "name", None), "modelName": getattr(predictor, "model_name", None),
            "modelDir": str(model_dir) if model_dir is not None else None,
            "classes": list(names) if names else None, "numClasses": count,
            "device": str(getattr(predictor, "device", None) or device or "default")}


def load_service(pipeline, model_dir=None, device=None, allow_private_urls=False):
    """Read the serving settings, load the model (errors are the usual one-line PxtErrors), return a Service."""
    from .. import create_pipeline

    settings = load_settings(pipeline, allow_private_urls)
    name = pipeline_name(pipeline)
    loaded = create_pipeline(pipeline, device=device, model_dir=model_dir)
    task = getattr(loaded, "name", None) or name
    if task not in ENDPOINTS:
        raise ConfigError(f"Pipeline {pipeline} ({task}) cannot be served.",
                          hint=f"servable pipelines: {', '.join(sorted(ENDPOINTS))}")
    return Service(loaded, task, settings, {**describe(loaded, device), "endpoint": ENDPOINTS[task]})
