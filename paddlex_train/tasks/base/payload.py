"""The one builder of the evaluate/export result payloads, so both tasks write the same keys.

results.write_success adds `done_flag` and writes `<mode>_result.json`. PaddleX's keys are kept where PaddleX has
them (`metrics` with its metric names; `model_name` as in train_result.json and inference.yml).

evaluate_result.json: model_name, weight_path, metrics, num_images, class_metrics, absent_classes, confusion_matrix
export_result.json:   model_name, weight_path, export_dir, input_shape, pdmodel, pdiparams, inference_config
"""
from pathlib import Path


def evaluate_payload(identity, weight, output):
    """Payload of evaluate_result.json from an Identity, the weight file and a backends.base.EvaluateOutput."""
    return {"model_name": identity.model_name, "weight_path": str(weight), "metrics": dict(output.metrics),
            "num_images": output.num_images, "class_metrics": dict(output.class_metrics),
            "absent_classes": list(output.absent_classes), "confusion_matrix": output.confusion_matrix}


def export_payload(identity, weight, output):
    """Payload of export_result.json from an Identity, the weight file and a backends.base.ExportOutput.

    File roles are given as names relative to export_dir.
    """
    files = {role: Path(path).name for role, path in output.files.items()}
    return {"model_name": identity.model_name, "weight_path": str(weight), "export_dir": str(output.directory),
            "input_shape": output.input_shape, **{k: files.get(k) for k in ("pdmodel", "pdiparams",
                                                                              "inference_config")}}
