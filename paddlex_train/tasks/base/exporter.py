"""BaseExporter: the template of the export mode.

The weights are Export.weight_path (URL or path; default `<Global.output>/<default_weight>`), checked as for
evaluate (tasks/base/evaluator.WeightsModeRunner). A backend always exports into a directory of its own, which it
replaces as a whole; the template then moves those files into Global.output (as PaddleX places them) one by one,
so exporting into a folder that holds other things (a training output) never removes them. export_result.json
comes from tasks/base/payload.py.
"""
import os
from dataclasses import replace

from ...backends.base import backend_for
from ...utils.fs import move_files_into
from .evaluator import WeightsModeRunner
from .payload import export_payload


class BaseExporter(WeightsModeRunner):
    """Template of the export mode: export_result.json from the backend's ExportOutput."""

    mode = "export"
    section = "Export"

    def execute(self):
        identity, job = self.weights_job({"input_shape": self.config["Export"].get("input_shape")})
        self.logger.info(f"Exporting {identity.model_name} weights {job.weight_path} to {self.output}")
        staging = self.output / f".export.tmp{os.getpid()}"
        out = backend_for(self.task.name).export(job, staging)
        moved = move_files_into(staging, self.output)
        out = replace(out, directory=self.output,
                      files={role: moved.get(os.path.basename(str(p)), p) for role, p in out.files.items()})
        shape = out.input_shape or "dynamic"
        self.logger.info(f"Exported {identity.model_name} to {self.output} (input shape {shape})")
        from .export_formats import finish_export  # issue 18: Export.format (ONNX) and the parity report

        return finish_export(self, job, out, export_payload(identity, job.weight_path, out))
