"""Logging: one logger for the toolkit, to stdout and to a file under Global.output."""
import logging
import sys

LOGGER_NAME = "paddlex_train"
_FORMAT = "[%(asctime)s] %(levelname)s %(message)s"


def get_logger():
    """The toolkit's logger (console handler attached once)."""
    logger = logging.getLogger(LOGGER_NAME)
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter(_FORMAT, "%H:%M:%S"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


def add_file_handler(path):
    """Also write the log to `path` (appending); returns the handler so callers can remove it."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter(_FORMAT, "%Y-%m-%d %H:%M:%S"))
    get_logger().addHandler(handler)
    return handler


def remove_handler(handler):
    """Detach and close a handler added by add_file_handler."""
    get_logger().removeHandler(handler)
    handler.close()
