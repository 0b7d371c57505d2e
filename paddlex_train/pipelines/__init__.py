"""Pipelines: a YAML naming a model per sub-module, run through the same predictors as Global.mode=predict."""
from .pipeline import Pipeline, create_pipeline
from .runner import PIPELINES, load_pipeline_config

__all__ = ["PIPELINES", "Pipeline", "create_pipeline", "load_pipeline_config"]
