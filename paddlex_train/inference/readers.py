"""Predict inputs: expand paths, directories, URLs, arrays and lists into items, then read them as RGB images.

Channel order: like PaddleX's `ReadImage(format="RGB")`, a numpy array input is taken to be **BGR** (as
`cv2.imread` returns it) and converted to RGB; files and URLs are decoded and converted the same way. A 2-D
array is grey, a 4-channel array is BGRA (alpha dropped). Arrays must be uint8.
"""
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..utils.download import cache_root, fetch_cached, is_url
from ..utils.images import IMAGE_EXTS
URL_TIMEOUT = 30  # seconds for connect and each read
URL_MAX_BYTES = 50 * 1024 * 1024  # a predict input larger than this is almost certainly not an image


@dataclass
class Source:
    """One predict input before reading: a path, a URL, or an array."""

    value: object
    index: int

    @property
    def input_path(self):
        """The path or URL as given (None for arrays)."""
        return None if isinstance(self.value, np.ndarray) else str(self.value)

    @property
    def stem(self):
        """A file-name stem for outputs: the file's stem, the URL's last part, or `ndarray_<i>` for arrays."""
        if self.input_path is None:
            return f"ndarray_{self.index}"
        name = self.input_path.rstrip("/").split("/")[-1].split("?")[0]
        return Path(name).stem or f"input_{self.index}"


def expand_inputs(inputs, what="input"):
    """Turn a predict input into a list of Sources (directories listed recursively, sorted).

    Args:
        inputs: a path, directory, http(s) URL, numpy array, or a list/tuple of any of these.
        what: how the input was given, for messages ("Predict.input", "input").

    Raises:
        InputError: for a missing path, an empty directory, an empty list or an unsupported type.
    """
    values = []

    def add(item):
        if isinstance(item, np.ndarray):
            values.append(item)
        elif isinstance(item, (str, Path)):
            text = str(item)
            if is_url(text):
                values.append(text)
                return
            path = Path(text).expanduser()
            if path.is_dir():
                found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_EXTS
                               and not any(part.startswith(".") for part in p.relative_to(path).parts))
                if not found:
                    raise InputError(f"{what} directory {path} contains no images.",
                                   hint=f"image files end in {', '.join(IMAGE_EXTS)}")
                values.extend(str(p) for p in found)
            elif path.is_file():
                values.append(str(path))
            else:
                raise InputError(f"{what} {text} does not exist.",
                               hint="give an image file, a directory of images, an http(s) URL, or a list of these")
        elif isinstance(item, (list, tuple)):
            for sub in item:
                add(sub)
        else:
            raise InputError(f"{what} has an unsupported type {type(item).__name__}.",
                           hint="give a path, directory, URL, numpy.ndarray (BGR, uint8) or a list of these")

    if inputs is None:
        raise InputError(f"No {what} given.", hint="set Predict.input (or pass --input) to an image, directory or URL")
    add(inputs)
    if not values:
        raise InputError(f"{what} is an empty list.", hint="give at least one image")
    return [Source(v, i) for i, v in enumerate(values)]


def _to_rgb(array, what):
    import cv2

    if array.dtype != np.uint8:
        raise InputError(f"{what} is a {array.dtype} array; uint8 is expected.",
                       hint="convert it with array.astype('uint8') (values 0..255, BGR order)")
    if array.ndim == 2:
        return cv2.cvtColor(array, cv2.COLOR_GRAY2RGB)
    if array.ndim == 3 and array.shape[2] == 3:
        return cv2.cvtColor(array, cv2.COLOR_BGR2RGB)
    if array.ndim == 3 and array.shape[2] == 4:
        return cv2.cvtColor(array, cv2.COLOR_BGRA2RGB)
    raise InputError(f"{what} has shape {array.shape}; expected HxW, HxWx3 (BGR) or HxWx4 (BGRA).")


def read_image(source, cache_dir=None):
    """Read a Source into an RGB uint8 (H, W, 3) array.

    URLs are downloaded (timeout URL_TIMEOUT s, at most URL_MAX_BYTES) into the download cache first.

    Raises:
        InputError (DownloadError for a URL): for a download failure, an unreadable/non-image file or a bad array.
    """
    import cv2

    value = source.value
    if isinstance(value, np.ndarray):
        return _to_rgb(value, f"input array #{source.index}")
    path = value
    if is_url(value):
        path = fetch_cached(value, cache_dir=cache_dir or cache_root() / "inputs", timeout=URL_TIMEOUT,
                            max_bytes=URL_MAX_BYTES, what="input image")
    try:
        data = np.fromfile(str(path), dtype=np.uint8)  # np.fromfile + imdecode also handles non-ASCII paths
    except OSError as e:
        raise InputError(f"Input {value} cannot be read: {e.strerror or e}.") from None
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if image is None:
        raise InputError(f"Input {value} is not a readable image.",
                       hint=f"predict accepts image files ({', '.join(IMAGE_EXTS)})")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
