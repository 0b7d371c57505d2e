"""Image-file conventions shared by checking, conversion, splitting and prediction: the extensions we read as
images, and EXIF orientation (LabelMe, OpenCV and PaddleX's readers all show images upright, so sizes and
pixels are taken after the EXIF rotation)."""
from PIL import ImageOps

IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")
EXIF_ORIENTATION = 0x0112
_SWAPPING_ORIENTATIONS = (5, 6, 7, 8)  # EXIF orientations that rotate by 90 or 270 degrees


def is_image_file(path):
    """True for a file whose extension is one of IMAGE_EXTS (case-insensitive)."""
    return path.is_file() and path.suffix.lower() in IMAGE_EXTS


def exif_orientation(im):
    """The EXIF orientation tag of an open PIL image (1 = as stored; unreadable EXIF counts as 1)."""
    try:
        return im.getexif().get(EXIF_ORIENTATION, 1) or 1
    except (OSError, ValueError, SyntaxError):
        return 1


def exif_rotated(im):
    """True when an open PIL image carries an EXIF orientation other than 'as stored'."""
    return exif_orientation(im) != 1


def image_sizes(im):
    """(stored size, displayed size) of an open PIL image: they differ when EXIF rotates it by 90/270 degrees.

    Annotation tools (LabelMe) and OpenCV apply the EXIF orientation, so either size can be the right one.
    """
    w, h = im.size
    return (w, h), ((h, w) if exif_orientation(im) in _SWAPPING_ORIENTATIONS else (w, h))


def upright(im):
    """The image as displayed (EXIF orientation applied); a new image, or `im` itself when nothing to do."""
    return ImageOps.exif_transpose(im)


def same_picture(a, b, tolerance=8.0):
    """Do files `a` and `b` hold the same picture? Identical bytes, or one is the upright re-encoding of the other
    (what the instance LabelMe conversion stores for an EXIF-rotated image): same displayed pixels, give or
    take JPEG noise (mean absolute difference below `tolerance`)."""
    import filecmp

    import numpy as np
    from PIL import Image, UnidentifiedImageError

    if filecmp.cmp(a, b, shallow=False):
        return True
    try:
        with Image.open(a) as ia, Image.open(b) as ib:
            if not (exif_rotated(ia) or exif_rotated(ib)):
                return False
            ua, ub = upright(ia).convert("RGB"), upright(ib).convert("RGB")
            if ua.size != ub.size:
                return False
            diff = np.abs(np.asarray(ua, dtype=np.int16) - np.asarray(ub, dtype=np.int16))
            return float(diff.mean()) < tolerance
    except (OSError, UnidentifiedImageError, ValueError):
        return False
