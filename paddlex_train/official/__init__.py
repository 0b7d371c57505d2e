"""Official models out of the box: PaddleX's trained weights for each catalogued model, its label set, and
`resolve_official_model_dir`, which downloads and exports them once into the cache (issue 20).

Used by inference.load_model when no model_dir is given (create_model, create_pipeline, --pipeline), and by
`python main.py --download_weights` to pre-fill the cache.
"""
from .labels import ADE20K_150, CITYSCAPES_19, COCO_80, LABEL_SETS
from .resolve import fetch_official_weights, official_cache_dir, resolve_official_model_dir, toolkit_version
from .table import OFFICIAL, OfficialModel, official_model

__all__ = ["ADE20K_150", "CITYSCAPES_19", "COCO_80", "LABEL_SETS", "OFFICIAL", "OfficialModel",
           "fetch_official_weights", "official_cache_dir", "official_model", "resolve_official_model_dir",
           "toolkit_version"]
