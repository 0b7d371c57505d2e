"""Dynamic-graph forward of a ppdet model on prepared inputs (used to check exported models against the dygraph)."""
import numpy as np
import paddle
from ppdet.core.workspace import create

from ...training.weights import compare_keys


def build_model(cfg, weights):
    """The model of `cfg` with `weights` (dict or .pdparams path) loaded, in eval mode."""
    model = create(cfg.architecture)
    state = paddle.load(str(weights)) if not isinstance(weights, dict) else weights
    model.set_state_dict(state)
    model.eval()
    return model


def load_state(model, state):
    """Load the tensors of `state` that match `model` by name and shape; returns the compare_keys report (the
    template decides whether the weights fit)."""
    shapes = lambda d: {k: tuple(v.shape) for k, v in d.items() if hasattr(v, "shape")}  # noqa: E731
    report = compare_keys(shapes(model.state_dict()), shapes(state))
    model.set_state_dict({k: state[k] for k in report["matched"]})
    return report


def forward(model, inputs):
    """Run `model` on numpy inputs {image, im_shape, scale_factor}; returns its outputs as sorted-key numpy arrays
    (the order paddle.jit.save flattens the exported dict in)."""
    feed = {k: paddle.to_tensor(np.asarray(v)) for k, v in inputs.items()}
    with paddle.no_grad():
        out = model(feed)
    return [np.asarray(out[k].numpy()) for k in sorted(out)]
