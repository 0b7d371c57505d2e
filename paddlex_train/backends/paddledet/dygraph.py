"""Dynamic-graph forward of a ppdet model on prepared inputs (used to check exported models against the dygraph)."""
import numpy as np
import paddle
from ppdet.core.workspace import create


def build_model(cfg, weights):
    """The model of `cfg` with `weights` (dict or .pdparams path) loaded, in eval mode."""
    model = create(cfg.architecture)
    state = paddle.load(str(weights)) if not isinstance(weights, dict) else weights
    model.set_state_dict(state)
    model.eval()
    return model


def forward(model, inputs):
    """Run `model` on numpy inputs {image, im_shape, scale_factor}; returns its outputs as sorted-key numpy arrays
    (the order paddle.jit.save flattens the exported dict in)."""
    feed = {k: paddle.to_tensor(np.asarray(v)) for k, v in inputs.items()}
    with paddle.no_grad():
        out = model(feed)
    return [np.asarray(out[k].numpy()) for k in sorted(out)]
