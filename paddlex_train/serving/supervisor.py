"""The supervisor of `--workers N`: start N worker processes, wait until each has loaded its model and bound the
port, forward SIGTERM/SIGINT, and restart a worker that dies on its own (a crash must not shrink the pool).
"""
import time
from multiprocessing.connection import wait

from ..errors import BackendError, ConfigError
from ..log import get_logger
from .server import bind, install_stop_handlers, spawn_context

_START_TIMEOUT = 600  # seconds for a worker to load its model
_MAX_RESTARTS_PER_MINUTE = 5


class _Pool:
    def __init__(self, options, devices, target):
        self.options, self.devices, self.target = options, devices, target
        self.context = spawn_context()
        self.procs = [None] * len(devices)
        self.stopping = False
        self.restarts = []

    def start(self, index):
        """Spawn worker `index` and wait for its ready/error message; returns the ready info."""
        parent, child = self.context.Pipe(duplex=False)
        proc = self.context.Process(target=self.target, args=(self.options, self.devices[index], child),
                                    name=f"serving-worker-{index}", daemon=False)
        proc.start()
        child.close()
        self.procs[index] = proc
        if not parent.poll(_START_TIMEOUT):
            raise BackendError(f"Worker {index} did not load its model within {_START_TIMEOUT} s.")
        try:
            kind, payload = parent.recv()
        except EOFError:
            raise BackendError(f"Worker {index} exited while loading the model (exit code {proc.exitcode}).") from None
        if kind == "error":
            raise BackendError(payload)
        return payload

    def stop(self, signum=None):
        self.stopping = True
        for proc in self.procs:
            if proc is not None and proc.is_alive():
                proc.terminate()  # SIGTERM: uvicorn's graceful shutdown

    def join(self):
        for proc in self.procs:
            if proc is not None:
                proc.join()


def _check_port_free(host, port):
    """Refuse a port someone already listens on (SO_REUSEPORT would silently share it with them)."""
    bind(host, port).close()


def supervise(options, devices, target):
    """Run the pool until stopped; returns 0 after a clean shutdown (BackendError when a worker fails to start)."""
    log = get_logger()
    _check_port_free(options.host, options.port)
    pool = _Pool(options, devices, target)
    install_stop_handlers(pool.stop)
    try:
        infos = [pool.start(i) for i in range(len(devices))]
    except (BackendError, ConfigError):
        pool.stop()
        pool.join()
        raise
    info = infos[0] or {}
    log.info(f"Serving {info.get('modelName')} at http://{options.host}:{options.port}{info.get('endpoint', '')} "
             f"({len(devices)} workers, devices {', '.join(str(i.get('device')) for i in infos)})")
    while not pool.stopping:
        alive = [p.sentinel for p in pool.procs if p is not None]
        wait(alive, timeout=1.0)
        for index, proc in enumerate(pool.procs):
            if pool.stopping or proc.is_alive():
                continue
            now = time.monotonic()
            pool.restarts = [t for t in pool.restarts if now - t < 60] + [now]
            if len(pool.restarts) > _MAX_RESTARTS_PER_MINUTE:
                pool.stop()
                pool.join()
                raise BackendError(f"Workers keep dying (worker {index} exit code {proc.exitcode}); stopping.")
            log.warning(f"Worker {index} exited with code {proc.exitcode}; starting a new one.")
            pool.start(index)
    pool.join()
    log.info("All workers stopped.")
    return 0
