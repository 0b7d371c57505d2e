"""Export mode for semantic segmentation: inference.pdmodel/.pdiparams/.yml (argmax, int32) into Global.output."""
from ..base.exporter import BaseExporter


class SegExporter(BaseExporter):
    """Exports Export.weight_path; Export.input_shape fixes the input shape (required by MaskFormer)."""

    default_weight = "best_model/model.pdparams"

    def export(self, weight, run, out_dir):
        from ...backends.paddleseg.runners import export_weights  # loads paddle; only in this mode

        return export_weights(weight, run.model, run.num_classes, self.config["Global"]["dataset_dir"],
                              run.input_shape, self.config["Export"]["input_shape"], out_dir, self.logger.info)
