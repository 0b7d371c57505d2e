"""Stop training with a clear message when the loss stops being a finite number."""
import math

from ..errors import TrainingDivergedError


def check_finite(loss, unit_name, unit, hint="check the label values (ids < num_classes, 255 = ignore) "
                                             "and lower Train.learning_rate"):
    """Raise TrainingDivergedError when `loss` is NaN or Inf.

    Args:
        loss: the loss value (float).
        unit_name: 'iter' or 'epoch', for the message.
        unit: the current unit number.
        hint: what to try.
    """
    if not math.isfinite(loss):
        raise TrainingDivergedError(f"Training diverged: the loss is {loss} at {unit_name} {unit}.", hint=hint)
