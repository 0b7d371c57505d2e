"""DetTrainSession: ppdet.engine.Trainer driven one epoch at a time (the TrainSession contract of
paddlex_train/tasks/base/trainer.py).

ppdet's Trainer.train() runs `range(start_epoch, cfg.epoch)`; setting both to one epoch lets the shared template
own the loop (evaluation cadence, checkpoints, best model, result files) while every step still runs through
ppdet's own loop and callbacks. ppdet's Checkpointer/LogPrinter/VisualDLWriter callbacks are replaced by
`StepCallback` (per-iteration progress with ETA, NaN guard, loss collection); metrics by InstCOCOMetric.
"""
import math
import os
import shutil
import time
from pathlib import Path

import paddle
from ppdet.engine import Trainer
from ppdet.engine.callbacks import Callback, ComposeCallback

from ...errors import TrainingDivergedError
from ...training.checkpoint import atomic_file, replace_dir
from ...training.progress import format_eta
from .metrics import InstCOCOMetric


class DetTrainer(Trainer):
    """ppdet Trainer whose evaluation metric is InstCOCOMetric (all keys, per-category AP, empty-safe)."""

    def _init_metrics(self, validate=False):
        if self.mode == "test" or (self.mode == "train" and not validate):
            self._metrics = []
            return
        dataset = self.cfg["EvalDataset"] if self.mode == "train" else self.dataset
        clsid2catid = {v: k for k, v in dataset.catid2clsid.items()} if getattr(dataset, "catid2clsid", None) \
            else None
        self._metrics = [InstCOCOMetric(anno_file=dataset.get_anno(), clsid2catid=clsid2catid,
                                        output_eval=self.cfg.get("output_eval"))]
        self.last_metrics = None

    def _reset_metrics(self):
        for m in getattr(self, "_metrics", []):
            if getattr(m, "metrics", None) is not None:
                self.last_metrics = m.metrics
            m.reset()


class StepCallback(Callback):
    """Per-iteration bookkeeping inside one ppdet epoch: losses, NaN guard, progress lines with ETA."""

    def __init__(self, trainer, total_epochs, log_interval, log):
        super().__init__(trainer)
        self.total_epochs = total_epochs
        self.log_interval = max(1, int(log_interval))
        self.log = log
        self.reset()

    def reset(self):
        """Clear the epoch's statistics."""
        self.losses, self.data_time, self.steps, self._window = [], 0.0, 0, []

    def on_step_end(self, status):
        if status.get("mode") != "train":
            return
        meters = status["training_staus"].meters or {}
        if "loss" not in meters:
            return  # ppdet records losses on rank 0 only; the other ranks just train
        loss = float(meters["loss"].value)
        epoch, step, n = status["epoch_id"] + 1, status["step_id"] + 1, status["steps_per_epoch"]
        if not math.isfinite(loss):
            raise TrainingDivergedError(f"Training diverged: the loss is {loss} at epoch {epoch}, iter {step}.",
                                        hint="lower Train.learning_rate or raise Train.warmup_steps; check the "
                                             "annotations (empty or degenerate polygons)")
        self.losses.append(loss)
        self.steps += 1
        self.data_time += status["data_time"].value
        self._window.append(status["batch_time"].value)
        if step % self.log_interval == 0 or step == n:
            cost = sum(self._window) / len(self._window)  # mean step time since the last line, as PaddleSeg logs
            self._window = []
            left = (n - step) + (self.total_epochs - epoch) * n
            parts = "".join(f", {k}: {float(v.value):.4f}" for k, v in meters.items() if k != "loss")
            self.log(f"[TRAIN] epoch: {epoch}/{self.total_epochs}, iter: {step}/{n}, loss: {loss:.4f}{parts}, "
                     f"lr: {status['learning_rate']:.6f}, batch_cost: {cost:.4f} s | ETA {format_eta(cost * left)}")


