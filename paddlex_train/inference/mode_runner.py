"""The shared body of Global.mode=predict: run Predict.model_dir on Predict.input and save every result.

Each task's predict runner (tasks/<task>/predictor.py) is a thin subclass; the predictor itself is chosen from
inference.yml through inference.base.PREDICTORS. For each input, Global.output receives <stem>_res.json,
<stem>_res.png and one <stem>_<kind>.png per extra picture the result renders. PaddleX saves only the last
input's result; we save all of them, and inputs sharing a stem get distinct names (a, a_2, ...).
"""
from ..errors import ConfigError
from ..tasks.base.runner import ModeRunner


class PredictModeRunner(ModeRunner):
    """Predict with the exported model in Predict.model_dir (paddle.inference; no training suite needed).

    Subclasses may set `predictor_options` (Predict keys passed to the predictor, besides batch_size).
    """

    mode = "predict"
    needs_paddle = True
    predictor_options = ()

    def execute(self):
        """Predict every input; returns the payload of predict_result.json (one entry per input)."""
        from ..utils.download import is_url
        from . import create_predictor
        from .readers import expand_inputs
        from .results import UniqueStems

        section = self.config["Predict"]
        if not section.get("model_dir"):
            raise ConfigError("Predict.model_dir is not set.",
                              hint="train and export a model, then pass -o Predict.model_dir=<export dir>")
        if section.get("input") is None:
            raise ConfigError("Predict.input is not set.",
                              hint="pass -o Predict.input=<image, directory or URL>")
        options = {k: section.get(k) for k in self.predictor_options}
        predictor = create_predictor(section["model_dir"], model_name=self.config.model, device=str(self.device),
                                     what="Predict.model_dir", batch_size=section["batch_size"], **options)
        sources = expand_inputs(section["input"], what="Predict.input")
        stems = UniqueStems(self.output, protected=[s.input_path for s in sources if s.input_path
                                                    and not is_url(s.input_path)])
        entries = []
        for result in predictor.predict([s.value for s in sources], what="Predict.input"):
            result.print(format_json=False)
            written = result.save_all(self.output, stem=stems.take(result.basename))
            entries.append({"input_path": result["input_path"],
                            **{kind: path.name for kind, path in written.items()}})
        kinds = ", ".join(f"*_{k}.png" for k in entries[0] if k not in ("input_path", "json")) if entries else ""
        self.logger.info(f"Predicted {len(entries)} image(s); pictures ({kinds}) and *_res.json are in "
                         f"{self.output}/")
        return {"model_dir": str(section["model_dir"]), "output_dir": str(self.output),
                "num_inputs": len(entries), "results": entries}
