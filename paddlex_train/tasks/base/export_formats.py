"""The end of the export mode (issue 18): Export.format (paddle | onnx | both) and the parity report.

- paddle: the Paddle inference files only (inference.pdmodel/.pdiparams/.yml).
- both:   the Paddle files plus inference.onnx beside them (one inference.yml serves both; Paddle Inference runs the
          directory unless use_hpip=True picks onnxruntime).
- onnx:   inference.onnx + inference.yml; the Paddle program is converted, checked, then removed.
The parity report (tasks/base/parity.py) runs on every export and fails it when a figure is out of tolerance.
export_result.json gains: format, onnx_model (file name or null) and parity.
"""
import os

from ...onnx_export import convert_to_onnx
from .parity import parity_report

FORMATS = ("paddle", "onnx", "both")
PADDLE_FILES = ("inference.pdmodel", "inference.pdiparams", "inference.pdiparams.info")


def finish_export(runner, job, out, payload):
    """Convert, check and report an export whose Paddle files `out` (backends.base.ExportOutput) are in place;
    returns `payload` with the issue-18 keys added."""
    section = runner.config["Export"]
    fmt = section.get("format") or "paddle"
    onnx_file = None
    if fmt in ("onnx", "both"):
        runner.logger.info(f"Converting {job.model_name} to ONNX (paddle2onnx)")
        onnx_file = convert_to_onnx(out.directory, out.directory, what="the export directory")
    num = int(section.get("parity_images", 8) if section.get("parity_images") is not None else 8)
    payload["parity"] = parity_report(runner.task.name, job, out, num,
                                      onnx_dir=out.directory if onnx_file else None, log=runner.logger.info)
    if fmt == "onnx":
        for name in PADDLE_FILES:  # only ours: Global.output may hold other things (a training run)
            path = out.directory / name
            if path.is_file():
                os.remove(path)
        payload.update({"pdmodel": None, "pdiparams": None})
    payload.update({"format": fmt, "onnx_model": onnx_file.name if onnx_file else None})
    return payload
