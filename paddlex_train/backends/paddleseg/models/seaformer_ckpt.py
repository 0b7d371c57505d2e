"""Load PaddleSeg/PaddleX SeaFormer checkpoints into our SeaFormer (key-name map both ways).

PaddleSeg's port (develop branch, the weights PaddleX ships) builds every conv+BN with `layers.ConvBN`, so its keys
end in `._conv.weight` / `._batch_norm.{weight,bias,_mean,_variance}`; the paddleseg 2.8.0 blocks we reuse name them
`.c`/`.bn` (backbone) and `.conv`/`.bn` (head). The port also keeps the head at the top level (`fuse{i}`,
`linear_fuse`, `cls_seg`) where ours sits under `decode_head`. Parameter order is one-to-one, only names differ.
"""
import os
import re

import paddle

from ....errors import BackendError

_BN_LEAVES = ("weight", "bias", "_mean", "_variance")
# (our prefix, port prefix) for the head; keys outside these (e.g. an ImageNet classifier) are left alone.
_HEAD_PREFIXES = (("decode_head.tail.conv_seg.", "cls_seg."), ("decode_head.tail.linear_fuse.", "linear_fuse."),
                  ("decode_head.fuse", "fuse"))
#: The classifier may legitimately differ in shape (another number of classes); it is then left initialised.
CLASSIFIER_PREFIX = "decode_head.tail.conv_seg."


def _is_backbone(key):
    return key.startswith(("backbone.", "smb", "trans"))


def to_port_name(key):
    """Our parameter name -> the name PaddleSeg's SeaFormer port uses for the same tensor.

    Args:
        key: e.g. "backbone.smb1.stem_block.0.c.weight" or "decode_head.tail.conv_seg.bias".

    Returns:
        e.g. "backbone.smb1.stem_block.0._conv.weight" or "cls_seg.bias".
    """
    parts = key.split(".")
    if len(parts) >= 2 and parts[-1] in _BN_LEAVES and parts[-2] == "bn":
        parts[-2] = "_batch_norm"
    elif len(parts) >= 2 and parts[-1] == "weight" and parts[-2] == ("c" if _is_backbone(key) else "conv"):
        parts[-2] = "_conv"
    name = ".".join(parts)
    for ours, port in _HEAD_PREFIXES:
        if name.startswith(ours):
            return port + name[len(ours):]
    return name


def from_port_name(key):
    """PaddleSeg port name -> ours (the inverse of `to_port_name`)."""
    if not _is_backbone(key):
        for ours, port in _HEAD_PREFIXES:
            if key.startswith(port):
                key = ours + key[len(port):]
                break
    parts = key.split(".")
    if len(parts) >= 2 and parts[-2] == "_batch_norm":
        parts[-2] = "bn"
    elif len(parts) >= 2 and parts[-2] == "_conv":
        parts[-2] = "c" if _is_backbone(key) else "conv"
    return ".".join(parts)


def uses_port_names(state):
    """True when a state dict has PaddleSeg-port names (any `._conv.` / `._batch_norm.` key)."""
    return any(re.search(r"\._(conv|batch_norm)\.", k) for k in state)


def _read(source):
    """A state dict from a dict, a local .pdparams path or a URL (downloaded through the shared cache)."""
    if isinstance(source, dict):
        return dict(source), "<state dict>"
    path = str(source)
    from ....utils.download import fetch_cached, is_url

    if is_url(path):
        path = str(fetch_cached(path, what="SeaFormer weights"))
    if not os.path.isfile(path):
        raise BackendError(f"SeaFormer weights not found: {path}",
                           hint="give a local .pdparams file or a reachable URL")
    state = paddle.load(path)
    if not isinstance(state, dict):
        raise BackendError(f"{path} is not a parameter file (.pdparams)", hint="pass the model.pdparams file")
    return state, path


def normalise_keys(state, part):
    """Rename a checkpoint's keys to ours for `part` ("model": whole model, "backbone": backbone only).

    Returns:
        (renamed state dict, list of keys that do not belong to `part`, e.g. an ImageNet classifier).
    """
    if uses_port_names(state):
        state = {from_port_name(k): v for k, v in state.items()}
    if part == "model":
        return state, []
    # A backbone accepts a backbone-only file (keys smb*/trans*) or a whole-model file (keys backbone.*).
    prefixed = any(k.startswith("backbone.") for k in state)
    renamed, foreign = {}, []
    for key, value in state.items():
        if prefixed and key.startswith("backbone."):
            renamed[key[len("backbone."):]] = value
        elif not prefixed and _is_backbone(key):
            renamed[key] = value
        else:
            foreign.append(key)
    return renamed, foreign


def to_model_keys(state):
    """Any SeaFormer state dict (ours or the port's, whole model or backbone only) -> our whole-model names."""
    if uses_port_names(state):
        state = {from_port_name(k): v for k, v in state.items()}
    if any(k.startswith("backbone.") for k in state):
        return dict(state)
    return {("backbone." + k if _is_backbone(k) else k): v for k, v in state.items()}


def load_weights(layer, source, part="model"):
    """Load SeaFormer weights (our names or PaddleSeg/PaddleX names) into `layer`, strictly.

    Every tensor of `layer` must be present with the same shape, except the classifier, which is skipped (left
    initialised) when its shape differs (fine-tuning to another number of classes). For part="backbone", keys that
    are not backbone keys (an ImageNet classifier, a segmentation head) are ignored.

    Args:
        layer: SeaFormerSeg (part="model") or a SeaFormer backbone (part="backbone").
        source: state dict, local .pdparams path or URL.
        part: "model" or "backbone".

    Returns:
        dict with `loaded`, `skipped` (classifier keys) and `ignored` (foreign keys) counts and the `source`.

    Raises:
        BackendError: missing or unexpected keys, or a shape mismatch outside the classifier.
    """
    state, where = _read(source)
    state, foreign = normalise_keys(state, part)
    own = layer.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    if missing or unexpected:
        raise BackendError(
            f"{where} does not fit this SeaFormer {part}: {len(missing)} missing key(s) (e.g. {missing[:2]}), "
            f"{len(unexpected)} unexpected (e.g. {unexpected[:2]})",
            hint="use weights of the same SeaFormer variant (tiny/small/base/large)")
    skipped = []
    for key, value in list(state.items()):
        if list(value.shape) != list(own[key].shape):
            if key.startswith(CLASSIFIER_PREFIX):
                skipped.append(key)
                del state[key]
                continue
            raise BackendError(f"{where}: {key} has shape {list(value.shape)}, this model needs "
                               f"{list(own[key].shape)}", hint="use weights of the same SeaFormer variant")
    for key in skipped:
        state[key] = own[key]
    layer.set_state_dict(state)
    return {"loaded": len(own) - len(skipped), "skipped": len(skipped), "ignored": len(foreign), "source": where}
