"""Downloads (pretrained weights by URL, predict inputs by URL): timeout, size cap, atomic, once per URL across
processes (a file lock), a progress bar on a terminal, clear offline errors.

Environment:
    PADDLEX_TRAIN_CACHE: the download cache folder (default ~/.cache/paddlex_train). Copy it to an offline machine
        to give it the same weights.
    PADDLEX_TRAIN_OFFICIAL_URL_BASE: replaces PaddleX's model host prefix (PADDLEX_MODEL_HOST) in every URL fetched
        here: a mirror of the official files, or a loopback server in tests.
"""
import hashlib
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

from filelock import FileLock

from ..errors import DownloadError

PADDLEX_MODEL_HOST = "https://paddle-model-ecology.bj.bcebos.com/paddlex/official_pretrained_model/"
URL_BASE_VARIABLE = "PADDLEX_TRAIN_OFFICIAL_URL_BASE"


def cache_root():
    """The download cache: $PADDLEX_TRAIN_CACHE, else ~/.cache/paddlex_train.

    Read on every call (not at import) so a caller or a test that sets the variable later is obeyed.
    """
    return Path(os.environ.get("PADDLEX_TRAIN_CACHE") or Path.home() / ".cache" / "paddlex_train")


def is_url(text):
    """Whether `text` is an http(s) URL."""
    return isinstance(text, str) and text.lower().startswith(("http://", "https://"))


def effective_url(url):
    """`url` with PaddleX's model host replaced by $PADDLEX_TRAIN_OFFICIAL_URL_BASE when that is set."""
    base = os.environ.get(URL_BASE_VARIABLE)
    if base and url.startswith(PADDLEX_MODEL_HOST):
        return base.rstrip("/") + "/" + url[len(PADDLEX_MODEL_HOST):]
    return url


def cache_path(url, cache_dir=None):
    """Where `url` is cached: <cache>/<sha1 of url>/<basename>."""
    name = url.rstrip("/").split("/")[-1].split("?")[0] or "download"
    digest = hashlib.sha1(url.encode("utf-8")).hexdigest()[:16]
    return Path(cache_dir or cache_root()) / digest / name


def _progress_bar(total, name, enabled):
    """A tqdm bar on stderr when `enabled` (None: only when stderr is a terminal), else None."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=f"Downloading {name}",
                file=sys.stderr, leave=False)


def download(url, dest, timeout=30, max_bytes=None, what="file", progress=None):
    """Download `url` to `dest` (via a .part file and a rename) and return `dest`.

    Args:
        url: http(s) URL.
        dest: target file path.
        timeout: seconds for connecting and for each read.
        max_bytes: refuse bodies larger than this (checked on Content-Length and while reading).
        what: what is downloaded, for messages ("pretrained weights", "input image").
        progress: show a progress bar (None: when stderr is a terminal).

    Raises:
        DownloadError: on network failure, HTTP error, or a body over max_bytes; the message names the URL.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(f"{dest.name}.{os.getpid()}.part")
    too_big = DownloadError(f"Could not download {what} from {url}: larger than the limit of {max_bytes} bytes.",
                            hint="download it yourself and pass the local path")
    bar = None
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            length = resp.headers.get("Content-Length")
            if max_bytes is not None and length is not None and int(length) > max_bytes:
                raise too_big
            bar = _progress_bar(int(length) if length else None, dest.name, progress)
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
                    if bar is not None:
                        bar.update(len(chunk))
    except urllib.error.HTTPError as e:
        part.unlink(missing_ok=True)
        raise DownloadError(f"Could not download {what} from {url}: HTTP {e.code} {e.reason}.",
                            hint="check the URL") from None
    except DownloadError:
        part.unlink(missing_ok=True)
        raise
    except (urllib.error.URLError, OSError, ValueError) as e:
        part.unlink(missing_ok=True)
        reason = getattr(e, "reason", e)
        raise DownloadError(f"Could not download {what} from {url}: {reason}.",
                            hint="no network? download the file on a connected machine and pass its local "
                                 "path") from None
    finally:
        if bar is not None:
            bar.close()
    os.replace(part, dest)
    return dest


def fetch_cached(url, cache_dir=None, **kwargs):
    """Return the cached copy of `url` (after effective_url), downloading it first if needed.

    A file lock beside the cached file serialises concurrent fetches of one URL (the ranks of a multi-process
    launch, two runs at once): the first downloads, the others wait and then find the file.
    """
    url = effective_url(url)
    path = cache_path(url, cache_dir)
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".lock"):
        if path.is_file():
            return path
        return download(url, path, **kwargs)
