"""Entry points the instance-segmentation mode runners call: train session, evaluate, export.

They translate the module config (Global/Train/Evaluate/Export sections) into ppdet terms (config.DetSettings)
and check the data set first, so a wrong path or class count is a one-line DatasetError/ConfigError instead of a
ppdet assertion deep in its loader.
"""
from pathlib import Path

import paddle

from ...device import parse_device
from ...errors import ConfigError, DatasetError
from ...training import distributed
from ...training.seed import seed_everything
from ...training.weights import resolve_weight_file
from ...utils.fs import require_dataset_dir
from .config import DetSettings, build_config, check_num_classes, dataset_categories, target_size_from


def check_dataset_dir(dataset_dir, splits=("train", "val")):
    """Raise unless `dataset_dir` has images/ and annotations/instance_<split>.json; returns its Path."""
    required = [f"annotations/instance_{split}.json" for split in splits] + ["images"]
    return require_dataset_dir(dataset_dir, required,
                               hint="a COCOInstSegDataset needs images/, annotations/instance_train.json and "
                                    "instance_val.json (run check_dataset, with convert/split if needed)")


def make_session(config, output, log):
    """Build the DetTrainSession for `config` (Train section) writing into `output`."""
    from .export import export_inference
    from .session import DetTrainSession

    g, t = config["Global"], config["Train"]
    device = parse_device(g["device"])
    paddle.set_device(distributed.local_place(device))
    seed_everything(int(t["seed"]))
    root = check_dataset_dir(g["dataset_dir"])
    check_num_classes(root, int(t["num_classes"]))
    pretrained = None
    if t.get("pretrain_weight_path") and not t.get("resume_path"):
        pretrained = resolve_weight_file(t["pretrain_weight_path"], "Train.pretrain_weight_path")
    settings = DetSettings(epochs=int(t["epochs_iters"]), batch_size=int(t["batch_size"]),
                           learning_rate=float(t["learning_rate"]), warmup_steps=int(t["warmup_steps"]),
                           log_interval=int(t["log_interval"]), eval_interval=int(t["eval_interval"]),
                           num_classes=int(t["num_classes"]), pretrain_weights=str(pretrained) if pretrained else None,
                           device_type=device.type, target_size=target_size_from(t), save_dir=str(output))
    cfg = build_config(g["model"], root, settings)
    cfg["output_eval"] = str(Path(output) / "eval")
    return DetTrainSession(cfg, g["model"], pretrained, t.get("resume_path"), int(t["seed"]), log, export_inference)


def _eval_config(model, dataset_dir, num_classes, input_shape, device, output, splits=("val",)):
    root = check_dataset_dir(dataset_dir, splits)
    paddle.set_device(distributed.local_place(device))
    settings = DetSettings(num_classes=int(num_classes), device_type=device.type,
                           target_size=target_size_from({"input_shape": input_shape}), save_dir=str(output))
    return build_config(model, root, settings), root


def evaluate_weights(weight, run, config, output, log):
    """COCO bbox + segm evaluation of `weight` on the val split; returns the evaluate_result payload."""
    from .session import DetTrainer

    device = parse_device(config["Global"]["device"])
    cfg, root = _eval_config(run.model, config["Global"]["dataset_dir"], run.num_classes, run.input_shape,
                             device, output)
    names = dataset_categories(root)
    if len(names) != run.num_classes:
        raise ConfigError(f"{weight} was trained with {run.num_classes} classes, but {root} has {len(names)} "
                          "categories.", hint="evaluate on the data set the model was trained on")
    cfg["output_eval"] = str(Path(output) / "eval")
    Path(cfg["output_eval"]).mkdir(parents=True, exist_ok=True)
    cfg["log_iter"] = int(config["Evaluate"]["log_interval"])
    trainer = DetTrainer(cfg, mode="eval")
    trainer.model.set_state_dict(paddle.load(str(weight)))
    trainer.evaluate()
    metrics = trainer.last_metrics
    log(f"[EVAL] mask AP {metrics['AP']:.4f}, bbox AP {metrics['bbox_AP']:.4f} on {len(trainer.dataset)} images")
    return {"metrics": metrics, "weight_path": str(weight), "model": run.model}


def export_weights(weight, run, config, out_dir, log):
    """Export `weight` to `out_dir` (inference.pdmodel/.pdiparams/.yml); returns the export_result payload."""
    from .export import export_inference

    device = parse_device(config["Global"]["device"])
    shape = config["Export"].get("input_shape") or run.input_shape
    dataset_dir = config["Global"]["dataset_dir"]
    labels = None
    try:
        cfg, root = _eval_config(run.model, dataset_dir, run.num_classes, shape, device, out_dir, ("val",))
        labels = dataset_categories(root)
    except (DatasetError, ConfigError):
        # No data set at hand: take the label list exported beside the weights during training.
        labels = _labels_beside(weight)
        settings = DetSettings(num_classes=int(run.num_classes), device_type=device.type,
                               target_size=target_size_from({"input_shape": shape}), save_dir=str(out_dir))
        cfg = build_config(run.model, Path(weight).parent, settings)
    files = export_inference(cfg, weight, Path(out_dir), run.model, labels)
    log(f"Exported {run.model} to {out_dir}")
    return {"model": run.model, "weight_path": str(weight),
            **{k: str(Path(v).name) for k, v in files.items()}, "output_dir": str(out_dir)}


def _labels_beside(weight):
    import yaml

    yml = Path(weight).parent / "inference" / "inference.yml"
    if yml.is_file():
        data = yaml.safe_load(yml.read_text(encoding="utf-8")) or {}
        if data.get("label_list"):
            return [str(x) for x in data["label_list"]]
    return None
