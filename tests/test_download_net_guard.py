"""The suite's network guard (tests/net_guard): remote hosts are refused and recorded, in-process and in
subprocesses; the loopback test server stays reachable."""
import os
import subprocess
import sys
import urllib.request

import pytest

from conftest import NET_GUARD_DIR
from predict_fixtures import LoopbackServer

PROBE = """
import socket, urllib.request
for target in ("http://10.255.255.1:81/x", "http://paddle-model-ecology.bj.bcebos.com/x"):
    try:
        urllib.request.urlopen(target, timeout=2)
    except OSError as e:
        print("refused", target, e)
s = socket.socket()
try:
    s.connect(("10.255.255.2", 82))
except OSError as e:
    print("refused raw", e)
"""


def test_subprocess_is_guarded_and_reported(tmp_path):
    """A main.py-like subprocess inherits the guard via PYTHONPATH; both remote attempts land in the log."""
    log = tmp_path / "guard.log"
    env = dict(os.environ, PXT_NET_GUARD_LOG=str(log))  # a private log: the session's would fail this test
    proc = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("net guard") == 3, proc.stdout
    recorded = log.read_text()
    assert "resolve 10.255.255.1" in recorded and "resolve paddle-model-ecology.bj.bcebos.com" in recorded
    assert "connect to ('10.255.255.2', 82)" in recorded


def test_loopback_and_this_machine_are_allowed(tmp_path):
    (tmp_path / "a.txt").write_text("hello")
    server = LoopbackServer(tmp_path)
    try:
        with urllib.request.urlopen(f"{server.url}/a.txt", timeout=5) as resp:
            assert resp.read() == b"hello"
        port = server.url.rsplit(":", 1)[1].split("/")[0]
        with urllib.request.urlopen(f"http://localhost:{port}/a.txt", timeout=5) as resp:
            assert resp.read() == b"hello"
    finally:
        server.close()


def test_in_process_attempt_is_refused(monkeypatch, tmp_path):
    """The pytest process itself is guarded too (checked with a private log for the same reason as above)."""
    monkeypatch.setenv("PXT_NET_GUARD_LOG", str(tmp_path / "guard.log"))
    with pytest.raises(OSError, match="net guard"):
        urllib.request.urlopen("http://192.0.2.1/x", timeout=2)
    assert "192.0.2.1" in (tmp_path / "guard.log").read_text()
    assert NET_GUARD_DIR.name in os.environ["PYTHONPATH"]