class DetTrainSession:
    """Trains a ppdet model epoch by epoch for the shared BaseTrainer template.

    Args:
        cfg: ppdet config from config.build_config.
        model_name: Global.model (written into exported inference.yml).
        pretrain_weights: local weight file or None.
        resume_path: checkpoint directory or .pdparams to resume from, or None.
        seed: Train.seed.
        log: callable(str) for progress lines.
        exporter: callable(cfg, state_dict, directory, model_name) -> {role: path}.
    """

    unit_name = "epoch"
    score_name = "mask_AP"

    def __init__(self, cfg, model_name, pretrain_weights, resume_path, seed, log, exporter):
        self.cfg, self.model_name, self.seed, self.log, self.exporter = cfg, model_name, seed, log, exporter
        if paddle.distributed.get_world_size() > 1:
            paddle.distributed.init_parallel_env()
        self.trainer = DetTrainer(cfg, mode="train")
        if pretrain_weights:
            self.trainer.load_weights(str(pretrain_weights))
        self.callback = StepCallback(self.trainer, int(cfg.epoch), cfg.log_iter, log)
        self.trainer._callbacks = [self.callback]
        self.trainer._compose_callback = ComposeCallback(self.trainer._callbacks)
        self.total = int(cfg.epoch)
        self.start, self.best_score = 0, None
        self._eval_loader = None
        self._exported = None  # (unit, directory) of the last export, copied instead of re-exported
        if resume_path:
            self._resume(resume_path)

    # --- TrainSession contract -------------------------------------------------------------------------
    def run_unit(self, unit):
        """Train epoch `unit` (1-based) through ppdet's loop; returns loss/lr/timing for the template."""
        t = self.trainer
        t.start_epoch, t.cfg.epoch, t.end_epoch = unit - 1, unit, self.total
        self.callback.reset()
        t.train(validate=False)
        cb = self.callback
        return {"loss": sum(cb.losses) / max(1, len(cb.losses)), "lr": float(t.optimizer.get_lr()),
                "reader_cost": cb.data_time, "samples": cb.steps * int(self.cfg.TrainReader["batch_size"])}

    def evaluate(self):
        """COCO evaluation on the val split; returns (mask AP, metrics dict)."""
        t = self.trainer
        if self._eval_loader is None:
            from ppdet.core.workspace import create

            t.cfg["EvalDataset"] = t.cfg.EvalDataset = create("EvalDataset")()
            sampler = paddle.io.BatchSampler(t.cfg.EvalDataset, batch_size=t.cfg.EvalReader["batch_size"])
            self._eval_loader = create("EvalReader")(t.cfg.EvalDataset, t.cfg.worker_num, batch_sampler=sampler)
            t._init_metrics(validate=True)
            t._reset_metrics()
        t.status["mode"] = "eval"
        with paddle.no_grad():
            t._eval_with_loader(self._eval_loader)
        metrics = t.last_metrics
        return metrics["AP"], metrics

    def save_checkpoint(self, directory, unit, score, best):
        """Write model.pdparams/.pdopt/.pdstates (best: best_model.pdparams + a model.pdparams copy)."""
        directory = Path(directory)
        model = self.trainer.model
        files = {}
        with atomic_file(directory / "model.pdparams") as tmp:
            paddle.save(model.state_dict(), str(tmp))
        files["pdparams"] = directory / "model.pdparams"
        if best:
            shutil.copyfile(directory / "model.pdparams", directory / ".best.tmp")
            os.replace(directory / ".best.tmp", directory / "best_model.pdparams")
            files["pdparams"] = directory / "best_model.pdparams"
        else:
            opt = dict(self.trainer.optimizer.state_dict())
            opt["last_epoch"] = unit
            with atomic_file(directory / "model.pdopt") as tmp:
                paddle.save(opt, str(tmp))
            files["pdopt"] = directory / "model.pdopt"
        with atomic_file(directory / "model.pdstates") as tmp:
            paddle.save({"metric": float(score), "epoch": int(unit)}, str(tmp))
        files["pdstates"] = directory / "model.pdstates"
        return files

    def export(self, directory):
        """Export the current weights as a static inference model into `directory`."""
        directory = Path(directory)
        unit = self.trainer.status.get("epoch_id")
        if self._exported and self._exported[0] == unit and self._exported[1].is_dir():
            tmp = directory.with_name(f".{directory.name}.copy{os.getpid()}")
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.copytree(self._exported[1], tmp)
            replace_dir(tmp, directory)
        else:
            self.exporter(self.cfg, self.trainer.model.state_dict(), directory, self.model_name)
        self._exported = (unit, directory)
        return {"inference_config": directory / "inference.yml", "pdmodel": directory / "inference.pdmodel",
                "pdiparams": directory / "inference.pdiparams"}

    def reseed(self, unit):
        """Re-seed at a save point so a resumed run draws the same random stream as an uninterrupted one."""
        from ...training.seed import seed_everything

        seed_everything(int(self.seed) + int(unit))

    def close(self):
        """Nothing to release (the loaders use worker_num=0 by default)."""

    # --- resume -----------------------------------------------------------------------------------------
    def _resume(self, resume_path):
        from ...errors import ConfigError

        path = Path(resume_path)
        directory = path if path.is_dir() else path.parent
        params, opt = directory / "model.pdparams", directory / "model.pdopt"
        if not params.is_file() or not opt.is_file():
            raise ConfigError(f"Train.resume_path={resume_path}: {params.name} and {opt.name} are both needed.",
                              hint="point it at an epoch checkpoint directory such as output/3 (best_model/ "
                                   "has no optimizer state)")
        self.trainer.model.set_state_dict(paddle.load(str(params)))
        state = paddle.load(str(opt))
        self.start = int(state.pop("last_epoch", 0))
        self.trainer.optimizer.set_state_dict(state)
        best = directory.parent / "best_model" / "model.pdstates"
        if best.is_file():
            self.best_score = float(paddle.load(str(best)).get("metric", 0.0))
        self.log(f"Resumed from {directory} at epoch {self.start} ({time.strftime('%H:%M:%S')}).")
