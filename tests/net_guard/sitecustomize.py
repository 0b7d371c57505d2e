"""Network guard of the test suite: no test may reach beyond this machine.

tests/conftest.py installs it in the pytest process and puts this folder first on PYTHONPATH, so that every Python
subprocess a test starts (main.py, paddle's distributed workers) imports it at start-up as `sitecustomize`.
Each attempt to resolve a remote host name or to connect to an address that is not this machine's is refused
(an OSError, as offline) and recorded in the file named by $PXT_NET_GUARD_LOG; conftest fails the test that made
it. Loopback and this machine's own addresses stay allowed (the loopback test servers, paddle's local launch).
"""
import ipaddress
import os
import socket

LOG_VARIABLE = "PXT_NET_GUARD_LOG"
_LOCAL_NAMES = {"", "localhost", "localhost.localdomain", "ip6-localhost"}
_is_local_cache = {}


def _record(what):
    path = os.environ.get(LOG_VARIABLE)
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"pid {os.getpid()}: {what}\n")


def _is_local_address(host):
    """Loopback, unspecified, or bound to one of this machine's interfaces (a bind test decides)."""
    if host in _is_local_cache:
        return _is_local_cache[host]
    try:
        ip = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    local = ip.is_loopback or ip.is_unspecified
    if not local:
        probe = _real_socket(socket.AF_INET6 if ip.version == 6 else socket.AF_INET, socket.SOCK_DGRAM)
        try:
            probe.bind((host, 0))
            local = True
        except OSError:
            local = False
        finally:
            probe.close()
    _is_local_cache[host] = local
    return local


def _is_local_name(host):
    if host is None:
        return True
    host = host.decode() if isinstance(host, bytes) else str(host)
    if host.lower() in _LOCAL_NAMES or host == socket.gethostname():
        return True
    try:
        ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    return _is_local_address(host)


_real_socket = socket.socket
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _check(sock, address):
    if sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
        host = str(address[0])
        if not _is_local_address(host):
            _record(f"connect to {address}")
            raise OSError(f"[net guard] the test suite may not connect to {host}")


def _connect(self, address):
    _check(self, address)
    return _real_connect(self, address)


def _connect_ex(self, address):
    _check(self, address)
    return _real_connect_ex(self, address)


def _getaddrinfo(host, *args, **kwargs):
    if not _is_local_name(host):
        _record(f"resolve {host}")
        raise socket.gaierror(socket.EAI_NONAME, f"[net guard] the test suite may not resolve {host}")
    return _real_getaddrinfo(host, *args, **kwargs)


def install():
    """Patch the socket module (idempotent)."""
    socket.socket.connect = _connect
    socket.socket.connect_ex = _connect_ex
    socket.getaddrinfo = _getaddrinfo


if os.environ.get(LOG_VARIABLE):
    install()
