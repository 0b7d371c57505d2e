"""Request images: base64 text -> bytes -> size checked from the header -> BGR array; and the JPEG answer.

These functions are blocking (CPU work); the app runs them in a thread pool, never on the event loop.
Every failure is an ApiError 422 naming `body.image`.
"""
import base64
import binascii
import io
import re

import numpy as np

from .envelope import ApiError

FIELD = "body.image"
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")
_DATA_URL = re.compile(r"^data:[^,;]*(;[^,;]*)*;base64,", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")


def bad_image(kind, message):
    """ApiError 422 about the image field."""
    return ApiError(422, FIELD, kind, message)


def url_scheme(text):
    """The scheme of a `scheme://...` string (lower case), or None for anything else (base64 text)."""
    m = _SCHEME.match(text)
    return m.group(1).lower() if m else None


def decode_base64(text, max_bytes):
    """The file bytes of a base64 `image` (a data: URL prefix and line breaks are tolerated)."""
    text = _DATA_URL.sub("", text.strip(), count=1)
    if not text:
        raise bad_image("value_error", "image is empty: send the image file's bytes base64-encoded, or an "
                                       "http(s) URL")
    # Size check before decoding: base64 is 4 characters per 3 bytes.
    if len(text) // 4 * 3 > max_bytes + 3 and len(_WHITESPACE.sub("", text)) // 4 * 3 > max_bytes + 3:
        raise bad_image("too_large", f"image is over the {max_bytes} byte limit (Serving.max_image_bytes)")
    compact = _WHITESPACE.sub("", text)
    try:
        data = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as error:
        try:  # URL-safe alphabet ('-', '_') is a common client choice
            data = base64.b64decode(compact, altchars=b"-_", validate=True)
        except (binascii.Error, ValueError):
            raise bad_image("base64_invalid", f"image is neither an http(s) URL nor valid base64 ({error}); "
                                              "send base64.b64encode(file_bytes).decode('ascii')") from None
    if len(data) > max_bytes:
        raise bad_image("too_large", f"image is {len(data)} bytes, over the {max_bytes} byte limit "
                                     "(Serving.max_image_bytes)")
    return data


def check_header(data, max_pixels):
    """Read width and height from the image header (no pixel decoding); ApiError when too many pixels.

    Returns:
        (width, height, format name).
    """
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as im:
            width, height, fmt = im.size[0], im.size[1], im.format
    except Image.DecompressionBombError:
        raise bad_image("too_large", f"image has too many pixels (over {max_pixels}, Serving.max_image_pixels); "
                                     "send a smaller image") from None
    except Exception:  # noqa: BLE001 (PIL raises many types for bytes it cannot identify)
        raise bad_image("image_invalid", f"image is not a readable image file ({len(data)} bytes decoded); send "
                                         "the base64 of a JPEG, PNG, BMP, TIFF or WebP file") from None
    if width * height > max_pixels:
        raise bad_image("too_large", f"image is {width}x{height} = {width * height} pixels, over the "
                                     f"{max_pixels} pixel limit (Serving.max_image_pixels)")
    if width < 1 or height < 1:
        raise bad_image("image_invalid", f"image is {width}x{height}: it has no pixels")
    return width, height, fmt


def decode_image(data, max_pixels):
    """Checked bytes -> BGR uint8 array (cv2.imdecode IMREAD_COLOR, as PaddleX reads request images)."""
    import cv2

    width, height, fmt = check_header(data, max_pixels)
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise bad_image("image_invalid", f"image ({fmt or 'unknown'} {width}x{height}) cannot be decoded; send a "
                                         "JPEG, PNG, BMP, TIFF or WebP file")
    if image.shape[0] * image.shape[1] > max_pixels:  # header and pixels disagree: trust the pixels
        raise bad_image("too_large", f"image has {image.shape[0] * image.shape[1]} pixels, over {max_pixels}")
    return image


def jpeg_base64(pil_image, quality=75):
    """base64 text of `pil_image` saved as JPEG (RGB)."""
    if pil_image.mode != "RGB":
        pil_image = pil_image.convert("RGB")
    buffer = io.BytesIO()
    pil_image.save(buffer, format="JPEG", quality=int(quality))
    return base64.b64encode(buffer.getvalue()).decode("ascii")
