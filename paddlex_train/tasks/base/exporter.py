"""BaseExporter: the backend-agnostic export template.

Subclasses implement `export(weight, run, out_dir)` and return the payload of export_result.json; the weight is
Export.weight_path (URL or path; default `<Global.output>/<default_weight>`), `run` is the TrainedRun of the weight
(tasks/base/evaluator.py), and `out_dir` is where the inference files go (`export_subdir` under Global.output;
'' = Global.output itself, as PaddleX does).
"""
from .evaluator import trained_run, weight_file
from .runner import ModeRunner


class BaseExporter(ModeRunner):
    """Template of the export mode; subclasses implement `export(weight, run, out_dir)`."""

    mode = "export"
    needs_paddle = True
    default_weight = "best_model/model.pdparams"
    export_subdir = ""

    def execute(self):
        weight = weight_file(self.config, "Export", self.default_weight, self.output)
        run = trained_run(weight, self.config, self.logger.info)
        out_dir = self.output / self.export_subdir if self.export_subdir else self.output
        self.logger.info(f"Exporting {run.model} weights {weight} to {out_dir}")
        return self.export(weight, run, out_dir)

    def export(self, weight, run, out_dir):
        """Write the inference model into `out_dir` and return the result payload."""
        raise NotImplementedError
