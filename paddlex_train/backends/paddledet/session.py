"""DetTrainSession: ppdet.engine.Trainer driven one epoch at a time (the TrainSession contract of backends/base.py).

ppdet's Trainer.train() runs `range(start_epoch, cfg.epoch)`; setting both to one epoch lets the shared template
own the loop (evaluation cadence, checkpoints, best model, result files) while every step still runs through
ppdet's own loop and callbacks. ppdet's Checkpointer/LogPrinter/VisualDLWriter callbacks are replaced by
`StepCallback`, which hands every iteration to the template's step sink (training.progress.StepLogger: NaN guard,
progress lines with ETA, results.csv rows); metrics come from InstCOCOMetric.
"""
import os
import shutil
from pathlib import Path

import paddle
from ppdet.engine import Trainer
from ppdet.engine.callbacks import Callback, ComposeCallback

from ...training.amp import divergence_hint as amp_divergence_hint
from ...training.checkpoint import replace_dir
from ...training.progress import Step, StepLogger
from ...training.weights import load_pretrained
from .dygraph import load_state
from .metrics import InstCOCOMetric

DIVERGENCE_HINT = ("lower Train.learning_rate or raise Train.warmup_steps; check the annotations (empty or "
                   "degenerate polygons)")


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
    """Hands each training iteration of a ppdet epoch to a step sink (see training.progress) and keeps the
    epoch's losses and timings for run_unit's summary."""

    def __init__(self, trainer, batch_size):
        super().__init__(trainer)
        self.batch_size = int(batch_size)
        self.sink = None
        self.reset()

    def reset(self):
        """Clear the epoch's statistics."""
        self.losses, self.data_time, self.steps = [], 0.0, 0

    def on_step_end(self, status):
        if status.get("mode") != "train":
            return
        meters = status["training_staus"].meters or {}
        if "loss" not in meters:
            return  # ppdet records losses on rank 0 only; the other ranks just train
        loss = float(meters["loss"].value)
        self.losses.append(loss)
        self.steps += 1
        self.data_time += status["data_time"].value
        self.sink(Step(status["epoch_id"] + 1, loss, float(status["learning_rate"]), step=status["step_id"] + 1,
                       steps=status["steps_per_epoch"], reader_cost=status["data_time"].value,
                       batch_cost=status["batch_time"].value, samples=self.batch_size,
                       parts={k: float(v.value) for k, v in meters.items() if k != "loss"}))


