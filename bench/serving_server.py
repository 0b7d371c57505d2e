"""A `python main.py --serve ...` subprocess on a free loopback port, for the serving tests and benches."""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent


def free_port():
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """Starts the server as a user would and waits until /health answers (the model is loaded by then).

    Args:
        args: main.py arguments after `--serve` (e.g. --pipeline ... --model_dir ...).
        log_path: where stdout+stderr go.
    """

    def __init__(self, *args, log_path, env=None, timeout=240):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(log_path)
        self._log = open(self.log_path, "w", encoding="utf-8")
        full_env = {**os.environ, "OMP_NUM_THREADS": "1", **(env or {})}
        self.proc = subprocess.Popen([sys.executable, str(REPO / "main.py"), "--serve", *map(str, args),
                                      "--host", "127.0.0.1", "--port", str(self.port)],
                                     stdout=self._log, stderr=subprocess.STDOUT, env=full_env, cwd=REPO)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log()}")
            try:
                if requests.get(self.url + "/health", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"server did not start within {timeout} s:\n{self.log()}")

    def log(self):
        """Everything the server printed so far."""
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def post(self, path, body, timeout=60):
        """POST JSON; returns the requests Response."""
        return requests.post(self.url + path, json=body, timeout=timeout)

    def terminate(self):
        """Send SIGTERM (as `kill` or a container runtime does)."""
        self.proc.send_signal(signal.SIGTERM)

    def stop(self, timeout=60):
        """SIGTERM and wait; returns the exit code."""
        if self.proc.poll() is None:
            self.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode
