"""Models this project adds to PaddleSeg's component registry (importing registers them)."""
from . import seaformer_backbone, seaformer_seg  # noqa: F401  (SeaFormer_tiny..large, SeaFormerSeg)