class DetTrainSession:
    """Trains a ppdet model epoch by epoch for the shared BaseTrainer template.

    Args:
        cfg: ppdet config from config.build_config.
        model_name: Global.model (written into exported inference.yml).
        pretrain_weights: local weight file or None.
        seed: Train.seed.
        log: callable(str) for progress lines when run_unit is called without a step sink.
        exporter: callable(cfg, state_dict, directory, model_name) -> {role: path}.
    """

    unit_name = "epoch"
    score_name = "mask_AP"
    divergence_hint = DIVERGENCE_HINT

    def __init__(self, cfg, model_name, pretrain_weights, seed, log, exporter):
        self.cfg, self.model_name, self.seed, self.log, self.exporter = cfg, model_name, seed, log, exporter
        if paddle.distributed.get_world_size() > 1:
            paddle.distributed.init_parallel_env()
        self.trainer = DetTrainer(cfg, mode="train")
        if pretrain_weights:  # PaddleX's instance files are whole COCO models: heads of another class count skip
            load_pretrained(self.trainer.model, paddle.load(str(pretrain_weights)), pretrain_weights, log, model_name)
        self.callback = StepCallback(self.trainer, cfg.TrainReader["batch_size"])
        self.trainer._callbacks = [self.callback]
        self.trainer._compose_callback = ComposeCallback(self.trainer._callbacks)
        self.total = int(cfg.epoch)
        if cfg.get("amp"):  # Train.amp through ppdet's AMP: a NaN loss names mixed precision as the likely cause
            self.divergence_hint = amp_divergence_hint(cfg.get("amp_level", "O1"))
        # used when run_unit is given no sink (a session driven by hand): the same guard and lines as the template
        self._own_steps = StepLogger(self.total, self.unit_name, log, cfg.log_iter, self.divergence_hint)
        self._eval_loader = None
        self._exported = None  # (unit, directory) of the last export, copied instead of re-exported

    # --- TrainSession contract -------------------------------------------------------------------------
    def run_unit(self, unit, on_step=None):
        """Train epoch `unit` (1-based) through ppdet's loop, handing every iteration to `on_step`; returns the
        epoch's mean loss, last lr, data time and samples."""
        t = self.trainer
        t.start_epoch, t.cfg.epoch, t.end_epoch = unit - 1, unit, self.total
        self.callback.reset()
        self.callback.sink = on_step or self._own_steps
        t.train(validate=False)
        cb = self.callback
        return {"loss": sum(cb.losses) / max(1, len(cb.losses)), "lr": float(t.optimizer.get_lr()),
                "reader_cost": cb.data_time, "samples": cb.steps * cb.batch_size}

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
        raw = self._swap_in_ema()
        try:
            with paddle.no_grad():
                t._eval_with_loader(self._eval_loader)
        finally:
            if raw is not None:
                t.model.set_dict(raw)
        metrics = t.last_metrics
        return metrics["AP"], metrics

    def state_dicts(self, unit, best):
        """The model's state (and the optimizer's, for a periodic checkpoint) to save."""
        ema = self._ema_weights()
        states = {"pdparams": ema or self.trainer.model.state_dict()}
        if ema is not None:  # PaddleX/ppdet layout: .pdparams = EMA weights, .pdema = the raw training weights
            states["pdema"] = self.trainer.model.state_dict()
        if not best:
            opt = dict(self.trainer.optimizer.state_dict())
            opt["last_epoch"] = int(unit)  # ppdet's own checkpoint loader expects it in the .pdopt
            states["pdopt"] = opt
        return states

    def resume(self, model_state, optimizer_state, unit):
        """Continue after epoch `unit` of a checkpoint; returns the compare_keys report of the weights."""
        report = load_state(self.trainer.model, model_state)
        if getattr(self.trainer, "use_ema", False):
            # model.pdparams holds the EMA weights: the average restarts from them (the raw .pdema is not reread)
            self.trainer.ema.resume(self.trainer.model.state_dict())
        self.trainer.optimizer.set_state_dict(optimizer_state)
        return report

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
            self.exporter(self.cfg, self._ema_weights() or self.trainer.model.state_dict(), directory,
                          self.model_name)
        self._exported = (unit, directory)
        return {"inference_config": directory / "inference.yml", "pdmodel": directory / "inference.pdmodel",
                "pdiparams": directory / "inference.pdiparams"}

    def _ema_weights(self):
        """The EMA-averaged weights when the recipe keeps an EMA (use_ema: Mask-RT-DETR, PP-YOLOE_seg) and it has
        been updated; else None. Evaluation, export and model.pdparams use them, as PaddleX does."""
        t = self.trainer
        if not getattr(t, "use_ema", False) or t.ema.step == 0:
            return None
        return t.ema.apply()

    def _swap_in_ema(self):
        """Load the EMA weights into the model; returns the raw weights to restore (None without EMA)."""
        ema = self._ema_weights()
        if ema is None:
            return None
        raw = {k: v.clone() for k, v in self.trainer.model.state_dict().items()}
        self.trainer.model.set_dict(ema)
        return raw

    def reseed(self, unit):
        """Re-seed at a save point so a resumed run draws the same random stream as an uninterrupted one."""
        from ...training.seed import seed_everything

        seed_everything(int(self.seed) + int(unit))

    def close(self):
        """Nothing to release (the loaders use worker_num=0 by default)."""
