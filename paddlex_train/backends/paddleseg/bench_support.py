"""Benchmark support (bench/predict.py): a PP-LiteSeg-T (STDC1) network as the dynamic graph, and its static export.

bench/ may not import paddleseg, so the model is built here. Weights are random (seeded): speed does not depend
on them. The export mirrors the exporter's format (argmax wrapper, int32 ids, inference.yml with Normalize).
"""
from pathlib import Path

import paddle
import yaml
from paddleseg.models import PPLiteSeg
from paddleseg.models.backbones import STDC1


class _Argmax(paddle.nn.Layer):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return paddle.argmax(self.model(x)[0], axis=1, dtype="int32")


def build_ppliteseg_t(num_classes=19, seed=0):
    """PP-LiteSeg-T as in its architecture YAML, wrapped to output int32 class ids; in eval mode."""
    paddle.seed(seed)
    net = PPLiteSeg(num_classes=num_classes, backbone=STDC1(), arm_out_chs=[32, 64, 128],
                    seg_head_inter_chs=[32, 64, 64])
    wrapped = _Argmax(net)
    wrapped.eval()
    return wrapped


def export_for_bench(model, directory, num_classes=19):
    """Save `model` (from build_ppliteseg_t) as inference.pdmodel/.pdiparams/.yml in `directory`."""
    directory = Path(directory)
    spec = [paddle.static.InputSpec([None, 3, None, None], "float32", "x")]
    paddle.jit.save(paddle.jit.to_static(model, input_spec=spec, full_graph=True), str(directory / "inference"))
    body = {"Deploy": {"model": "inference.pdmodel", "params": "inference.pdiparams",
                       "transforms": [{"type": "Normalize"}], "input_shape": [-1, 3, -1, -1],
                       "output_op": "argmax", "output_dtype": "int32"},
            "Global": {"model_name": "PP-LiteSeg-T", "num_classes": num_classes, "label_names": None}}
    (directory / "inference.yml").write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
    return directory


def dynamic_predict(model, batch):
    """Run the dynamic graph on a float32 NCHW numpy batch; returns int32 ids as numpy."""
    with paddle.no_grad():
        return model(paddle.to_tensor(batch)).numpy()
