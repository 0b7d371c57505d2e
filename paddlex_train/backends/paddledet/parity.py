"""The dynamic-graph reference of an export's parity report (tasks/base/parity.py), ppdet side.

`reference(job, export_output)` gives an engine running the job's weights in the dynamic graph with the inference
engines' `run()` interface (inputs image/im_shape/scale_factor, outputs in the exported program's sorted-key
order), and the inference.yml mapping the training config implies: ppdet's own deploy preprocessing derived from
the config's TestReader at the export's input shape. The parity report feeds that mapping, not the exported file,
to the reference predictor, so an inference.yml that disagrees with training shows up as a disagreement.
"""
from pathlib import Path

import paddle

from ...errors import ConfigError, DatasetError
from ...training import distributed
from .config import DetSettings, build_config, target_size_from
from .dygraph import forward
from .runners import _accepted_model, _job_config


class DygraphDetEngine:
    """Runs a ppdet model in the dynamic graph on numpy inputs {image, im_shape, scale_factor}."""

    name = "dygraph"
    input_names = ["image", "im_shape", "scale_factor"]

    def __init__(self, model):
        self.model = model
        self.model.eval()

    def run(self, inputs, outputs=None):
        """The model's outputs as numpy arrays in sorted-key order (or the `outputs` indices of them)."""
        if not isinstance(inputs, dict):
            inputs = dict(zip(self.input_names, inputs))
        result = forward(self.model, {k: inputs[k] for k in self.input_names})
        return result if outputs is None else [result[i] for i in outputs]


def _config(job, shape, directory):
    """The ppdet config the export of `job` was built from (the same choice as runners.export)."""
    try:
        cfg, _ = _job_config(job, shape, directory)
        return cfg
    except (DatasetError, ConfigError):
        paddle.set_device(distributed.local_place(job.ctx.device))
        settings = DetSettings(num_classes=int(job.num_classes), device_type=job.ctx.device.type,
                               target_size=target_size_from({"input_shape": shape}), save_dir=str(directory))
        return build_config(job.model_name, Path(job.weight_path).parent, settings)


def _preprocess(cfg):
    """ppdet's deploy Preprocess list for `cfg` (what its exporter writes into infer_cfg.yml)."""
    reader = cfg["TestReader"]  # read only: the ops below are new dicts
    image_shape = list(reader.get("inputs_def", {}).get("image_shape") or [3, -1, -1])
    ops = []
    for transform in reader["sample_transforms"][1:]:  # [0] is Decode
        for kind, args in transform.items():
            op = {"type": kind, **dict(args or {})}
            if kind == "Resize":
                if int(image_shape[1]) != -1:
                    op["target_size"] = list(image_shape[1:])
                op.setdefault("interp", 1)
            if kind == "NormalizeImage" and reader.get("fuse_normalize", False):
                continue
            ops.append(op)
    for transform in reader.get("batch_transforms") or []:
        if "PadBatch" in transform:
            ops.append({"type": "PadStride", "stride": transform["PadBatch"].get("pad_to_stride", 0)})
            break
    return ops


def reference(job, export_output):
    """(DygraphDetEngine on the job's weights, the inference.yml mapping training implies)."""
    shape = job.options.get("input_shape") or job.input_shape
    cfg = _config(job, shape, export_output.directory)
    model = _accepted_model(cfg, job)
    raw = {"Global": {"model_name": job.model_name}, "Preprocess": _preprocess(cfg), "draw_threshold": 0.5}
    return DygraphDetEngine(model), raw
