"""Refresh one section of `report.html` and render the page from every stored section (Jinja2 template)."""
import json
import time
from pathlib import Path

from ..log import get_logger
from ..utils.fs import write_text_atomic

REPORT_NAME = "report.html"
STORE_DIR = ".report"
SECTION_ORDER = ("check_dataset", "train", "evaluate", "export", "predict")
SECTION_TITLES = {"check_dataset": "Check", "train": "Train", "evaluate": "Evaluate", "export": "Export",
                  "predict": "Predict"}


def refresh_report(output_dir, mode, error=None):
    """Collect the section of `mode` from `output_dir`, store it, and re-render `<output_dir>/report.html`.

    Args:
        output_dir: the mode's Global.output (or the pipeline's --save_path).
        mode: check_dataset, train, evaluate, export or predict (anything else is ignored).
        error: the exception the mode failed with, or None; its one-line message heads the section.

    Returns:
        the report path, or None when `mode` has no section.
    """
    if mode not in SECTION_ORDER:
        return None
    from .collect import collect_section  # matplotlib/PIL only load here

    out = Path(output_dir)
    store = out / STORE_DIR
    previous = read_json(store / f"{mode}.json")
    section = collect_section(mode, out) if error is None else dict(previous or {})
    section.update(mode=mode, title=SECTION_TITLES[mode], updated=time.strftime("%Y-%m-%d %H:%M:%S"),
                   error=_one_line(error) if error is not None else None)
    store.mkdir(parents=True, exist_ok=True)
    write_text_atomic(store / f"{mode}.json", json.dumps(section, ensure_ascii=False))
    return render_report(out)


def render_report(output_dir):
    """Render `<output_dir>/report.html` from the stored sections; returns its path."""
    import jinja2

    out = Path(output_dir)
    sections = [s for s in (read_json(out / STORE_DIR / f"{m}.json") for m in SECTION_ORDER) if s]
    env = jinja2.Environment(loader=jinja2.PackageLoader("paddlex_train.report", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]), trim_blocks=True,
                             lstrip_blocks=True)
    env.filters["num"] = _format_number
    html = env.get_template("report.html.j2").render(sections=sections, output_dir=str(out.resolve()),
                                                     generated=time.strftime("%Y-%m-%d %H:%M:%S"))
    return write_text_atomic(out / REPORT_NAME, html)


def safe_refresh(output_dir, mode, error=None):
    """`refresh_report` that never fails the mode: a report problem is one warning line."""
    try:
        return refresh_report(output_dir, mode, error)
    except Exception as exc:  # noqa: BLE001  (the report is a by-product; the mode's result stands)
        get_logger().warning("could not write %s in %s: %s: %s", REPORT_NAME, output_dir, type(exc).__name__, exc)
        return None


def read_json(path):
    """The JSON value in the file `path`, or None when it is missing or unreadable (a report shows what exists)."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _one_line(error):
    line = error.one_line() if hasattr(error, "one_line") else f"{type(error).__name__}: {error}"
    return " ".join(str(line).split())


def _format_number(value, digits=4):
    """Numbers for tables: floats with `digits` significant decimals, ints as they are, None as a dash."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)
