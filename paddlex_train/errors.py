"""The project's exception types.

Deep code raises these; only `paddlex_train.cli` turns them into exit codes and result files. Each error carries
a one-line message and, where we can give one, a hint saying how to fix the problem.
"""


class PxtError(Exception):
    """Base class of every error the toolkit reports to a user. Raise one of the subclasses below, never this
    class itself, so that the same mistake gets the same type (err_type) and exit code in every task and mode.

    Args:
        message: what went wrong, one line, naming the file or key involved.
        hint: how to fix it (optional), one line.
    """

    exit_code = 1

    def __init__(self, message, hint=None):
        super().__init__(message)
        self.message = str(message)
        self.hint = hint

    def one_line(self):
        """The message and hint joined into the single line printed on stderr."""
        text = " ".join(self.message.split())
        if self.hint:
            text += " Hint: " + " ".join(str(self.hint).split())
        return text

    def __str__(self):
        return self.one_line()


class ConfigError(PxtError):
    """A bad config file, override or command line (exit code 2)."""

    exit_code = 2


class DatasetError(PxtError):
    """The data set is missing, malformed or inconsistent."""


class BackendError(PxtError):
    """A training suite (PaddleSeg, PaddleDetection, Paddle) failed."""


class UnsupportedError(PxtError):
    """A module, mode or model that does not exist or is not available yet."""


class DownloadError(PxtError):
    """A file given by URL (weights, inputs) could not be downloaded (offline, HTTP error, too large)."""


class InputError(PxtError):
    """A file or directory the user named for prediction (an image, an input folder, an exported model directory)
    is missing or cannot be read."""


class TrainingDivergedError(PxtError):
    """The loss became NaN or Inf during training."""
