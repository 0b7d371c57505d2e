"""The PaddleSeg backend (`BACKEND`, a backends.base.Backend): train session, evaluate and export of weights."""
from pathlib import Path

import paddle

from ...errors import DatasetError
from ...training.confusion import write_confusion
from ...utils.class_names import class_name_list
from ..base import EvaluateOutput, ExportOutput, available_models
from . import export as seg_export
from .metrics import summarise
from .modeling import build, confusion_matrix, load_weights


def load_model(job):
    """Build the job's architecture and load its state dict (the template's fit check accepts the result first).

    Returns:
        (model in eval mode, SegBuilder, arch extras).
    """
    builder, _, extras = build(job.model_name, job.dataset_dir or ".", job.num_classes, input_shape=job.input_shape)
    model = builder.model
    job.accept(load_weights(model, job.state, job.log))
    model.eval()
    return model, builder, extras


class PaddleSegBackend:
    """PaddleSeg 2.8 behind the task templates (see backends/base.Backend)."""

    name = "paddleseg"

    def available_models(self):
        return available_models("semantic_segmentation")

    def make_session(self, config, ctx, log):
        from .session import SegTrainSession

        return SegTrainSession(config, ctx, log)

    def evaluate(self, job):
        """Evaluate on the val split of job.dataset_dir; writes the confusion matrix files into the output."""
        dataset_dir = job.dataset_dir
        if not dataset_dir or not (Path(dataset_dir) / "val.txt").is_file():
            raise DatasetError(f"Global.dataset_dir={dataset_dir} has no val.txt.", hint="run check_dataset first")
        paddle.set_device(_place(job.ctx))
        model, builder, _ = load_model(job)
        dataset = builder.val_dataset
        window, tta = job.options.get("slide_window"), job.options.get("tta")
        if window or tta:  # issue 19: sliding windows / TTA (slide_eval.py, the predictor's tiling core)
            from .slide_eval import tiled_confusion_matrix

            job.log(f"[EVAL] slide_window={window.as_dict() if window else None} "
                    f"tta={tta.as_dict() if tta else None}")
            cm = tiled_confusion_matrix(model, dataset, job.num_classes, window, tta, dataset.ignore_index,
                                        job.log, job.options.get("log_interval", 0))
        else:
            cm = confusion_matrix(model, dataset, job.num_classes, dataset.ignore_index, job.log,
                                  job.options.get("log_interval", 0))
        names = class_name_list(dataset_dir, job.num_classes) or [str(i) for i in range(job.num_classes)]
        summary = summarise(cm, names)
        files = write_confusion(cm, names, job.ctx.output)
        m = summary["metrics"]
        job.log(f"[EVAL] Images: {len(dataset)} mIoU: {m['mIoU']:.4f} Acc: {m['Acc']:.4f} Kappa: {m['Kappa']:.4f} "
                f"Dice: {m['Dice']:.4f}")
        if summary["absent_classes"]:
            job.log(f"[EVAL] Classes without ground-truth pixels (left out of the means): {summary['absent_classes']}")
        return EvaluateOutput(m, len(dataset), summary["class_metrics"], summary["absent_classes"],
                              {k: Path(v).name for k, v in files.items()})

    def export(self, job, directory):
        """Export the job's weights into `directory` (Export.input_shape, else the arch's fixed shape, else dynamic)."""
        paddle.set_device(_place(job.ctx))
        model, builder, extras = load_model(job)
        shape = job.options.get("input_shape") or extras.get("export", {}).get("input_shape")
        names = class_name_list(job.dataset_dir, job.num_classes) if job.dataset_dir else None
        files = seg_export.export(model, directory, builder.config.val_dataset_cfg["transforms"], job.model_name,
                                  job.num_classes, names, shape)
        return ExportOutput(Path(directory), files, shape)


def _place(ctx):
    from ...training.distributed import local_place

    return local_place(ctx.device)


BACKEND = PaddleSegBackend()
