"""Train.amp for our own training loop (the semantic task): paddle.amp.auto_cast + GradScaler.

- OFF: a plain fp32 step (backward, optimizer step); no scaler.
- O1: the forward and loss run under `paddle.amp.auto_cast(level="O1")` (white-listed ops in float16); the loss is
  scaled by a dynamic GradScaler, which skips a step whose gradients overflowed and lowers the scale.
- O2: additionally `paddle.amp.decorate` keeps the weights in float16 with float32 master copies in the optimizer;
  checkpoints still save float32 weights (save_dtype).

The scaler's state (scale, counters) travels inside the optimizer checkpoint (model.pdopt) under SCALER_KEY, so the
checkpoint contract is unchanged and resume restores it. Train.amp=O1/O2 on a CPU is refused before training
(training/train_keys.check_amp_device); the instance task uses ppdet's own AMP (backends/paddledet).
"""
import contextlib

from ..paddle_env import import_paddle

SCALER_KEY = "amp_scaler"
# float16 overflows to inf at 65504: a start scale of 2**10 (PaddleSeg's and ppdet's choice) leaves headroom
INIT_LOSS_SCALING = 1024.0


def divergence_hint(level):
    """The NaN-guard hint for a run under Train.amp=`level` (None for OFF: the task's own hint applies)."""
    if level == "OFF":
        return None
    return (f"the loss became NaN/Inf under mixed precision (Train.amp={level}): float16 overflow is likely; retry "
            f"with -o Train.amp=OFF, or lower Train.learning_rate")


class AmpStep:
    """One training step's mixed-precision handling.

    Args:
        level: Train.amp ('OFF', 'O1' or 'O2').
    """

    def __init__(self, level):
        self.level = level
        self.enabled = level != "OFF"
        paddle = import_paddle()
        self.scaler = paddle.amp.GradScaler(init_loss_scaling=INIT_LOSS_SCALING) if self.enabled else None

    def decorate(self, model, optimizer):
        """O2: float16 weights with float32 master weights; returns (model, optimizer) (unchanged for OFF/O1).
        Call before wrapping the model for data parallelism."""
        if self.level != "O2":
            return model, optimizer
        return import_paddle().amp.decorate(models=model, optimizers=optimizer, level="O2", save_dtype="float32")

    def autocast(self):
        """Context manager for the forward pass and the loss."""
        if not self.enabled:
            return contextlib.nullcontext()
        return import_paddle().amp.auto_cast(enable=True, level=self.level)

    def backward_and_step(self, loss, optimizer):
        """Backward and optimizer step: scaled (and skipped on overflow) under AMP, plain otherwise."""
        if not self.enabled:
            loss.backward()
            optimizer.step()
            return
        self.scaler.scale(loss).backward()
        self.scaler.step(optimizer)
        self.scaler.update()

    def pack(self, optimizer_state):
        """The optimizer state with the scaler's state added (for model.pdopt)."""
        if not self.enabled:
            return optimizer_state
        return {**optimizer_state, SCALER_KEY: self.scaler.state_dict()}

    def unpack(self, optimizer_state):
        """Split a model.pdopt state into (optimizer state, scaler state or None) and restore the scaler.

        A checkpoint without scaler state (trained with Train.amp=OFF) starts a fresh scaler; a scaler state
        resumed with Train.amp=OFF is dropped.
        """
        state = dict(optimizer_state)
        scaler_state = state.pop(SCALER_KEY, None)
        if self.enabled and scaler_state:
            self.scaler.load_state_dict(scaler_state)
        return state, scaler_state
