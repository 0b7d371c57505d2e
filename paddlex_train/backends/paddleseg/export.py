"""Static-graph export: inference.pdmodel + inference.pdiparams + inference.yml (argmax, int32 class ids).

inference.yml (read by the predictor; keep this schema):
    Deploy: {model: inference.pdmodel, params: inference.pdiparams, transforms: [val transforms as PaddleSeg
             dicts], input_shape: [-1, 3, -1, -1] or the fixed shape, output_op: argmax, output_dtype: int32,
             logits_output: 1 (index of the float32 logits output [N, C, H, W]; absent in older exports)}
    Global: {model_name, num_classes, label_names: [...] or null}
The program takes float32 NCHW (normalised as the transforms say) and returns int32 class ids [N, H, W] and the
logits [N, C, H, W].
"""
import copy
from pathlib import Path

import paddle
import yaml

from ...utils.fs import atomic_dir


FILES = {"pdmodel": "inference.pdmodel", "pdiparams": "inference.pdiparams", "inference_config": "inference.yml"}


class ArgmaxNet(paddle.nn.Layer):
    """Wraps a PaddleSeg model so the program outputs class ids, and the logits as a second output (issue 19:
    sliding-window and TTA inference average logits; plain prediction copies out the ids only)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        logit = self.model(x)[0]
        return paddle.argmax(logit, axis=1, dtype="int32"), logit


def export(model, directory, val_transforms, model_name, num_classes, label_names=None, input_shape=None):
    """Export `model` into `directory`, a directory of its own (built as a temporary sibling, then put in place
    as a whole with utils.fs.replace_dir, as the ppdet export does).

    Args:
        model: a PaddleSeg model. A copy is converted, so the training model is never touched by to_static.
        directory: target directory (e.g. best_model/inference).
        val_transforms: list of PaddleSeg transform dicts applied before the network.
        input_shape: fixed [N, 3, H, W], or None for [-1, 3, -1, -1].

    Returns:
        {role: path} for inference.pdmodel, inference.pdiparams and inference.yml.
    """
    directory = Path(directory)
    shape = [int(v) for v in input_shape] if input_shape else [None, 3, None, None]
    with atomic_dir(directory) as tmp:  # replaced as a whole: readers never see a half-written export
        net = ArgmaxNet(copy.deepcopy(model))
        net.eval()
        static = paddle.jit.to_static(net, input_spec=[paddle.static.InputSpec(shape, "float32", "x")],
                                      full_graph=True)
        paddle.jit.save(static, str(tmp / "inference"))
        deploy = {"model": FILES["pdmodel"], "params": FILES["pdiparams"], "transforms": list(val_transforms),
                  "input_shape": [-1 if v is None else v for v in shape], "output_op": "argmax",
                  "output_dtype": "int32", "logits_output": 1}  # output 1: float32 logits [N, C, H, W]
        body = {"Deploy": deploy, "Global": {"model_name": model_name, "num_classes": int(num_classes),
                                             "label_names": list(label_names) if label_names else None}}
        (tmp / FILES["inference_config"]).write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
    return {role: directory / name for role, name in FILES.items()}
