"""VisualDL scalars (a no-op writer when visualdl is not installed or on non-zero ranks)."""


class ScalarWriter:
    """Thin wrapper over visualdl.LogWriter.

    Args:
        logdir: directory for the VisualDL log files, or None to disable.
    """

    def __init__(self, logdir):
        self._writer = None
        if logdir is None:
            return
        try:
            from visualdl import LogWriter
        except ImportError:
            return
        self._writer = LogWriter(logdir=str(logdir))

    def add(self, tag, value, step):
        """Record one scalar."""
        if self._writer is not None and value is not None:
            self._writer.add_scalar(tag=tag, value=float(value), step=int(step))

    def close(self):
        """Flush and close the log."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
