"""Guarded URL inputs (serving/url_fetch.py) against loopback servers: private addresses refused unless allowed,
every redirect re-checked, http(s) only, a stalled or oversize download stopped, HTTP errors reported."""
import http.server
import time

import pytest

from predict_fixtures import serve_handler
from paddlex_train.serving import url_fetch
from paddlex_train.serving.envelope import ApiError

PAYLOAD = b"\x89PNG fake image bytes" * 10


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        try:
            self._route()
        except OSError:  # the client under test hung up on purpose
            pass

    def _route(self):
        route = self.path.split("?")[0]
        if route == "/image":
            self._send(200, PAYLOAD)
        elif route.startswith("/redirect/"):  # /redirect/<n>/<target url without scheme>
            _, _, count, target = self.path.split("/", 3)
            location = f"/redirect/{int(count) - 1}/{target}" if int(count) > 1 else "http://" + target
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif route == "/to_file":
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()
        elif route == "/stall":
            time.sleep(5)
        elif route == "/trickle":
            self.send_response(200)
            self.end_headers()
            for _ in range(50):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.1)
        elif route == "/endless":  # no Content-Length, more bytes than any cap
            self.send_response(200)
            self.end_headers()
            for _ in range(100):
                self.wfile.write(b"y" * 65536)
        elif route == "/huge":
            self.send_response(200)
            self.send_header("Content-Length", str(1 << 30))
            self.end_headers()
        else:
            self._send(404, b"nope")

    def _send(self, status, body):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    with serve_handler(_Handler) as port:
        yield f"127.0.0.1:{port}"


def _fail(url, kind, allow=True, timeout=5.0, max_bytes=1 << 20):
    with pytest.raises(ApiError) as info:
        url_fetch.fetch_url(url, timeout, max_bytes, allow_private=allow)
    assert info.value.status == 422 and info.value.field == "body.image" and info.value.kind == kind, \
        info.value.message
    return info.value.message


def test_loopback_refused_by_default_and_allowed_with_the_flag(server):
    message = _fail(f"http://{server}/image", "url_forbidden", allow=False)
    assert "loopback" in message and "--allow-private-urls" in message
    _fail(f"http://localhost:{server.split(':')[1]}/image", "url_forbidden", allow=False)
    assert url_fetch.fetch_url(f"http://{server}/image", 5, 1 << 20, allow_private=True) == PAYLOAD


@pytest.mark.parametrize("address,kind", [("10.1.2.3", "private"), ("192.168.0.1", "private"),
                                          ("169.254.169.254", "link-local"), ("::1", "loopback"),
                                          ("::ffff:127.0.0.1", "loopback"), ("100.64.0.1", "non-public"),
                                          ("0.0.0.0", "unspecified"), ("fd00:ec2::254", "private")])
def test_address_policy(address, kind):
    assert url_fetch.address_refusal(address) == kind
    assert url_fetch.address_refusal("8.8.8.8") is None


def test_every_redirect_is_rechecked(server, monkeypatch):
    port = server.split(":")[1]
    # Allow 127.0.0.1 (the first hop) but not 127.0.0.2, as if the first host were public and the second private.
    monkeypatch.setattr(url_fetch, "address_refusal", lambda ip: "private" if ip == "127.0.0.2" else None)
    assert url_fetch.fetch_url(f"http://{server}/redirect/2/{server}/image", 5, 1 << 20) == PAYLOAD
    message = _fail(f"http://{server}/redirect/2/127.0.0.2:{port}/image", "url_forbidden", allow=False)
    assert "127.0.0.2" in message
    _fail(f"http://{server}/to_file", "url_scheme")
    assert "redirects" in _fail(f"http://{server}/redirect/9/{server}/image", "url_error")


def test_stalled_and_trickling_downloads_are_stopped(server):
    start = time.monotonic()
    _fail(f"http://{server}/stall", "url_timeout", timeout=0.5)
    assert time.monotonic() - start < 2
    start = time.monotonic()
    _fail(f"http://{server}/trickle", "url_timeout", timeout=1.0)
    assert time.monotonic() - start < 3


def test_oversize_downloads_are_stopped(server):
    start = time.monotonic()
    assert "announces" in _fail(f"http://{server}/huge", "too_large")
    assert "sent more than" in _fail(f"http://{server}/endless", "too_large", max_bytes=200_000)
    assert time.monotonic() - start < 3


def test_http_errors_and_schemes(server):
    assert "HTTP 404" in _fail(f"http://{server}/missing", "url_status")
    _fail("ftp://example.com/a.png", "url_scheme")
    _fail("http://127.0.0.1:1/a.png", "url_error")  # nothing listens on port 1
