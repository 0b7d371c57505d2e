"""BaseTrainer: the backend-agnostic training template (loop, evaluation cadence, checkpoints, result files).

A task's trainer subclasses BaseTrainer and implements one hook, `make_session()`, returning a backend object
that speaks this interface (the "TrainSession" contract):

    unit_name: str            'iter' or 'epoch' (what Train.epochs_iters counts)
    score_name: str           name of the validation score ('mIoU', 'mask_AP', ...); higher is better
    total: int                last unit of the run (Train.epochs_iters)
    start: int                units already done (0, or the unit restored by Train.resume_path)
    best_score: float|None    best validation score so far (restored on resume)
    run_unit(unit) -> dict    train one unit; keys: loss (float), lr (float), reader_cost (s), samples (int)
    evaluate() -> (score, metrics dict)         validation (called on rank 0 only)
    save_checkpoint(directory, unit, score, best) -> {role: path}
                              write the weights of a periodic ('best'=False) or best ('best'=True) checkpoint into
                              `directory` atomically; roles are train_result.json keys (pdparams, pdopt, pdstates)
    export(directory) -> {role: path}          write the inference model into `directory` (roles: pdmodel,
                              pdiparams, inference_config)
    reseed(unit)              re-seed the random generators at a save point (so a resumed run continues the
                              same random stream as an uninterrupted one)
    close()                   release resources

Class attributes configure the layout: `checkpoint_dir` ("iter_{}" for PaddleSeg, "{}" for per-epoch dirs),
`best_dir` ("best_model"), `keep_last` (5). The template owns the loop order: train unit → NaN guard → progress
line every Train.log_interval → every Train.eval_interval (and at the end) evaluate, save `checkpoint_dir`,
save `best_dir` on improvement, export (best_dir gets a copy of that export), rewrite train_result.json
(done_flag false), results.csv, curves.png.
"""
import json
import re
import sys
import warnings
from pathlib import Path

from ...log import add_file_handler, remove_handler
from ...training import distributed
from ...training.checkpoint import CheckpointKeeper, TrainResultBook, copy_dir_files
from ...training.guard import check_finite
from ...training.history import History
from ...training.progress import Progress, Tee
from ...training.vdl import ScalarWriter
from ...utils.fs import require_dataset_dir
from .runner import ModeRunner


