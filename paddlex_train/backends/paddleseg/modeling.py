"""Building PaddleSeg components from our config, loading weights, feeding batches, and evaluating.

These are the PaddleSeg-specific parts shared by our train loop (session.py), the evaluator and the exporter.
"""
import queue
import random
import tempfile
import threading
from pathlib import Path

import numpy as np
import paddle
from paddle.io import DistributedBatchSampler
from paddle.io.dataloader.collate import default_collate_fn
from paddleseg.core import infer
from paddleseg.cvlibs import Config, SegBuilder

from ...errors import BackendError
from ...training.weights import compare_keys, describe
from ...utils.labels import IGNORE_INDEX
from . import archs
from . import models as _extra_models  # noqa: F401  (registers this project's extra components)
from .metrics import update_confusion


def build(model_name, dataset_dir, num_classes, iters=None, batch_size=None, learning_rate=None, warmup_steps=0,
          input_shape=None, keep_config=None, arch_file=None):
    """Build a SegBuilder for one run.

    Args:
        keep_config: where to write the resolved PaddleSeg YAML (None: a temporary file).
        others: see archs.build_suite_config.

    Returns:
        (builder, suite_dict, extras).
    """
    cfg, extras = archs.build_suite_config(model_name, dataset_dir, num_classes, iters, batch_size,
                                           learning_rate, warmup_steps, input_shape, arch_file)
    if keep_config is None:
        with tempfile.TemporaryDirectory() as tmp:
            path = archs.write_suite_config(cfg, Path(tmp) / "paddleseg.yml")
            config = Config(str(path))
    else:
        config = Config(str(archs.write_suite_config(cfg, keep_config)))
    return SegBuilder(config), cfg, extras


def param_shapes(state):
    """{name: shape} of a state dict (tensors or numpy arrays)."""
    return {k: tuple(v.shape) for k, v in state.items() if hasattr(v, "shape")}


def load_weights(model, path, log, what="weights"):
    """Load a .pdparams file (or an already loaded state dict) into `model`, matching names (and the `backbone.`
    prefix for backbone-only files).

    Missing, unexpected and shape-mismatched tensors are reported in one log line; mismatched ones are skipped.

    Returns:
        the compare_keys report.
    """
    state = path if isinstance(path, dict) else paddle.load(str(path))
    path = "(state dict)" if isinstance(path, dict) else path
    if not isinstance(state, dict):
        raise BackendError(f"{path} is not a PaddlePaddle state dict (.pdparams).", hint="pass a model.pdparams file")
    # Models whose released checkpoints use other parameter names (SeaFormer: PaddleSeg's port) rename them here.
    convert = getattr(model, "convert_state_dict", None)
    if callable(convert):
        state = convert(state)
    model_state = model.state_dict()
    report = compare_keys(param_shapes(model_state), param_shapes(state))
    if hasattr(model, "backbone"):
        prefixed = {f"backbone.{k}": v for k, v in state.items()}
        alt = compare_keys(param_shapes(model_state), param_shapes(prefixed))
        if len(alt["matched"]) > len(report["matched"]):
            state, report = prefixed, alt
            report["unexpected"] = [k for k in report["unexpected"] if k.startswith("backbone.")]
    model.set_state_dict({k: state[k] for k in report["matched"]})
    log(f"Loaded {what} {path}: {describe(report)}")
    return report


class BatchStream:
    """Endless batches in PaddleSeg's order (DistributedBatchSampler, shuffle, drop_last), prepared one or two
    steps ahead by a background thread, as paddle's DataLoader does for PaddleSeg's own loop.

    All augmentation randomness (python `random`, numpy) is drawn in that one thread, in batch order. At the
    batch numbers in `reseed_points` the thread re-seeds those generators with `seed + k` before preparing batch
    k + 1; since the points are fixed in advance (the checkpoint iterations), an interrupted run resumed from
    a checkpoint draws exactly the same augmentations as an uninterrupted run, whatever the thread timing.

    Args:
        dataset: a PaddleSeg dataset.
        batch_size: samples per process and step.
        start: batches already consumed (resume).
        seed: base seed of the re-seeding.
        reseed_points: batch numbers after which the augmentation generators are re-seeded.
        prefetch: batches prepared ahead.
    """

    def __init__(self, dataset, batch_size, start=0, seed=0, reseed_points=(), prefetch=2):
        self.dataset = dataset
        self.sampler = DistributedBatchSampler(dataset, batch_size=batch_size, shuffle=True, drop_last=True)
        if len(self.sampler) == 0:
            raise BackendError(f"The training set has {len(dataset)} samples, fewer than Train.batch_size="
                               f"{batch_size} per process.", hint="lower Train.batch_size or add samples")
        self.seed, self.reseed_points = seed, set(reseed_points)
        self._queue = queue.Queue(maxsize=prefetch)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._work, args=(start,), daemon=True, name="batch-stream")
        self._thread.start()

    def _indices(self, done):
        """Batch index lists from batch number `done` on, re-shuffling each epoch by its number."""
        epochs, within = divmod(done, len(self.sampler))
        self.sampler.set_epoch(epochs)
        it = iter(self.sampler)
        for _ in range(within):
            next(it)
        while True:
            for indices in it:
                yield indices
            it = iter(self.sampler)

    def _work(self, start):
        try:
            for k, indices in enumerate(self._indices(start), start=start):
                if k in self.reseed_points:
                    random.seed(self.seed + k)
                    np.random.seed((self.seed + k) % (2 ** 32))
                batch = default_collate_fn([self.dataset[i] for i in indices])
                while not self._stop.is_set():
                    try:
                        self._queue.put(batch, timeout=0.5)
                        break
                    except queue.Full:
                        continue
                if self._stop.is_set():
                    return
        except Exception as e:  # handed to the training thread, which raises it
            self._queue.put(e)

    def next(self):
        """The next batch as a dict of tensors (same structure as paddle's DataLoader gives)."""
        batch = self._queue.get()
        if isinstance(batch, Exception):
            raise batch
        return _to_tensors(batch)

    def close(self):
        """Stop the background thread."""
        self._stop.set()
        self._thread.join(timeout=5)


def _to_tensors(node):
    if isinstance(node, np.ndarray):
        return paddle.to_tensor(node)
    if isinstance(node, dict):
        return {k: _to_tensors(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_to_tensors(v) for v in node]
    return node


def predict_sample(model, sample):
    """Class-id map (numpy, original image size) for one dataset sample, via PaddleSeg's inference helper."""
    img = paddle.to_tensor(sample["img"][None, ...])
    pred, _ = infer.inference(model, img, trans_info=sample["trans_info"])
    return pred.numpy()[0, 0]


def confusion_matrix(model, dataset, num_classes, ignore_index=IGNORE_INDEX, log=None, log_interval=0,
                     predict=predict_sample):
    """Evaluate `model` on every sample of `dataset` and return the confusion matrix (numpy int64).

    `predict(model, sample)` gives a sample's class-id map at its label's size (slide_eval passes the tiled one).
    """
    was_training = model.training
    model.eval()
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    with paddle.no_grad():
        for i in range(len(dataset)):
            sample = dataset[i]
            update_confusion(cm, predict(model, sample), sample["label"], ignore_index)
            if log and log_interval and (i + 1) % log_interval == 0:
                log(f"[EVAL] {i + 1}/{len(dataset)} images")
    if was_training:
        model.train()
    return cm
