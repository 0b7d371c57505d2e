"""Export mode for instance segmentation: inference.pdmodel/.pdiparams and a PaddleX inference.yml."""
from ..base.exporter import BaseExporter


class InstExporter(BaseExporter):
    """Exports Export.weight_path (default output/best_model/best_model.pdparams) into Global.output."""

    default_weight = "best_model/best_model.pdparams"
