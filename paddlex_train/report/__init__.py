"""The run report: one self-contained `report.html` per output folder.

Every mode that writes `<mode>_result.json` (through `results.write_success` / `write_failure`) also refreshes its
section of the report. Each section's data is kept in `<output>/.report/<mode>.json`, so a later mode (or a re-run)
adds or replaces its own section without touching the others, and the page is rendered again from all of them.
Images are inlined as data URIs and there is no script, so the page works offline and with JavaScript off.
"""
from .build import REPORT_NAME, SECTION_ORDER, refresh_report, render_report  # noqa: F401
