"""BaseTrainer: the backend-agnostic training template (loop, logging cadence, checkpoints, result files).

A task's trainer subclasses BaseTrainer and names its backend through the task (backends/base.backend_for); the
backend's `make_session()` returns a TrainSession (backends/base.py). The template owns:
- the loop order: train a unit -> (per optimizer step, through training.progress.StepLogger) NaN guard, a
  `[TRAIN]` line, a results.csv row and VisualDL scalars every Train.log_interval iterations -- and at the end of
  every unit, so an epoch-unit backend logs at least once per epoch -> every Train.eval_interval units (and at the
  end) evaluate, save `checkpoint_dir`, save `best_dir` on improvement, export (best_dir gets a copy of that
  export), rewrite train_result.json (done_flag false), curves.png;
- the checkpoint contract (tasks/base/checkpoint.py): what model.pdstates holds, resume identity and fit checks.

Class attributes configure the layout: `unit_name` ('iter' or 'epoch'), `checkpoint_dir` ("iter_{}" or "{}"),
`best_dir` ("best_model"), `best_weight_files` (file names of the best weights), `keep_last` (5).
"""
import json
import re
import sys
import warnings
from pathlib import Path

from ...backends.base import backend_for
from ...log import add_file_handler, remove_handler
from ...training import distributed, multinode
from ...training.checkpoint import CheckpointKeeper, TrainResultBook, copy_dir_files
from ...training.history import History
from ...training.progress import StepLogger, Tee
from ...training.vdl import ScalarWriter
from ...training.train_keys import check_train_keys
from ...training.weights import prefetch_pretrained
from ...utils.fs import require_dataset_dir
from .checkpoint import (RESUME_HINT, WEIGHTS_FILE, Identity, check_fit, read_resume_point, save_best,
                         save_periodic)
from .runner import ModeRunner


