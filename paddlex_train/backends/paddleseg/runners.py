"""PaddleSeg side of the evaluate and export modes: load a weight file into its architecture, then act."""
from pathlib import Path

import paddle

from ...errors import DatasetError
from ...training.confusion import write_confusion
from ...utils.class_names import class_name_list
from . import export as seg_export
from .metrics import summarise
from .modeling import build, confusion_matrix, load_weights


def _identity(weight, model_name, num_classes):
    """(model_name, num_classes) from the weight's model.pdstates when present (it knows best), else the given."""
    states = Path(weight).with_name("model.pdstates")
    if states.is_file():
        info = paddle.load(str(states))
        return info.get("model_name", model_name), int(info.get("num_classes", num_classes))
    return model_name, num_classes


def load_model(weight, model_name, num_classes, dataset_dir, input_shape, log):
    """Build the architecture and load `weight` into it; returns (model, builder, extras, model_name, num_classes)."""
    model_name, num_classes = _identity(weight, model_name, num_classes)
    builder, _, extras = build(model_name, dataset_dir or ".", num_classes, input_shape=input_shape)
    model = builder.model
    report = load_weights(model, weight, log)
    if not report["matched"] or report["mismatched"]:
        from ...errors import ConfigError

        raise ConfigError(f"{weight} does not fit {model_name} with {num_classes} classes "
                          f"({len(report['mismatched'])} tensors of another shape, {len(report['matched'])} matched).",
                          hint="set Global.model and Train.num_classes to those of the trained model")
    model.eval()
    return model, builder, extras, model_name, num_classes


def evaluate_weights(weight, model_name, num_classes, dataset_dir, input_shape, output, log, log_interval=0):
    """Evaluate on the val split of `dataset_dir`; writes the confusion matrix files and returns the payload."""
    if not dataset_dir or not (Path(dataset_dir) / "val.txt").is_file():
        raise DatasetError(f"Global.dataset_dir={dataset_dir} has no val.txt.", hint="run check_dataset first")
    model, builder, _, model_name, num_classes = load_model(weight, model_name, num_classes, dataset_dir,
                                                            input_shape, log)
    dataset = builder.val_dataset
    cm = confusion_matrix(model, dataset, num_classes, dataset.ignore_index, log, log_interval)
    names = class_name_list(dataset_dir, num_classes) or [str(i) for i in range(num_classes)]
    summary = summarise(cm, names)
    files = write_confusion(cm, names, output)
    m = summary["metrics"]
    log(f"[EVAL] Images: {len(dataset)} mIoU: {m['mIoU']:.4f} Acc: {m['Acc']:.4f} Kappa: {m['Kappa']:.4f} "
        f"Dice: {m['Dice']:.4f}")
    if summary["absent_classes"]:
        log(f"[EVAL] Classes without ground-truth pixels (left out of the means): {summary['absent_classes']}")
    return {**summary, "num_images": len(dataset), "model_name": model_name, "weight_path": str(weight),
            "confusion_matrix": {k: Path(v).name for k, v in files.items()}}


def export_weights(weight, model_name, num_classes, dataset_dir, input_shape, export_shape, out_dir, log):
    """Export `weight` to `out_dir`; returns the payload (file names relative to out_dir)."""
    model, builder, extras, model_name, num_classes = load_model(weight, model_name, num_classes, dataset_dir,
                                                                 input_shape, log)
    shape = export_shape or extras.get("export", {}).get("input_shape")
    names = class_name_list(dataset_dir, num_classes) if dataset_dir else None
    files = seg_export.export(model, out_dir, builder.config.val_dataset_cfg["transforms"], model_name,
                              num_classes, names, shape)
    log(f"Exported {model_name} to {out_dir} (input shape {shape or 'dynamic'})")
    return {"model_name": model_name, "export_dir": str(out_dir), "input_shape": shape,
            **{role: Path(p).name for role, p in files.items()}}
