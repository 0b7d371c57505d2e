"""Guarded download of an `image` given as a URL (blocking; the app calls it from a thread).

- http and https only; at most `max_redirects` redirects, each re-checked like the first URL.
- The host is resolved once and the connection goes to the address that was checked (so a second DNS answer
  cannot swap in a private address). Addresses that are not globally routable (loopback, private, link-local,
  metadata 169.254.169.254, CGNAT, multicast, reserved) are refused unless `allow_private` is set.
- One deadline for the whole download (connect, redirects, body): a server that trickles bytes is stopped too.
- A byte cap: a Content-Length over it is refused before reading; a body growing past it is cut off.
Proxy environment variables are ignored: the server connects directly.
"""
import http.client
import ipaddress
import socket
import ssl
import time
from urllib.parse import urljoin, urlsplit

from .images import bad_image

_REDIRECTS = (301, 302, 303, 307, 308)
_CHUNK = 64 * 1024


def address_refusal(ip_text):
    """Why `ip_text` may not be fetched without --allow-private-urls, or None when it is a public address."""
    ip = ipaddress.ip_address(ip_text.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for kind in ("loopback", "unspecified", "link_local", "private", "multicast", "reserved"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    if not ip.is_global:
        return "non-public"
    return None


def _resolve(host, port, allow_private):
    """The first acceptable (family, address) of `host`; refuses when any address is private (unless allowed)."""
    try:
        literal = ipaddress.ip_address(host.split("%")[0])  # an address literal is checked without DNS
    except ValueError:
        literal = None
    try:
        if literal is not None:
            family = socket.AF_INET6 if literal.version == 6 else socket.AF_INET
            infos = [(family, socket.SOCK_STREAM, 0, "", (host, port) if family == socket.AF_INET
                      else (host, port, 0, 0))]
        else:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise bad_image("url_error", f"image URL host {host!r} cannot be resolved ({error})") from None
    if not infos:
        raise bad_image("url_error", f"image URL host {host!r} has no address")
    if not allow_private:
        for info in infos:
            why = address_refusal(info[4][0])
            if why:
                raise bad_image("url_forbidden",
                                f"image URL host {host!r} resolves to the {why} address {info[4][0]}, which the "
                                "server does not fetch; send the image as base64, or start the server with "
                                "--allow-private-urls (Serving.allow_private_urls: true)")
    return infos[0][0], infos[0][4]


class _PinnedHTTP(http.client.HTTPConnection):
    """HTTPConnection to an already checked address (Host header stays the URL's host)."""

    def __init__(self, host, port, address, family, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address, self._family = address, family

    def connect(self):
        self.sock = socket.socket(self._family, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self._address)


class _PinnedHTTPS(_PinnedHTTP):
    """HTTPS to a checked address, with certificate and host name verified against the URL's host."""

    def connect(self):
        super().connect()
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(self.sock, server_hostname=self.host)


def _remaining(deadline, what):
    left = deadline - time.monotonic()
    if left <= 0:
        raise bad_image("url_timeout", f"image URL {what} took longer than the download time limit "
                                       "(Serving.url_timeout)")
    return left


def _read_body(response, max_bytes, deadline, url):
    length = response.getheader("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise bad_image("too_large", f"image URL {url} announces {int(length)} bytes, over the {max_bytes} byte "
                                     "limit (Serving.max_image_bytes)")
    parts, size = [], 0
    while True:
        # Each read waits at most the socket timeout (set at connect); the deadline is checked between reads,
        # so a trickling server is stopped within about twice the download limit at worst.
        chunk = response.read1(_CHUNK)
        if not chunk:
            break
        size += len(chunk)
        if size > max_bytes:
            raise bad_image("too_large", f"image URL {url} sent more than the {max_bytes} byte limit "
                                         "(Serving.max_image_bytes)")
        parts.append(chunk)
        _remaining(deadline, "download")
    return b"".join(parts)


def fetch_url(url, timeout, max_bytes, allow_private=False, max_redirects=5):
    """Download `url` under the rules in the module docstring; returns the body bytes or raises ApiError 422."""
    deadline = time.monotonic() + float(timeout)
    for _ in range(int(max_redirects) + 1):
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise bad_image("url_scheme", f"image URL scheme {scheme!r} is not allowed; use http or https")
        if not parts.hostname:
            raise bad_image("url_error", f"image URL {url!r} has no host")
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError:
            raise bad_image("url_error", f"image URL {url!r} has an invalid port") from None
        family, address = _resolve(parts.hostname, port, allow_private)
        cls = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
        conn = cls(parts.hostname, port, address, family, _remaining(deadline, "connection"))
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        try:
            conn.request("GET", path, headers={"User-Agent": "paddlex_train-serving", "Accept": "image/*"})
            response = conn.getresponse()
            if response.status in _REDIRECTS:
                location = response.getheader("Location")
                if not location:
                    raise bad_image("url_error", f"image URL {url} redirects without a Location")
                url = urljoin(url, location)
                continue
            if response.status != 200:
                raise bad_image("url_status", f"image URL {url} answered HTTP {response.status} "
                                              f"{response.reason}".rstrip())
            return _read_body(response, max_bytes, deadline, url)
        except (socket.timeout, TimeoutError):
            raise bad_image("url_timeout", f"image URL {url} did not answer within the download time limit "
                                           "(Serving.url_timeout)") from None
        except (OSError, http.client.HTTPException) as error:
            raise bad_image("url_error", f"image URL {url} cannot be fetched ({type(error).__name__}: {error})") \
                from None
        finally:
            conn.close()
    raise bad_image("url_error", f"image URL made more than {max_redirects} redirects (Serving.max_redirects)")
