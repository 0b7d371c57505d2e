"""Export mode for instance segmentation: inference.pdmodel/.pdiparams and a PaddleX inference.yml."""
from ..base.exporter import BaseExporter


class InstExporter(BaseExporter):
    """Exports Export.weight_path (default output/best_model/best_model.pdparams) into Global.output."""

    default_weight = "best_model/best_model.pdparams"

    def export(self, weight, run, out_dir):
        from ...backends.paddledet.runners import export_weights  # loads paddle + ppdet; only in this mode

        return export_weights(weight, run, self.config, out_dir, self.logger.info)
