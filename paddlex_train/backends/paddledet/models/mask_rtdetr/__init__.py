"""Mask-RT-DETR (S/M/L/X/H) for ppdet 2.6: importing registers every module with ppdet's workspace."""
import importlib.util

from . import architecture, head, hgnetv2, hybrid_encoder, post_process, transformer  # noqa: F401

# Training-side modules (denoising, matcher, loss, data transforms) are imported when present.
for _name in ("denoising", "matcher", "loss", "transforms"):
    if importlib.util.find_spec(f"{__name__}.{_name}") is not None:
        importlib.import_module(f"{__name__}.{_name}")
