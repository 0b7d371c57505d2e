"""Global.mode=predict: run Predict.model_dir on Predict.input and save every result (inference.save).

Each task's predict runner (tasks/<task>/predictor.py) is a thin subclass; the predictor is built by
inference.load_model from inference.yml, and the task options it receives are the TaskSpec's predict_options.
"""
from ...errors import ConfigError
from ..spec import task_option_names
from .runner import ModeRunner


class PredictModeRunner(ModeRunner):
    """Predict with the exported model in Predict.model_dir (paddle.inference; no training suite needed)."""

    mode = "predict"
    needs_paddle = True

    def execute(self):
        """Predict every input; returns the payload of predict_result.json (one entry per input)."""
        from ...inference import load_model, predict_and_save

        section = self.config["Predict"]
        if not section.get("model_dir"):
            raise ConfigError("Predict.model_dir is not set.",
                              hint="train and export a model, then pass -o Predict.model_dir=<export dir>")
        if section.get("input") is None:
            raise ConfigError("Predict.input is not set.",
                              hint="pass -o Predict.input=<image, directory or URL>")
        options = {k: section.get(k) for k in task_option_names()}
        self.task.check_predict_options(options, where="Predict.")
        options = {k: v for k, v in options.items() if v is not None}
        predictor = load_model(self.config.model, model_dir=section["model_dir"], device=str(self.device),
                               where="Predict.model_dir", batch_size=section["batch_size"], **options)
        entries = predict_and_save(predictor, section["input"], self.output, what="Predict.input",
                                   log=self.logger.info)
        return {"model_dir": str(section["model_dir"]), "output_dir": str(self.output),
                "num_inputs": len(entries), "options": options, "results": entries}  # options: what was used
