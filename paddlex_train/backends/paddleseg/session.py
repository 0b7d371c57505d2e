"""SegTrainSession: PaddleSeg's components driven by our loop (the TrainSession contract of tasks/base/trainer.py).

The step mirrors paddleseg.core.train exactly (forward, loss_computation, sum, backward, optimizer.step,
scheduler.step, clear_gradients), so losses match PaddleSeg's loop for the same seed and data
(tests/test_seg_train_parity.py), but it is callable one iteration at a time.
"""
import importlib
import time
from pathlib import Path

import paddle

from ...errors import ConfigError
from ...device import parse_device
from ...training import distributed
from ...training.checkpoint import atomic_file
from ...training.seed import seed_everything
from ...training.weights import resolve_weight_file
from ...utils.class_names import class_name_list
from . import export as seg_export
from .modeling import BatchStream, build, confusion_matrix, load_weights
from .metrics import summarise

_core_train = importlib.import_module("paddleseg.core.train")


class SegTrainSession:
    """One training run of a PaddleSeg model.

    Args:
        config: the validated Config (Global/Train/Export sections are read).
        output: output directory.
        log: callable(str) for log lines.
    """

    unit_name = "iter"
    score_name = "mIoU"

    def __init__(self, config, output, log):
        g, t = config["Global"], config["Train"]
        self.log, self.output, self.model_name = log, Path(output), g["model"]
        self.seed, self.num_classes, self.total = t["seed"], t["num_classes"], t["epochs_iters"]
        self.dataset_dir = g["dataset_dir"]
        paddle.set_device(_place(g["device"]))
        seed_everything(self.seed)
        keep = self.output / "paddleseg.yml" if distributed.rank() == 0 else None
        builder, _, extras = build(self.model_name, self.dataset_dir, self.num_classes, self.total,
                                   t["batch_size"], t["learning_rate"], t["warmup_steps"], t.get("input_shape"),
                                   keep_config=keep)
        self.model = builder.model
        self.losses = builder.loss
        self.optimizer = builder.optimizer
        self.train_dataset = builder.train_dataset
        self.val_dataset = builder.val_dataset
        self.val_transforms = builder.config.val_dataset_cfg["transforms"]
        self.export_shape = config.get("Export.input_shape") or extras.get("export", {}).get("input_shape")
        self.label_names = class_name_list(self.dataset_dir, self.num_classes)
        self.batch_size = t["batch_size"]
        self.start, self.best_score = 0, None
        if t.get("pretrain_weight_path") and not t.get("resume_path"):
            path = resolve_weight_file(t["pretrain_weight_path"], "Train.pretrain_weight_path")
            load_weights(self.model, path, log, "pretrained weights")
        if t.get("resume_path"):
            self._restore(t["resume_path"])
        self.net, self.opt = self.model, self.optimizer
        if distributed.world_size() > 1:
            fleet = paddle.distributed.fleet
            fleet.init(is_collective=True)
            self.opt = fleet.distributed_optimizer(self.optimizer)
            self.net = fleet.distributed_model(self.model)
        # the loader thread re-seeds the augmentations at every checkpoint iteration (and at a resume point)
        points = {u for u in range(self.start, self.total + 1) if u % t["eval_interval"] == 0 or u == self.start}
        self.stream = BatchStream(self.train_dataset, self.batch_size, self.start, self.seed,
                                  points - {0} if not self.start else points)
        if self.start:
            self.reseed(self.start)
        self.model.train()

    # --- the TrainSession contract -------------------------------------------------------------------------
    def run_unit(self, unit):
        """One iteration, in paddleseg.core.train's order."""
        t0 = time.perf_counter()
        data = self.stream.next()
        reader_cost = time.perf_counter() - t0
        logits_list = self.net(data["img"])
        if hasattr(self.model, "loss_computation"):
            loss_list = self.model.loss_computation(logits_list, self.losses, data)
        else:
            labels = data["label"].astype("int64")
            edges = data["edge"].astype("int64") if "edge" in data else None
            loss_list = _core_train.loss_computation(logits_list=logits_list, labels=labels, edges=edges,
                                                     losses=self.losses)
        loss = sum(loss_list)
        loss.backward()
        self.opt.step()
        lr = self.optimizer.get_lr()
        sched = self.optimizer._learning_rate
        if isinstance(sched, paddle.optimizer.lr.LRScheduler):
            sched.step(loss) if isinstance(sched, paddle.optimizer.lr.ReduceOnPlateau) else sched.step()
        self.model.clear_gradients()
        return {"loss": float(loss), "lr": lr, "reader_cost": reader_cost,
                "samples": self.batch_size * distributed.world_size()}

    def evaluate(self):
        cm = confusion_matrix(self.model, self.val_dataset, self.num_classes, self.val_dataset.ignore_index)
        summary = summarise(cm, self.label_names)
        return summary["metrics"]["mIoU"], summary["metrics"]

    def save_checkpoint(self, directory, unit, score, best):
        directory = Path(directory)
        files = {"pdparams": directory / "model.pdparams"}
        if not best:
            files["pdopt"] = directory / "model.pdopt"
        files["pdstates"] = directory / "model.pdstates"
        if self.best_score is None or score > self.best_score:
            self.best_score = score
        states = {"mIoU": score, "iter": unit, "best_mIoU": self.best_score, "model_name": self.model_name,
                  "num_classes": self.num_classes}
        objects = {"pdparams": self.model.state_dict(), "pdopt": self.optimizer.state_dict(), "pdstates": states}
        for role, path in files.items():
            with atomic_file(path) as tmp:
                paddle.save(objects[role], str(tmp))
        return dict(files)

    def export(self, directory):
        return seg_export.export(self.model, directory, self.val_transforms, self.model_name, self.num_classes,
                                 self.label_names, self.export_shape)

    def reseed(self, unit):
        paddle.seed(self.seed + unit)  # the model's randomness; the augmentations are re-seeded by BatchStream

    def close(self):
        self.stream.close()

    # --- resume -----------------------------------------------------------------------------------------------
    def _restore(self, resume_path):
        path = Path(resume_path)
        directory = path if path.is_dir() else path.parent
        params, opt, states = (directory / n for n in ("model.pdparams", "model.pdopt", "model.pdstates"))
        for f in (params, opt):
            if not f.is_file():
                raise ConfigError(f"Train.resume_path={resume_path}: {f.name} not found in {directory}.",
                                  hint="point at an iter_N directory (or its model.pdparams) of a previous run")
        info = paddle.load(str(states)) if states.is_file() else {}
        for key, mine in (("model_name", self.model_name), ("num_classes", self.num_classes)):
            if key in info and info[key] != mine:
                raise ConfigError(f"Train.resume_path={resume_path} is a checkpoint of {key}={info[key]}, "
                                  f"but this run has {key}={mine}.",
                                  hint="resume with the same Global.model and Train.num_classes, or use it as "
                                       "Train.pretrain_weight_path instead")
        report = load_weights(self.model, params, self.log, "checkpoint")
        if report["missing"] or report["mismatched"] or not report["matched"]:
            raise ConfigError(f"Train.resume_path={resume_path} does not fit {self.model_name} "
                              f"({len(report['missing'])} missing, {len(report['mismatched'])} mismatched tensors).",
                              hint="resume only from checkpoints of the same model and class count")
        self.optimizer.set_state_dict(paddle.load(str(opt)))
        unit = info.get("iter") or directory.name.rpartition("_")[2]
        if not str(unit).isdigit():
            raise ConfigError(f"Train.resume_path={resume_path}: cannot tell the iteration (no model.pdstates and "
                              f"the directory is not named iter_N).", hint="point at an iter_N directory")
        self.start = int(unit)
        self.best_score = info.get("best_mIoU")
        self.log(f"Resumed from {directory} at iter {self.start} (best mIoU so far: {self.best_score})")
        if self.start >= self.total:
            raise ConfigError(f"Train.resume_path={resume_path} is at iter {self.start}, but "
                              f"Train.epochs_iters={self.total}.", hint="raise Train.epochs_iters to train further")


def _place(device_text):
    """paddle.set_device argument of this process."""
    return distributed.local_place(parse_device(device_text))
