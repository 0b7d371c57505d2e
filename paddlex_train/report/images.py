"""Pictures for the report as data URIs: thumbnails of files and arrays, and downsampled training curves."""
import base64
import io
from pathlib import Path

THUMB_PX = 360          # longest side of an inlined picture: keeps a 24-image predict grid well under 5 MB
MAX_CURVE_POINTS = 600  # per series; a 10,000-iteration run is downsampled to this many points


def image_uri(source, max_side=THUMB_PX, fmt=None):
    """A `data:` URI of `source` (a path or a PIL image) scaled to fit `max_side`; None if it cannot be read.

    Photos are stored as JPEG; label maps, overlays of flat colours and plots as PNG (no blurred edges).
    """
    from PIL import Image

    try:
        im = source if isinstance(source, Image.Image) else Image.open(Path(source))
        im.load()
    except (OSError, ValueError):
        return None
    im = im.convert("RGBA" if im.mode in ("RGBA", "LA", "P") else "RGB")
    if max(im.size) > max_side:
        im.thumbnail((max_side, max_side), Image.BILINEAR)
    if fmt is None:
        is_photo = isinstance(source, (str, Path)) and Path(source).suffix.lower() in (".jpg", ".jpeg")
        fmt = "JPEG" if is_photo else "PNG"
    if fmt == "JPEG" and im.mode != "RGB":
        im = im.convert("RGB")
    buf = io.BytesIO()
    im.save(buf, format=fmt, **({"quality": 85} if fmt == "JPEG" else {"optimize": True}))
    mime = "image/jpeg" if fmt == "JPEG" else "image/png"
    return f"data:{mime};base64,{base64.b64encode(buf.getvalue()).decode('ascii')}"


def downsample(xs, ys, limit=MAX_CURVE_POINTS):
    """At most `limit` points of a curve: bucket means, so spikes are smoothed but the trend is kept."""
    n = len(xs)
    if n <= limit:
        return list(xs), list(ys)
    step = n / limit
    out_x, out_y = [], []
    for k in range(limit):
        lo, hi = int(k * step), max(int((k + 1) * step), int(k * step) + 1)
        out_x.append(xs[hi - 1])
        out_y.append(sum(ys[lo:hi]) / (hi - lo))
    return out_x, out_y


def curves_uri(unit, series):
    """One figure with a panel per series ({name: (xs, ys)}), as a PNG data URI; None without data."""
    series = {k: v for k, v in series.items() if v[0]}
    if not series:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(series), figsize=(4.2 * len(series), 3.0), dpi=90, squeeze=False)
    for ax, (name, (xs, ys)) in zip(axes[0], series.items()):
        xs, ys = downsample(xs, ys)
        ax.plot(xs, ys, marker="o" if len(xs) < 30 else None, markersize=3, linewidth=1.4)
        ax.set_title(name, fontsize=10)
        ax.set_xlabel(unit, fontsize=9)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return f"data:image/png;base64,{base64.b64encode(buf.getvalue()).decode('ascii')}"
