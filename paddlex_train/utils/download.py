"""Downloads (pretrained weights by URL, predict inputs by URL): timeout, size cap, atomic, clear offline errors."""
import hashlib
import os
import urllib.error
import urllib.request
from pathlib import Path

from ..errors import PxtError


def cache_root():
    """The download cache: $PADDLEX_TRAIN_CACHE, else ~/.cache/paddlex_train.

    Read on every call (not at import) so a caller or a test that sets the variable later is obeyed.
    """
    return Path(os.environ.get("PADDLEX_TRAIN_CACHE") or Path.home() / ".cache" / "paddlex_train")


def is_url(text):
    """Whether `text` is an http(s) URL."""
    return isinstance(text, str) and text.lower().startswith(("http://", "https://"))


def cache_path(url, cache_dir=None):
    """Where `url` is cached: <cache>/<sha1 of url>/<basename>."""
    name = url.rstrip("/").split("/")[-1].split("?")[0] or "download"
    digest = hashlib.sha1(url.encode("utf-8")).hexdigest()[:16]
    return Path(cache_dir or cache_root()) / digest / name


def download(url, dest, timeout=30, max_bytes=None, what="file"):
    """Download `url` to `dest` (via a .part file and a rename) and return `dest`.

    Args:
        url: http(s) URL.
        dest: target file path.
        timeout: seconds for connecting and for each read.
        max_bytes: refuse bodies larger than this (checked on Content-Length and while reading).
        what: what is downloaded, for messages ("pretrained weights", "input image").

    Raises:
        PxtError: on network failure, HTTP error, or a body over max_bytes; the message names the URL.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    too_big = PxtError(f"Could not download {what} from {url}: larger than the limit of {max_bytes} bytes.",
                       hint="download it yourself and pass the local path")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            length = resp.headers.get("Content-Length")
            if max_bytes is not None and length is not None and int(length) > max_bytes:
                raise too_big
            received = 0
            with open(part, "wb") as f:
                while True:
                    chunk = resp.read(1 << 20)
                    if not chunk:
                        break
                    received += len(chunk)
                    if max_bytes is not None and received > max_bytes:
                        raise too_big
                    f.write(chunk)
    except urllib.error.HTTPError as e:
        part.unlink(missing_ok=True)
        raise PxtError(f"Could not download {what} from {url}: HTTP {e.code} {e.reason}.",
                       hint="check the URL") from None
    except (urllib.error.URLError, OSError, ValueError) as e:
        part.unlink(missing_ok=True)
        if isinstance(e, PxtError):
            raise
        reason = getattr(e, "reason", e)
        raise PxtError(f"Could not download {what} from {url}: {reason}.",
                       hint="no network? download the file on a connected machine and pass its local path") from None
    except PxtError:
        part.unlink(missing_ok=True)
        raise
    os.replace(part, dest)
    return dest


def fetch_cached(url, cache_dir=None, **kwargs):
    """Return the cached copy of `url`, downloading it first if needed."""
    path = cache_path(url, cache_dir)
    return path if path.is_file() else download(url, path, **kwargs)