class BaseTrainer(ModeRunner):
    """Template of the train mode; subclasses implement `make_session()`."""

    mode = "train"
    needs_paddle = True
    log_to_file = False  # train.log is attached in execute(), on rank 0 only
    checkpoint_dir = "iter_{}"
    best_dir = "best_model"
    keep_last = 5
    vdl_dir = "vdl"

    def make_session(self):
        """Build the backend's TrainSession (see the module docstring)."""
        raise NotImplementedError

    def run(self):
        distributed.restrict_to_single_device(self.device)  # must precede the device runtime's start
        return super().run()

    def dump_config(self):
        if distributed.rank() == 0:
            super().dump_config()

    # Paths that must exist under Global.dataset_dir before training starts (checked before any relaunch).
    required_dataset_files = ()
    dataset_hint = "run check_dataset first"

    def execute(self):
        require_dataset_dir(self.config["Global"]["dataset_dir"], self.required_dataset_files, self.dataset_hint)
        if self.device.is_distributed and not distributed.is_worker():
            distributed.relaunch(self.device, self.output, self.logger.info)
            body = json.loads((self.output / "train_result.json").read_text(encoding="utf-8"))
            body.pop("done_flag", None)
            return body
        is_main = distributed.rank() == 0
        if not is_main:  # the engine writes <Global.output>/train_result.json after us: keep other ranks away
            side = self.output / distributed.LOG_DIR_NAME / f"rank{distributed.rank()}"
            side.mkdir(parents=True, exist_ok=True)
            self.config.data["Global"]["output"] = str(side)
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
                    return self._loop(session, is_main)
                finally:
                    session.close()
        finally:
            if sys.stdout is not stdout:
                sys.stdout.close()
                sys.stdout = stdout
            if handler is not None:
                remove_handler(handler)

    def _loop(self, s, is_main):
        train = self.config["Train"]
        log = self.logger.info
        book = TrainResultBook(self.output, self.config.model, self.vdl_dir if is_main else "")
        keeper = CheckpointKeeper(self.keep_last)
        best = self._adopt_previous(keeper, s) if s.start else None
        history = History(self.output, s.unit_name, s.score_name, keep_until=s.start if s.start else None) \
            if is_main else None
        vdl = ScalarWriter(self.output / self.vdl_dir if is_main else None)
        progress = Progress(s.total, s.unit_name, log)
        log(f"Training {self.config.model}: {s.unit_name} {s.start + 1}..{s.total} on {self.device} "
            f"({distributed.world_size()} process(es)); output: {self.output}")
        try:
            for unit in range(s.start + 1, s.total + 1):
                info = s.run_unit(unit)
                check_finite(info["loss"], s.unit_name, unit)
                progress.step(info["loss"], info.get("reader_cost", 0.0), info.get("samples", 0))
                last = unit == s.total
                if is_main and (unit % train["log_interval"] == 0 or last):
                    loss = progress.flush(unit, info["lr"])
                    history.add(unit, loss=loss, lr=info["lr"])
                    vdl.add("Train/loss", loss, unit)
                    vdl.add("Train/lr", info["lr"], unit)
                if unit % train["eval_interval"] == 0 or last:
                    if is_main:
                        best = self._evaluate_and_save(s, unit, keeper, best, book, history, vdl)
                    s.reseed(unit)
                    progress.restart_clock()
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
        directory = self.output / self.checkpoint_dir.format(unit)
        improved = best is None or score > best[1]
        files = s.save_checkpoint(directory, unit, score, best=False)
        exported = s.export(directory / "inference")
        files.update(exported)
        keeper.add(unit, directory, (files, score))
        if improved:
            best_path = self.output / self.best_dir
            best_files = s.save_checkpoint(best_path, unit, score, best=True)
            # same weights as the checkpoint just exported: copy its inference files instead of exporting again
            best_files.update(copy_dir_files(exported, directory / "inference", best_path / "inference"))
            best = (best_files, score)
            self.logger.info(f"[EVAL] The model with the best validation {s.score_name} ({score:.4f}) "
                             f"was saved at {s.unit_name} {unit}.")
        book.update(_periodic(keeper), best)
        book.write(done=False)
        history.plot()
        return best

    def _adopt_previous(self, keeper, s):
        """On resume, take over the previous run's kept checkpoints and best entry from train_result.json."""
        path = self.output / "train_result.json"
        if not path.is_file():
            return None
        models = json.loads(path.read_text(encoding="utf-8")).get("models", {})
        pattern = re.compile("^" + re.escape(self.checkpoint_dir).replace(r"\{\}", r"(\d+)") + "$")
        previous = []
        for key, entry in models.items():
            if not key.startswith("last_") or "pdparams" not in entry:
                continue
            directory = self.output / Path(entry["pdparams"]).parent
            m = pattern.match(directory.name)
            if m and int(m.group(1)) <= s.start and directory.is_dir():
                files = {k: self.output / v for k, v in entry.items() if k != "score"}
                previous.append((int(m.group(1)), directory, (files, entry["score"])))
        for unit, directory, info in sorted(previous):
            keeper.add(unit, directory, info)
        entry = models.get("best")
        if entry and s.best_score is not None:
            return ({k: self.output / v for k, v in entry.items() if k != "score"}, entry["score"])
        return None


def _periodic(keeper):
    """The keeper's checkpoints as TrainResultBook rows [(unit, files, score)], newest first."""
    return [(unit, info[0], info[1]) for unit, _, info in keeper.newest_first()]
