"""SegTrainSession: PaddleSeg's components driven by our loop (the TrainSession contract of backends/base.py).

The step mirrors paddleseg.core.train exactly (forward, loss_computation, sum, backward, optimizer.step,
scheduler.step, clear_gradients), so losses match PaddleSeg's loop for the same seed and data
(tests/test_seg_train_parity.py), but it is callable one iteration at a time.
"""
import importlib
import time
from pathlib import Path

import paddle

from ...errors import UnsupportedError
from ...training import distributed
from ...training.amp import AmpStep, divergence_hint
from ..base import as_context
from ...training.progress import Step
from ...training.seed import seed_everything
from ...training.weights import load_pretrained, resolve_weight_file
from ...utils.class_names import class_name_list
from . import export as seg_export
from . import user_config
from .modeling import BatchStream, build, confusion_matrix, load_weights
from .metrics import summarise

_core_train = importlib.import_module("paddleseg.core.train")


class SegTrainSession:
    """One training run of a PaddleSeg model.

    Args:
        config: the frozen Config (Global/Train/Export sections are read).
        ctx: the RunContext (device, output, rank), or just the output directory (device from the config).
        log: callable(str) for log lines.
    """

    unit_name = "iter"
    score_name = "mIoU"

    def __init__(self, config, ctx, log):
        g, t = config["Global"], config["Train"]
        ctx = as_context(ctx, config)
        self.log, self.output, self.model_name = log, Path(ctx.output), g["model"]
        self.seed, self.num_classes, self.total = t["seed"], t["num_classes"], t["epochs_iters"]
        self.eval_interval = t["eval_interval"]
        self.dataset_dir = g["dataset_dir"]
        paddle.set_device(distributed.local_place(ctx.device))
        seed_everything(self.seed)
        keep = self.output / "paddleseg.yml" if distributed.rank() == 0 else None
        builder, _, extras = build(self.model_name, self.dataset_dir, self.num_classes, self.total,
                                   t["batch_size"], t["learning_rate"], t["warmup_steps"], t.get("input_shape"),
                                   keep_config=keep, arch_file=t.get("basic_config_path"))
        self.model = user_config.built_model(builder, t["basic_config_path"]) if t.get("basic_config_path") \
            else builder.model
        self.losses = builder.loss
        self.optimizer = builder.optimizer
        self.train_dataset = builder.train_dataset
        self.val_dataset = builder.val_dataset
        self.val_transforms = builder.config.val_dataset_cfg["transforms"]
        self.export_shape = config.get("Export.input_shape") or extras.get("export", {}).get("input_shape")
        self.label_names = class_name_list(self.dataset_dir, self.num_classes)
        self.batch_size = t["batch_size"]
        self.start = 0
        if t.get("pretrain_weight_path") and not t.get("resume_path"):
            # whole model or backbone only, told from the keys; train.log says what loaded into what
            path = resolve_weight_file(t["pretrain_weight_path"], "Train.pretrain_weight_path", model=self.model_name)
            load_pretrained(self.model, paddle.load(str(path)), path, log, self.model_name, t["pretrain_weight_path"])
        # Train.amp (training/amp.py): O2 decorates before the data-parallel wrap
        self.amp = AmpStep(t.get("amp", "OFF"))
        self.divergence_hint = divergence_hint(self.amp.level)
        self.model, self.optimizer = self.amp.decorate(self.model, self.optimizer)
        self._unconverted = bool(t.get("dy2st"))  # Train.dy2st: converted at the first forward
        if t.get("dy2st"):  # the forward runs as a static program (PaddleSeg's to_static_training)
            paddle.jit.to_static(self.model, full_graph=True)
            log("Train.dy2st: training through paddle.jit.to_static")
        self.net, self.opt = self.model, self.optimizer
        if distributed.world_size() > 1:
            fleet = paddle.distributed.fleet
            fleet.init(is_collective=True)
            self.opt = fleet.distributed_optimizer(self.optimizer)
            self.net = fleet.distributed_model(self.model)
        self._start_stream()  # now, as PaddleSeg's loader does: the parity test relies on the same random stream
        self.model.train()

    def _start_stream(self):
        # the loader thread re-seeds the augmentations at every checkpoint iteration (and at a resume point)
        points = {u for u in range(self.start, self.total + 1) if u % self.eval_interval == 0 or u == self.start}
        self.stream = BatchStream(self.train_dataset, self.batch_size, self.start, self.seed,
                                  points - {0} if not self.start else points)

    # --- the TrainSession contract -------------------------------------------------------------------------
    def run_unit(self, unit, on_step=None):
        """One iteration, in paddleseg.core.train's order; on_step gets its training.progress.Step."""
        t0 = time.perf_counter()
        data = self.stream.next()
        reader_cost = time.perf_counter() - t0
        with self.amp.autocast():  # Train.amp: forward and loss under auto_cast (PaddleSeg's AMP order)
            logits_list = self._forward(data["img"])
            if hasattr(self.model, "loss_computation"):
                loss_list = self.model.loss_computation(logits_list, self.losses, data)
            else:
                labels = data["label"].astype("int64")
                edges = data["edge"].astype("int64") if "edge" in data else None
                loss_list = _core_train.loss_computation(logits_list=logits_list, labels=labels, edges=edges,
                                                         losses=self.losses)
        loss = sum(loss_list)
        self.amp.backward_and_step(loss, self.opt)
        lr = self.optimizer.get_lr()
        sched = self.optimizer._learning_rate
        if isinstance(sched, paddle.optimizer.lr.LRScheduler):
            sched.step(loss) if isinstance(sched, paddle.optimizer.lr.ReduceOnPlateau) else sched.step()
        self.model.clear_gradients()
        info = {"loss": float(loss), "lr": lr, "reader_cost": reader_cost,
                "samples": self.batch_size * distributed.world_size()}
        if on_step is not None:
            on_step(Step(unit, info["loss"], lr, reader_cost=reader_cost, samples=info["samples"]))
        return info

    def _forward(self, images):
        if not self._unconverted:
            return self.net(images)
        try:  # the first call converts the forward: a model paddle cannot convert is one clear line, not a trace
            logits = self.net(images)
        except Exception as e:
            raise UnsupportedError(f"Train.dy2st=True is not supported for {self.model_name}: paddle.jit.to_static "
                                   f"could not convert its forward ({type(e).__name__}).",
                                   hint="set -o Train.dy2st=False") from None
        self._unconverted = False
        return logits

    def evaluate(self):
        cm = confusion_matrix(self.model, self.val_dataset, self.num_classes, self.val_dataset.ignore_index)
        summary = summarise(cm, self.label_names)
        return summary["metrics"]["mIoU"], summary["metrics"]

    def state_dicts(self, unit, best):
        """The model's state (and the optimizer's, for a periodic checkpoint) to save."""
        states = {"pdparams": self.model.state_dict()}
        if not best:
            states["pdopt"] = self.amp.pack(self.optimizer.state_dict())  # + the AMP scaler's state
        return states

    def resume(self, model_state, optimizer_state, unit):
        """Continue after iteration `unit` of a checkpoint; returns the compare_keys report of the weights."""
        report = load_weights(self.model, model_state, self.log, "checkpoint")
        self.optimizer.set_state_dict(self.amp.unpack(optimizer_state)[0])
        self.start = int(unit)
        self.stream.close()  # restart the batches at the resume point (re-seeded there: same stream as unbroken)
        self._start_stream()
        self.reseed(self.start)
        return report

    def export(self, directory):
        return seg_export.export(self.model, directory, self.val_transforms, self.model_name, self.num_classes,
                                 self.label_names, self.export_shape)

    def reseed(self, unit):
        paddle.seed(self.seed + unit)  # the model's randomness; the augmentations are re-seeded by BatchStream

    def close(self):
        self.stream.close()
