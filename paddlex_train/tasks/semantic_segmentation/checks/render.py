"""Sample overlay paths and the class histogram (matplotlib is imported only here, only when drawing)."""
import multiprocessing
import sys
from pathlib import PurePosixPath

import numpy as np

from ....utils.labels import IGNORE_INDEX as IGNORE
from .lists import SPLITS

MAX_SAMPLES = 10


def demo_names(entries, limit=MAX_SAMPLES):
    """Output-relative render paths for the first `limit` entries of one split.

    Renders go to check_dataset/demo_img/<split>/<image stem>.jpg, so train and val never overwrite each other;
    repeated names within a split get the line number appended. Previews are always JPEG (fast to write).
    """
    used, paths = set(), []
    for entry in entries[:limit]:
        name = PurePosixPath(entry.image_rel.replace("\\", "/")).name
        stem = name.rsplit(".", 1)[0] if "." in name else name
        candidate = f"{stem}.jpg"
        if candidate in used:
            candidate = f"{stem}_L{entry.line}.jpg"
        used.add(candidate)
        paths.append(f"check_dataset/demo_img/{entry.split}/{candidate}")
    return paths


def _tick_label(i, names):
    name = names.get(i)
    if name and len(name) > 28:
        name = name[:26] + "..."
    return f"{i} {name}" if name else str(i)


def draw_histogram(images, names, path):
    """Bar chart of how many images contain each class id, train and val side by side.

    Bars are placed by position among the ids present (0 always shown, as PaddleX does), each tick labelled
    with its real id (and class name when known), so non-contiguous ids are plotted correctly.
    """
    from matplotlib.figure import Figure  # no pyplot: faster import, no global figure state, always headless
    from matplotlib.ticker import MaxNLocator

    ids = sorted({int(i) for s in SPLITS for i in np.flatnonzero(images[s]) if i != IGNORE} | {0})
    x = np.arange(len(ids))
    width = max(8.0, len(ids) / 5 + (len(ids) * 0.35 if names else 0))
    longest = max(len(_tick_label(i, names)) for i in ids) if names else 0
    label_in = 0.55 + 0.065 * longest  # room for the (rotated) tick labels and the axis label, in inches
    fig = Figure(figsize=(min(width, 60.0), 4.4 + label_in), dpi=120)
    ax = fig.add_subplot()
    for offset, split, colour in ((-0.2, SPLITS[0], "tab:blue"), (0.2, SPLITS[1], "tab:orange")):
        ax.bar(x + offset, images[split][ids], width=0.4, label=split, color=colour)
    ax.set_xticks(x)
    ax.set_xticklabels([_tick_label(i, names) for i in ids], rotation=90 if names else 0,
                       fontsize=8 if len(ids) > 20 else 10)
    ax.set_xlabel("Label Index" + (" / class name" if names else ""))
    ax.set_ylabel("Sample Counts")
    ax.set_title("Images containing each class id", fontsize=10)
    top = max(int(images[s][ids].max()) for s in SPLITS)
    ax.set_ylim(0, max(1, top) * 1.15)  # head room so the legend never hides a bar
    ax.legend(loc="upper right", ncol=2)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts of images
    # Fixed margins sized from the longest tick label: tight_layout would draw the figure twice (~40% slower).
    height = fig.get_figheight()
    fig.subplots_adjust(left=0.8 / fig.get_figwidth(), right=1 - 0.2 / fig.get_figwidth(), top=1 - 0.4 / height,
                        bottom=label_in / height)
    fig.savefig(path)
    return path


def _plot_server(conn):
    """Child process: import matplotlib at once (while the parent scans), then draw what it is sent."""
    import matplotlib.figure  # noqa: F401  (the slow import we want out of the critical path)
    import matplotlib.backends.backend_agg  # noqa: F401

    job = conn.recv()
    if job is None:
        return
    try:
        draw_histogram(*job)
        conn.send(("ok", ""))
    except Exception as e:  # noqa: BLE001  (reported to the parent, which raises)
        conn.send(("error", f"{type(e).__name__}: {e}"))


class HistogramPlotter:
    """Draws the histogram in a forked child that imports matplotlib while the parent is still scanning.

    matplotlib's import costs about half a second, as much as checking a small data set; overlapping it on the
    second core keeps a 20-image check under a second. Without fork it simply draws in-process.
    """

    def __init__(self):
        self._proc = self._conn = None

    def start(self):
        """Fork the plotting child (no-op where fork is unavailable)."""
        if "fork" in multiprocessing.get_all_start_methods():
            ctx = multiprocessing.get_context("fork")
            sys.stdout.flush()
            sys.stderr.flush()  # a forked child must not re-emit buffered output
            self._conn, child = ctx.Pipe()
            self._proc = ctx.Process(target=_plot_server, args=(child,), daemon=True)
            self._proc.start()
        return self

    def draw(self, images, names, path):
        """Draw the histogram (see draw_histogram); raises RuntimeError if the child failed."""
        if self._proc is None:
            return draw_histogram(images, names, path)
        try:
            self._conn.send((images, names, str(path)))
            status, message = self._conn.recv()
        except (EOFError, OSError) as e:
            status, message = "error", f"plotting process died ({e})"
        self.close()
        if status != "ok":
            raise RuntimeError(f"drawing {path} failed: {message}")
        return path

    def close(self):
        """Stop the child if it is still waiting."""
        if self._proc is None:
            return
        if self._proc.is_alive():
            try:
                self._conn.send(None)
            except OSError:
                pass
            self._proc.join(5)
            if self._proc.is_alive():
                self._proc.terminate()
        self._proc.join()
        self._proc = None
