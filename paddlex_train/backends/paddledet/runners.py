"""The ppdet backend (`BACKEND`, a backends.base.Backend): train session, evaluate and export of weights.

They translate the module config (Global/Train sections) into ppdet terms (config.DetSettings) and check the data
set first, so a wrong path or class count is a one-line DatasetError/ConfigError instead of a ppdet assertion deep
in its loader.
"""
from pathlib import Path

import paddle

from ...errors import ConfigError, DatasetError
from ...training import distributed
from ...training.seed import seed_everything
from ...training.weights import resolve_weight_file
from ...utils.fs import require_dataset_dir
from ..base import EvaluateOutput, ExportOutput, as_context, available_models
from .config import DetSettings, build_config, check_num_classes, dataset_categories, target_size_from
from .user_config import apply_train_keys


def check_dataset_dir(dataset_dir, splits=("train", "val")):
    """Raise unless `dataset_dir` has images/ and annotations/instance_<split>.json; returns its Path."""
    required = [f"annotations/instance_{split}.json" for split in splits] + ["images"]
    return require_dataset_dir(dataset_dir, required,
                               hint="a COCOInstSegDataset needs images/, annotations/instance_train.json and "
                                    "instance_val.json (run check_dataset, with convert/split if needed)")


def make_session(config, ctx, log):
    """Build the DetTrainSession for `config` (Train section) in RunContext `ctx` (or an output directory)."""
    from .export import export_inference
    from .session import DetTrainSession

    ctx = as_context(ctx, config)
    g, t = config["Global"], config["Train"]
    paddle.set_device(distributed.local_place(ctx.device))
    seed_everything(int(t["seed"]))
    root = check_dataset_dir(g["dataset_dir"])
    check_num_classes(root, int(t["num_classes"]))
    pretrained = None
    if t.get("pretrain_weight_path") and not t.get("resume_path"):
        pretrained = resolve_weight_file(t["pretrain_weight_path"], "Train.pretrain_weight_path", model=g["model"])
    settings = DetSettings(epochs=int(t["epochs_iters"]), batch_size=int(t["batch_size"]),
                           learning_rate=float(t["learning_rate"]), warmup_steps=int(t["warmup_steps"]),
                           log_interval=int(t["log_interval"]), eval_interval=int(t["eval_interval"]),
                           num_classes=int(t["num_classes"]), pretrain_weights=str(pretrained) if pretrained else None,
                           device_type=ctx.device.type, target_size=target_size_from(t), save_dir=str(ctx.output),
                           arch_file=t.get("basic_config_path"))
    cfg = build_config(g["model"], root, settings)
    cfg["output_eval"] = str(Path(ctx.output) / "eval")
    apply_train_keys(cfg, t)  # Train.amp through ppdet's own AMP (user_config.py)
    return DetTrainSession(cfg, g["model"], pretrained, int(t["seed"]), log, export_inference)


def _job_config(job, input_shape, save_dir, splits=("val",)):
    """(ppdet config, data set root) for the job's model on its data set."""
    root = check_dataset_dir(job.dataset_dir, splits)
    paddle.set_device(distributed.local_place(job.ctx.device))
    settings = DetSettings(num_classes=int(job.num_classes), device_type=job.ctx.device.type,
                           target_size=target_size_from({"input_shape": input_shape}), save_dir=str(save_dir))
    return build_config(job.model_name, root, settings), root


def _accepted_model(cfg, job):
    """The model of `cfg` with the job's weights, after the template's fit check accepted them."""
    from ppdet.core.workspace import create

    from .dygraph import load_state

    model = create(cfg.architecture)
    job.accept(load_state(model, job.state))
    return model


class PaddleDetBackend:
    """PaddleDetection 2.6 (ppdet) behind the task templates (see backends/base.Backend)."""

    name = "paddledet"

    def available_models(self):
        return available_models("instance_segmentation")

    def make_session(self, config, ctx, log):
        return make_session(config, ctx, log)

    def evaluate(self, job):
        """COCO bbox + segm evaluation of the job's weights on the val split."""
        from .dygraph import load_state
        from .session import DetTrainer

        output = Path(job.ctx.output)
        cfg, root = _job_config(job, job.input_shape, output)
        names = dataset_categories(root)
        if len(names) != job.num_classes:
            raise ConfigError(f"{job.weight_path} was trained with {job.num_classes} classes, but {root} has "
                              f"{len(names)} categories.", hint="evaluate on the data set the model was trained on")
        cfg["output_eval"] = str(output / "eval")
        Path(cfg["output_eval"]).mkdir(parents=True, exist_ok=True)
        cfg["log_iter"] = int(job.options.get("log_interval", 10))
        trainer = DetTrainer(cfg, mode="eval")
        job.accept(load_state(trainer.model, job.state))
        trainer.evaluate()
        metrics = trainer.last_metrics
        job.log(f"[EVAL] mask AP {metrics['AP']:.4f}, bbox AP {metrics['bbox_AP']:.4f} on "
                f"{len(trainer.dataset)} images")
        per_class = {name: {"AP": ap} for name, ap in metrics.get("per_category_AP", {}).items()}
        return EvaluateOutput(metrics, len(trainer.dataset), per_class)

    def export(self, job, directory):
        """Export the job's weights into `directory` (inference.pdmodel/.pdiparams/.yml)."""
        from .export import export_inference

        shape = job.options.get("input_shape") or job.input_shape
        try:
            cfg, root = _job_config(job, shape, directory)
            labels = dataset_categories(root)
        except (DatasetError, ConfigError):
            # No data set at hand: take the label list exported beside the weights during training.
            labels = _labels_beside(job.weight_path)
            paddle.set_device(distributed.local_place(job.ctx.device))
            settings = DetSettings(num_classes=int(job.num_classes), device_type=job.ctx.device.type,
                                   target_size=target_size_from({"input_shape": shape}), save_dir=str(directory))
            cfg = build_config(job.model_name, Path(job.weight_path).parent, settings)
        _accepted_model(cfg, job)
        files = export_inference(cfg, job.state, Path(directory), job.model_name, labels)
        if not shape and cfg.get("eval_size"):  # DETR/YOLOE-style models export at their fixed evaluation size
            shape = [1, 3, *cfg["eval_size"]]
        return ExportOutput(Path(directory), files, shape)


def _labels_beside(weight):
    import yaml

    yml = Path(weight).parent / "inference" / "inference.yml"
    if yml.is_file():
        data = yaml.safe_load(yml.read_text(encoding="utf-8")) or {}
        if data.get("label_list"):
            return [str(x) for x in data["label_list"]]
    return None


BACKEND = PaddleDetBackend()
