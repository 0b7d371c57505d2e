"""Static-graph prediction: exported-model reading, the paddle.inference engine, input readers, results and
per-task predictors. Importing this package does not import paddle (the engine loads it when a predictor is built).
Nothing here imports tasks/: the task layer calls into inference, never the other way round.
"""
from .base import PREDICTORS, BasePredictor, create_predictor
from .load import load_model
from .results import BaseResult, SegResult
from .save import predict_and_save

__all__ = ["PREDICTORS", "BasePredictor", "BaseResult", "SegResult", "create_predictor", "load_model",
           "predict_and_save"]