class BaseTrainer(ModeRunner):
    """Template of the train mode (see the module docstring)."""

    mode = "train"
    needs_paddle = True
    log_to_file = False  # train.log is attached in execute(), on rank 0 only
    unit_name = "iter"
    checkpoint_dir = "iter_{}"
    best_dir = "best_model"
    best_weight_files = (WEIGHTS_FILE,)
    keep_last = 5
    vdl_dir = "vdl"

    def make_session(self):
        """Build the backend's TrainSession (backends/base.TrainSession) for this run."""
        return backend_for(self.task.name).make_session(self.config, self.ctx, self.logger.info)

    def run(self):
        distributed.restrict_to_single_device(self.device)  # must precede the device runtime's start
        return super().run()

    def dump_config(self):
        if distributed.rank() == 0 and multinode.hosts_rank0(self.config["Train"].get("dist_ips")):
            super().dump_config()

    # Paths that must exist under Global.dataset_dir before training starts (checked before any relaunch).
    required_dataset_files = ()
    dataset_hint = "run check_dataset first"

    @property
    def identity(self):
        """The Identity of the weights this run trains (written into every model.pdstates)."""
        train = self.config["Train"]
        return Identity(self.config.model, int(train["num_classes"]), self.task.name, None, train.get("input_shape"))

    def execute(self):
        check_train_keys(self.config["Train"], self.device, self.task.name, self.config.model)  # issue 17 keys
        require_dataset_dir(self.config["Global"]["dataset_dir"], self.required_dataset_files, self.dataset_hint)
        # a pretrained URL is fetched here, before any work and before a relaunch: offline stops now with one line,
        # and the ranks find the file in the cache instead of each downloading it
        prefetch_pretrained(self.config["Train"], self.config.model)
        ips = multinode.parse_ips(self.config["Train"].get("dist_ips"))
        if (self.device.is_distributed or ips) and not distributed.already_launched():
            node = multinode.check_this_machine(ips) if ips else None
            distributed.relaunch(self.device, self.output, self.logger.info, ips, node)
            if node:  # global rank 0 runs on the first machine: results and checkpoints are there
                self.ctx = self.ctx.for_rank(node, distributed.log_dir(self.output, node))
                return {"note": f"this machine ({ips[node]}) trained ranks of a {len(ips)}-machine run; results "
                                f"and checkpoints are in Global.output on {ips[0]}"}
            body = json.loads((self.output / "train_result.json").read_text(encoding="utf-8"))
            body.pop("done_flag", None)
            return body
        is_main = distributed.rank() == 0
        if not is_main:  # the engine writes <Global.output>/train_result.json after us: keep other ranks away
            side = distributed.rank_output(self.output)
            side.mkdir(parents=True, exist_ok=True)
            self.ctx = self.ctx.for_rank(distributed.rank(), side)
        point = self._resume_point()  # identity checks before the (slow) model build
        handler = add_file_handler(self.output / "train.log") if is_main else None
        stdout = sys.stdout
        if is_main:  # suites print their messages: copy them into train.log as well
            sys.stdout = Tee(stdout, self.output / "train.log")
        try:
            with warnings.catch_warnings():
                # paddle repeats "When training, we now always track global mean and variance" every step
                warnings.filterwarnings("ignore", message="When training, we now always track")
                session = self.make_session()
                try:
                    start, best_score = self._resume(session, point)
                    return self.train_session(session, is_main, start, best_score)
                finally:
                    session.close()
        finally:
            if sys.stdout is not stdout:
                sys.stdout.close()
                sys.stdout = stdout
            if handler is not None:
                remove_handler(handler)

    def _dir_pattern(self):
        return re.compile("^" + re.escape(self.checkpoint_dir).replace(r"\{\}", r"(\d+)") + "$")

    def _resume_point(self):
        value = self.config["Train"].get("resume_path")
        if not value:
            return None
        return read_resume_point(value, self.identity, self.unit_name, self._dir_pattern(),
                                 int(self.config["Train"]["epochs_iters"]))

    def _resume(self, s, point):
        """Hand the checkpoint's states to the session and check that they fit; returns (start, best score)."""
        if point is None:
            return 0, None
        report = s.resume(point.model_state, point.optimizer_state, point.unit)
        check_fit(report, "Train.resume_path", self.config["Train"]["resume_path"], self.identity, RESUME_HINT)
        self.logger.info(f"Resumed from {point.directory} at {self.unit_name} {point.unit} "
                         f"(best {s.score_name} so far: {point.best})")
        return point.unit, point.best

    def train_session(self, s, is_main=True, start=0, best_score=None):
        """Run the loop of session `s` from unit `start` + 1 to s.total; returns the train_result payload."""
        train = self.config["Train"]
        log = self.logger.info
        book = TrainResultBook(self.output, self.config.model, self.vdl_dir if is_main else "")
        keeper = CheckpointKeeper(self.keep_last)
        best = self._adopt_previous(keeper, start, best_score) if start else None
        self._best_score = best_score
        history = History(self.output, s.unit_name, s.score_name, keep_until=start if start else None) \
            if is_main else None
        vdl = ScalarWriter(self.output / self.vdl_dir if is_main else None)

        def record(step, loss):  # one results.csv row and VisualDL point per logged iteration window
            history.add(step.position, loss=loss, lr=step.lr)
            at = step.unit if not step.steps else (step.unit - 1) * step.steps + step.step
            vdl.add("Train/loss", loss, at)
            vdl.add("Train/lr", step.lr, at)

        digest = multinode.param_digest_writer(distributed.rank())  # test hook (no-op unless its env var is set)
        steps = StepLogger(s.total, s.unit_name, log, train["log_interval"], getattr(s, "divergence_hint", None),
                           on_flush=record, emit=is_main)
        log(f"Training {self.config.model}: {s.unit_name} {start + 1}..{s.total} on {self.device} "
            f"({distributed.world_size()} process(es)); output: {self.output}")
        try:
            for unit in range(start + 1, s.total + 1):
                s.run_unit(unit, steps)
                digest(unit, s)
                if unit % train["eval_interval"] == 0 or unit == s.total:
                    if is_main:
                        best = self._evaluate_and_save(s, unit, keeper, best, book, history, vdl)
                    s.reseed(unit)
                    steps.restart_clock()
        finally:
            vdl.close()
        if best is not None:
            log(f"Best {s.score_name} {best[1]:.4f}; weights in {self.output / self.best_dir}")
        book.update(_periodic(keeper), best)
        body = book.payload(done=True)
        body.pop("done_flag")
        return body

    def _evaluate_and_save(self, s, unit, keeper, best, book, history, vdl):
        score, metrics = s.evaluate()
        self.logger.info(f"[EVAL] {s.unit_name} {unit}: " + ", ".join(f"{k}: {v:.4f}" for k, v in metrics.items()
                                                                       if isinstance(v, (int, float))))
        history.add(unit, score=score)
        for name, value in metrics.items():
            if isinstance(value, (int, float)):
                vdl.add(f"Evaluate/{name}", value, unit)
        improved = best is None or score > best[1]
        if self._best_score is None or score > self._best_score:
            self._best_score = score
        directory = self.output / self.checkpoint_dir.format(unit)
        files = save_periodic(directory, s, unit, score, self._best_score, self.identity)
        # Train.uniform_output_enabled=false: no inference/ beside each checkpoint, only in best_model (time, disk)
        uniform = self.config["Train"].get("uniform_output_enabled", True)
        exported = s.export(directory / "inference") if uniform else {}
        files.update(exported)
        keeper.add(unit, directory, (files, score))
        if improved:
            best_path = self.output / self.best_dir
            best_files = save_best(best_path, s, unit, score, self._best_score, self.identity,
                                   self.best_weight_files)
            # same weights as the checkpoint just exported: copy its inference files instead of exporting again
            best_files.update(copy_dir_files(exported, directory / "inference", best_path / "inference")
                              if uniform else s.export(best_path / "inference"))
            best = (best_files, score)
            self.logger.info(f"[EVAL] The model with the best validation {s.score_name} ({score:.4f}) "
                             f"was saved at {s.unit_name} {unit}.")
        book.update(_periodic(keeper), best)
        book.write(done=False)
        history.plot()
        return best

    def _adopt_previous(self, keeper, start, best_score):
        """On resume, take over the previous run's kept checkpoints and best entry from train_result.json."""
        path = self.output / "train_result.json"
        if not path.is_file():
            return None
        models = json.loads(path.read_text(encoding="utf-8")).get("models", {})
        pattern = self._dir_pattern()
        previous = []
        for key, entry in models.items():
            if not key.startswith("last_") or "pdparams" not in entry:
                continue
            directory = self.output / Path(entry["pdparams"]).parent
            m = pattern.match(directory.name)
            if m and int(m.group(1)) <= start and directory.is_dir():
                files = {k: self.output / v for k, v in entry.items() if k != "score"}
                previous.append((int(m.group(1)), directory, (files, entry["score"])))
        for unit, directory, info in sorted(previous):
            keeper.add(unit, directory, info)
        entry = models.get("best")
        if entry and best_score is not None:
            return ({k: self.output / v for k, v in entry.items() if k != "score"}, entry["score"])
        return None


def _periodic(keeper):
    """The keeper's checkpoints as TrainResultBook rows [(unit, files, score)], newest first."""
    return [(unit, info[0], info[1]) for unit, _, info in keeper.newest_first()]
