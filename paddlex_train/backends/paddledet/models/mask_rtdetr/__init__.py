"""Mask-RT-DETR (S/M/L/X/H) for ppdet 2.6: importing registers every module with ppdet's workspace."""
from . import architecture, head, hgnetv2, hybrid_encoder, post_process, transformer  # noqa: F401
from . import denoising, loss, matcher, transforms  # noqa: F401  (training side: loss, matcher, data ops)
