"""Run the server: one process, or N worker processes sharing the port (SO_REUSEPORT, Linux).

Every worker loads its model first and only then opens (binds) the port, so a bad model directory fails at start
and no request ever meets an unloaded model. With several workers each one binds its own socket on the same
port and the kernel spreads connections across them; `--device gpu:0,1` gives worker i the device gpu:(i mod 2).
SIGTERM / Ctrl-C: uvicorn stops accepting, lets in-flight requests finish (up to the request deadline), then the
process exits 0; the supervisor forwards the signal to its workers and waits for them.
"""
import logging
import multiprocessing
import os
import signal
import socket
import sys
from dataclasses import dataclass

from ..errors import ConfigError, PxtError
from ..log import get_logger


@dataclass(frozen=True)
class ServeOptions:
    """The command line of `main.py --serve`."""

    pipeline: str
    model_dir: str = None
    device: str = None
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    allow_private_urls: bool = False


def worker_devices(device, workers):
    """The device string of each worker: a list of ids (gpu:0,1) is shared out round-robin."""
    from ..device import parse_device

    if device is None:
        return [None] * workers
    parsed = parse_device(device)
    if len(parsed.ids) <= 1:
        return [str(parsed)] * workers
    return [f"{parsed.type}:{parsed.ids[i % len(parsed.ids)]}" for i in range(workers)]


def bind(host, port, reuse_port=False):
    """A listening socket, or ConfigError naming the address when it cannot be bound."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as error:
        raise ConfigError(f"Cannot listen on {host}:{port}: {error.strerror or error}.",
                          hint="pick a free port with --port, or stop the program using it") from None
    sock.set_inheritable(True)
    return sock


def _log_config():
    """uvicorn's logging, minus /health and /ready lines in the access log (PaddleX filters /health too)."""
    from uvicorn.config import LOGGING_CONFIG

    config = {**LOGGING_CONFIG, "filters": {"probes": {"()": f"{__name__}._ProbeFilter"}}}
    config["handlers"] = {k: dict(v) for k, v in LOGGING_CONFIG["handlers"].items()}
    config["handlers"]["access"]["filters"] = ["probes"]
    config["loggers"] = {**LOGGING_CONFIG["loggers"], "paddlex_train.serving": {
        "handlers": ["default"], "level": "INFO", "propagate": False}}
    return config


class _ProbeFilter(logging.Filter):
    def filter(self, record):
        return not any(f'"GET {p} ' in record.getMessage() for p in ("/health", "/ready"))


def run_worker(service, sock):
    """Serve `service` on the already bound `sock` until SIGTERM/SIGINT (blocking)."""
    import uvicorn

    from .app import create_app

    config = uvicorn.Config(create_app(service), log_config=_log_config(), lifespan="on", server_header=False,
                            timeout_graceful_shutdown=int(service.settings.request_timeout) + 5)
    # uvicorn handles SIGTERM/SIGINT itself (graceful shutdown), then re-raises the signal to the handler that was
    # installed before it: a no-op here, so a requested stop ends the process with exit code 0, not "killed".
    install_stop_handlers(lambda signum: None)
    uvicorn.Server(config).run(sockets=[sock])


def _worker_main(options, device, conn):
    """Entry of a spawned worker: load, bind (SO_REUSEPORT), report, serve; a failure is sent as one line."""
    from .loader import load_service

    # Own process group: Ctrl-C in a terminal reaches only the supervisor, which then sends each worker one SIGTERM
    # (a second signal would make uvicorn drop the requests in flight).
    os.setpgrp()
    try:
        service = load_service(options.pipeline, options.model_dir, device, options.allow_private_urls)
        sock = bind(options.host, options.port, reuse_port=True)
    except PxtError as error:
        conn.send(("error", error.one_line()))
        sys.exit(getattr(error, "exit_code", 1))
    except Exception as error:  # noqa: BLE001 (reported by the supervisor as one line)
        conn.send(("error", f"Internal error: {type(error).__name__}: {error}"))
        sys.exit(1)
    conn.send(("ready", service.info))
    conn.close()
    run_worker(service, sock)


def serve(options):
    """Load, bind and serve; returns the exit code. PxtErrors (bad model, port in use) propagate to the CLI."""
    from .loader import load_service

    if options.workers < 1:
        raise ConfigError(f"--workers={options.workers} must be at least 1.")
    devices = worker_devices(options.device, options.workers)
    if options.workers == 1:
        service = load_service(options.pipeline, options.model_dir, devices[0], options.allow_private_urls)
        sock = bind(options.host, options.port)
        get_logger().info(f"Serving {service.info.get('modelName')} at http://{options.host}:{options.port}"
                          f"{service.info['endpoint']} (1 worker, device {service.info['device']})")
        run_worker(service, sock)
        return 0
    from .supervisor import supervise

    return supervise(options, devices, _worker_main)


def install_stop_handlers(on_stop):
    """Call `on_stop(signum)` on SIGTERM and SIGINT."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, _frame: on_stop(signum))


def spawn_context():
    """Workers start fresh (spawn): no Paddle state is shared with the supervisor."""
    return multiprocessing.get_context("spawn")
