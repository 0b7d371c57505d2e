"""Training progress: one `Step` record per optimizer step, `[TRAIN]` lines with loss, lr, timing, throughput (ips)
and ETA in the style of PaddleSeg's, and `StepLogger`, the one cadence + NaN guard for every backend.

A backend whose unit is one iteration (PaddleSeg) yields one Step per unit; a backend whose unit is an epoch
(ppdet) yields one Step per iteration inside the epoch (`steps` = iterations per epoch), so both log, guard and
record history per iteration window instead of per unit.
"""
import time
from dataclasses import dataclass, field

from .guard import check_finite


def format_eta(seconds):
    """'H:MM:SS' for a number of seconds."""
    seconds = max(0, int(seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


@dataclass
class Step:
    """One finished optimizer step.

    Attributes:
        unit: the unit (iteration or epoch, 1-based) the step belongs to.
        loss: total loss of the step.
        lr: learning rate used.
        step: 1-based step inside the unit, and `steps` the unit's step count; None when a unit is one step.
        reader_cost: seconds spent waiting for data.
        batch_cost: seconds of the whole step (None: measured by Progress between calls).
        samples: samples processed by all processes in the step.
        parts: named loss components {name: value}, shown in the log line.
    """

    unit: int
    loss: float
    lr: float
    step: int = None
    steps: int = None
    reader_cost: float = 0.0
    batch_cost: float = None
    samples: int = 0
    parts: dict = field(default_factory=dict)

    @property
    def position(self):
        """The step as a fractional unit (epoch 2, iteration 3 of 4 -> 1.75); the unit itself for one-step units."""
        if not self.steps:
            return self.unit
        value = round(self.unit - 1 + self.step / self.steps, 4)
        return int(value) if value == int(value) else value


class Progress:
    """Averages step timings and losses between log lines.

    Args:
        total: last unit number of the run.
        unit_name: 'iter' or 'epoch'.
        log: callable(str) that writes a log line.
    """

    def __init__(self, total, unit_name, log):
        self.total = total
        self.unit_name = unit_name
        self.log = log
        self._reset()
        self.last = time.perf_counter()

    def _reset(self):
        self.n = 0
        self.loss = 0.0
        self.batch_cost = 0.0
        self.reader_cost = 0.0
        self.samples = 0
        self.parts = {}

    def step(self, loss, reader_cost, samples, batch_cost=None, parts=None):
        """Record one finished step (its loss, data-loading seconds, samples, and optionally its own duration)."""
        now = time.perf_counter()
        self.batch_cost += (now - self.last) if batch_cost is None else batch_cost
        self.last = now
        self.reader_cost += reader_cost
        self.loss += loss
        self.samples += samples
        self.n += 1
        self.parts = dict(parts or {})

    def restart_clock(self):
        """Exclude time spent outside steps (evaluation, saving) from the next step's cost."""
        self.last = time.perf_counter()

    def flush(self, unit, lr, extra="", step=None, steps=None):
        """Write one averaged line and return the mean loss (None when nothing was recorded).

        With `step`/`steps` (a unit of several steps) the line names both, e.g. `epoch: 2/40, iter: 5/12`, and the
        ETA counts the steps left in this unit and in the units after it.
        """
        if not self.n:
            return None
        loss, cost = self.loss / self.n, self.batch_cost / self.n
        ips = self.samples / self.batch_cost if self.batch_cost > 0 else 0.0
        where, seconds = f"{self.unit_name}: {unit}/{self.total}", ""
        left = self.total - unit
        if steps:  # ppdet's style: epoch and iteration, costs in seconds
            where += f", iter: {step}/{steps}"
            left, seconds = (steps - step) + left * steps, " s"
        parts = "".join(f", {k}: {v:.4f}" for k, v in self.parts.items())
        self.log(f"[TRAIN] {where}, loss: {loss:.4f}{parts}, lr: {lr:.6f}, batch_cost: {cost:.4f}{seconds}, "
                 f"reader_cost: {self.reader_cost / self.n:.5f}, ips: {ips:.4f} samples/sec"
                 f"{extra} | ETA {format_eta(cost * left)}")
        self._reset()
        return loss


class StepLogger:
    """The one per-step policy of training: NaN guard on every step, a log line every `interval` steps.

    One-step units log at every `interval`-th unit and at the last one; several-step units log at every
    `interval`-th step of the unit and at its last step, so there is at least one line per unit (epoch).

    Args:
        total: last unit of the run.
        unit_name: 'iter' or 'epoch'.
        log: callable(str) for the lines.
        interval: Train.log_interval (iterations).
        hint: the divergence hint (what to try when the loss is NaN/Inf).
        on_flush: callable(step, mean_loss) called after each line (history, VisualDL); optional.
        emit: False on the non-zero ranks of a multi-process run (guard only, no lines).
    """

    def __init__(self, total, unit_name, log, interval, hint=None, on_flush=None, emit=True):
        self.progress = Progress(total, unit_name, log)
        self.total, self.unit_name = total, unit_name
        self.interval = max(1, int(interval))
        self.hint, self.on_flush, self.emit = hint, on_flush, emit

    def __call__(self, step):
        where = step.unit if not step.steps else f"{step.unit}, iter {step.step}"
        if self.hint:
            check_finite(step.loss, self.unit_name, where, hint=self.hint)
        else:
            check_finite(step.loss, self.unit_name, where)
        self.progress.step(step.loss, step.reader_cost, step.samples, step.batch_cost, step.parts)
        if step.steps:
            due = step.step % self.interval == 0 or step.step == step.steps
        else:
            due = step.unit % self.interval == 0 or step.unit == self.total
        if due and self.emit:
            loss = self.progress.flush(step.unit, step.lr, step=step.step, steps=step.steps)
            if self.on_flush is not None:
                self.on_flush(step, loss)
        elif due:
            self.progress._reset()  # a silent rank keeps no window

    def restart_clock(self):
        """See Progress.restart_clock."""
        self.progress.restart_clock()


class Tee:
    """A text stream writing to a console stream and a log file (suite libraries print instead of logging).

    Args:
        stream: the original stream (sys.stdout).
        path: log file to append to.
    """

    def __init__(self, stream, path):
        self.stream = stream
        self.file = open(path, "a", encoding="utf-8")

    def write(self, text):
        self.stream.write(text)
        self.file.write(text)
        return len(text)

    def flush(self):
        self.stream.flush()
        self.file.flush()

    def close(self):
        self.file.close()

    def __getattr__(self, name):
        return getattr(self.stream, name)
