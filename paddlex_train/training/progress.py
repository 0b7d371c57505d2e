"""Progress lines with loss, lr, timing, throughput (ips) and ETA, in the style of PaddleSeg's [TRAIN] lines."""
import time


def format_eta(seconds):
    """'H:MM:SS' for a number of seconds."""
    seconds = max(0, int(seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


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

    def step(self, loss, reader_cost, samples):
        """Record one finished step (its loss, data-loading seconds and number of samples)."""
        now = time.perf_counter()
        self.batch_cost += now - self.last
        self.last = now
        self.reader_cost += reader_cost
        self.loss += loss
        self.samples += samples
        self.n += 1

    def restart_clock(self):
        """Exclude time spent outside steps (evaluation, saving) from the next step's cost."""
        self.last = time.perf_counter()

    def flush(self, unit, lr, extra=""):
        """Write one averaged line and return the mean loss (None when nothing was recorded)."""
        if not self.n:
            return None
        loss, cost = self.loss / self.n, self.batch_cost / self.n
        ips = self.samples / self.batch_cost if self.batch_cost > 0 else 0.0
        self.log(f"[TRAIN] {self.unit_name}: {unit}/{self.total}, loss: {loss:.4f}, lr: {lr:.6f}, "
                 f"batch_cost: {cost:.4f}, reader_cost: {self.reader_cost / self.n:.5f}, ips: {ips:.4f} samples/sec"
                 f"{extra} | ETA {format_eta(cost * (self.total - unit))}")
        self._reset()
        return loss


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
