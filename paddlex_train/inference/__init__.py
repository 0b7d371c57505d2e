"""Static-graph prediction: exported-model reading, the paddle.inference engine, input readers, results and
per-task predictors. Importing this package does not import paddle (the engine loads it when a predictor is built).
"""
from .base import PREDICTORS, BasePredictor, create_predictor
from .results import BaseResult, SegResult

__all__ = ["PREDICTORS", "BasePredictor", "BaseResult", "SegResult", "create_predictor"]
