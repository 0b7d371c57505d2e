"""Atomic checkpoint files, keep-last-N checkpoint directories, and the train_result.json book.

A checkpoint is a directory (`iter_100/`, `best_model/`, `3/`, ...) holding files written by the backend. Every
file goes through `atomic_file`: written under a temporary name in the same directory, then renamed, so a
killed process never leaves a half-written checkpoint file (a reader sees the old file or the new one).
"""
import shutil
from collections import OrderedDict
from pathlib import Path

from ..results import write_progress, write_success
from ..utils.fs import atomic_file, replace_dir  # noqa: F401  (the one copy; re-exported for the backends)


def save_object(obj, path):
    """paddle.save `obj` (a state dict or a plain dict) to `path` atomically."""
    from ..paddle_env import import_paddle

    with atomic_file(path) as tmp:
        import_paddle().save(obj, str(tmp))
    return Path(path)


def load_object(path):
    """paddle.load the object saved in `path` (.pdparams, .pdopt, .pdstates)."""
    from ..paddle_env import import_paddle

    return import_paddle().load(str(path))


def write_checkpoint(directory, objects, names):
    """Write one checkpoint directory.

    Args:
        directory: e.g. output/iter_100, output/3, output/best_model.
        objects: {role: object} (roles pdparams, pdopt, pdstates).
        names: {role: file name or tuple of names}; a role with several names is written once and copied (ppdet's
            best_model/ holds best_model.pdparams and a model.pdparams copy).

    Returns:
        {role: path of its first file}.
    """
    directory = Path(directory)
    files = {}
    for role, obj in objects.items():
        targets = names[role] if isinstance(names[role], (tuple, list)) else (names[role],)
        first = save_object(obj, directory / targets[0])
        for extra in targets[1:]:
            with atomic_file(directory / extra) as tmp:
                shutil.copyfile(first, tmp)
        files[role] = first
    return files


class CheckpointKeeper:
    """Remembers the periodic checkpoint directories and deletes all but the newest `keep`.

    Args:
        keep: how many periodic checkpoints to keep (PaddleX keeps 5); 0 keeps all.
    """

    def __init__(self, keep=5):
        self.keep = keep
        self.saved = []  # (unit, directory, score), oldest first

    def add(self, unit, directory, score):
        """Record a new checkpoint and delete the ones that fall out of the window."""
        self.saved = [s for s in self.saved if Path(s[1]) != Path(directory)]
        self.saved.append((unit, Path(directory), score))
        while self.keep and len(self.saved) > self.keep:
            _, old, _ = self.saved.pop(0)
            shutil.rmtree(old, ignore_errors=True)

    def newest_first(self):
        """The kept checkpoints, newest first."""
        return list(reversed(self.saved))


class TrainResultBook:
    """Writes `<output>/train_result.json` in PaddleSeg's train_results schema.

    `models` holds `last_1` (newest) .. `last_N` and `best`; each entry is `{score, <role>: relative path}` with
    roles such as pdparams, pdopt, pdstates, inference_config, pdmodel, pdiparams (the backend names them).

    Args:
        output: the run's output directory (paths are written relative to it).
        model_name: Global.model.
        visualdl_log: VisualDL log path relative to output ('' when none).
    """

    def __init__(self, output, model_name, visualdl_log=""):
        self.output = Path(output)
        self.model_name = model_name
        self.visualdl_log = visualdl_log
        self.entries = OrderedDict()  # "last_1".., "best" -> dict

    def _relative(self, files):
        rel = {}
        for role, path in files.items():
            p = Path(path)
            rel[role] = p.relative_to(self.output).as_posix() if p.is_absolute() else p.as_posix()
        return rel

    def update(self, periodic, best=None):
        """Set the entries from the keeper's list [(unit, files, score)] (newest first) and the best (files, score)."""
        self.entries = OrderedDict()
        for i, (_, files, score) in enumerate(periodic, start=1):
            self.entries[f"last_{i}"] = {"score": score, **self._relative(files)}
        if best is not None:
            files, score = best
            self.entries["best"] = {"score": score, **self._relative(files)}

    def payload(self, done):
        """The JSON body (without writing it)."""
        return {"done_flag": bool(done), "model_name": self.model_name, "config": "config.yaml",
                "train_log": "train.log", "visualdl_log": self.visualdl_log, "label_dict": "",
                "models": dict(self.entries)}

    def write(self, done=False):
        """Write train_result.json atomically; returns its path."""
        if done:
            return write_success(self.output, "train", {k: v for k, v in self.payload(True).items()
                                                         if k != "done_flag"})
        return write_progress(self.output, "train", self.payload(False))


def copy_dir_files(files, src_dir, dst_dir):
    """Copy every file of `src_dir` into `dst_dir` (each through atomic_file) and re-map `files` onto the copies.

    Used to give best_model/ the inference model just exported for the same weights, instead of exporting twice.

    Args:
        files: {role: path}; roles whose path lies in src_dir are returned with the path in dst_dir.

    Returns:
        {role: path in dst_dir}.
    """
    src_dir, dst_dir = Path(src_dir), Path(dst_dir)
    dst_dir.mkdir(parents=True, exist_ok=True)
    for item in src_dir.iterdir():
        if item.is_file():
            with atomic_file(dst_dir / item.name) as tmp:
                shutil.copyfile(item, tmp)
    return {role: dst_dir / Path(p).name for role, p in files.items() if Path(p).parent == src_dir}
