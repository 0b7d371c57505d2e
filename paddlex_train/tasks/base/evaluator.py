"""BaseEvaluator and the shared part of evaluate/export: find the weights, check what they are, hand them over.

`WeightsModeRunner.weights_job()` resolves `<section>.weight_path` (default `<Global.output>/<default_weight>`),
reads the weights' identity (tasks/base/checkpoint.py: model.pdstates, else the run's config.yaml, else the
current config), refuses weights of another task, loads the state dict and gives the backend a WeightsJob whose
`accept` is the template's fit check. The backend's EvaluateOutput/ExportOutput becomes the result payload in
tasks/base/payload.py, the same keys for every task.
"""
from ...backends.base import WeightsJob, backend_for
from ...errors import ConfigError
from ...training.checkpoint import load_object
from .checkpoint import Identity, check_fit, check_task, read_identity
from .context import weight_file
from .payload import evaluate_payload
from .runner import ModeRunner

FIT_HINT = "set Global.model and Train.num_classes to those of the trained model, or give its own weights"


class WeightsModeRunner(ModeRunner):
    """Base of the modes that act on trained weights (evaluate, export)."""

    needs_paddle = True
    section = None
    default_weight = "best_model/model.pdparams"

    def check_before_load(self, identity):
        """Hook: checks a task makes with the weights' identity before paddle loads them (default: none)."""

    def weights_job(self, options=None):
        """(Identity, WeightsJob) for `<section>.weight_path` (see the module docstring)."""
        key = f"{self.section}.weight_path"
        weight = weight_file(self.config, self.section, self.default_weight, self.output)
        train = self.config["Train"]
        mine = Identity(self.config.model, int(train["num_classes"]), self.task.name, None, train.get("input_shape"))
        identity = read_identity(weight, mine)
        check_task(identity, self.task.name, key, weight)
        if identity.model_name != mine.model_name:
            self.logger.info(f"{weight} was trained as {identity.model_name} (per {identity.source}); using "
                             f"{identity.model_name}, not Global.model={mine.model_name}.")
        self.check_before_load(identity)
        state = load_object(weight)
        if not isinstance(state, dict):
            raise ConfigError(f"{key}={weight} is not a PaddlePaddle state dict (.pdparams).",
                              hint="give the model.pdparams of a training run")

        def accept(report):
            check_fit(report, key, weight, identity, FIT_HINT)

        job = WeightsJob(state, weight, identity.model_name, identity.num_classes, identity.input_shape,
                         self.config["Global"]["dataset_dir"], self.ctx, accept, self.logger.info, options or {})
        return identity, job


class BaseEvaluator(WeightsModeRunner):
    """Template of the evaluate mode: evaluate_result.json from the backend's EvaluateOutput."""

    mode = "evaluate"
    section = "Evaluate"

    def execute(self):
        from ...inference.tiling import describe, parse_slide_window, parse_tta

        section = self.config["Evaluate"]
        # issue 19: semantic only (the task-option check refuses them for other tasks with one line)
        self.task.check_predict_options({k: section.get(k) for k in ("slide_window", "tta")}, where="Evaluate.")
        window = parse_slide_window(section.get("slide_window"), "Evaluate.slide_window")
        tta = parse_tta(section.get("tta"), "Evaluate.tta")
        options = {"log_interval": section["log_interval"], "slide_window": window, "tta": tta}
        identity, job = self.weights_job(options)
        self.logger.info(f"Evaluating {identity.model_name} weights {job.weight_path} on "
                         f"{self.config['Global']['dataset_dir']}")
        payload = evaluate_payload(identity, job.weight_path, backend_for(self.task.name).evaluate(job))
        return {**payload, **describe(window, tta)}  # what was used, so numbers stay comparable
