"""Wiring shared by this project's ppdet architectures (Mask-RT-DETR, PP-YOLOE_seg)."""
from ppdet.core.workspace import create


def create_chain(cfg, chained, unchained=()):
    """{name: module} created from `cfg[name]` in order: each of `chained` after the first is given the one before
    it's out_shape as input_shape (backbone -> neck -> ...), as ppdet's architectures wire them; `unchained` ones
    follow without an input shape."""
    parts, previous = {}, None
    for name in chained:
        parts[name] = create(cfg[name]) if previous is None else create(cfg[name], input_shape=previous.out_shape)
        previous = parts[name]
    for name in unchained:
        parts[name] = create(cfg[name])
    return parts
