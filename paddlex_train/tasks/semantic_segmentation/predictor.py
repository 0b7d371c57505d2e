"""Global.mode=predict for semantic segmentation: run an exported model on Predict.input and save every result.

For each input, Global.output receives <stem>_res.json, <stem>_res.png (pseudo-colour), <stem>_overlay.png and
<stem>_label.png (class ids as pixel values). PaddleX saves only the last input's result; we save all of them, and
inputs sharing a stem get distinct names (a, a_2, ...).
"""
from ...errors import ConfigError
from ..base.runner import ModeRunner


class SegPredictRunner(ModeRunner):
    """Predict with the exported model in Predict.model_dir (paddle.inference, no training suite needed)."""

    mode = "predict"
    needs_paddle = True

    def execute(self):
        """Predict every input; returns the payload of predict_result.json (one entry per input)."""
        from ...inference import create_predictor
        from ...inference.results import UniqueStems

        section = self.config["Predict"]
        if not section.get("model_dir"):
            raise ConfigError("Predict.model_dir is not set.",
                              hint="train and export a model, then pass -o Predict.model_dir=<export dir>")
        if section.get("input") is None:
            raise ConfigError("Predict.input is not set.",
                              hint="pass -o Predict.input=<image, directory or URL>")
        predictor = create_predictor(section["model_dir"], model_name=self.config.model, device=str(self.device),
                                     what="Predict.model_dir", batch_size=section["batch_size"],
                                     target_size=section.get("target_size"))
        stems = UniqueStems()
        entries = []
        for result in predictor.predict(section["input"], what="Predict.input"):
            result.print(format_json=False)
            written = result.save_all(self.output, stem=stems.take(result.basename))
            entries.append({"input_path": result["input_path"],
                            **{kind: path.name for kind, path in written.items()}})
        self.logger.info(f"Predicted {len(entries)} image(s); pictures and JSON are in {self.output}/ "
                         "(*_res.png pseudo-colour, *_overlay.png, *_label.png class ids, *_res.json)")
        return {"model_dir": str(section["model_dir"]), "output_dir": str(self.output),
                "num_inputs": len(entries), "results": entries}
