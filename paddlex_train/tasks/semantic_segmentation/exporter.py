"""Export mode for semantic segmentation: inference.pdmodel/.pdiparams/.yml (argmax, int32) into Global.output."""
from ..base.exporter import BaseExporter


class SegExporter(BaseExporter):
    """Exports Export.weight_path; Export.input_shape fixes the input shape (required by MaskFormer)."""

    default_weight = "best_model/model.pdparams"
