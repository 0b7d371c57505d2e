"""Collect every problem of a data set check, then fail once with a one-line summary."""
from dataclasses import dataclass
from pathlib import Path

from ...errors import DatasetError


@dataclass
class Problem:
    """One data set problem: where (file and optional line/annotation), what, and how to fix it."""

    file: str
    message: str
    hint: str = None
    where: str = None

    def line(self):
        loc = f"{self.file}:{self.where}" if self.where not in (None, "") else str(self.file)
        return f"{loc}: {self.message}" + (f" (fix: {self.hint})" if self.hint else "")


class Problems:
    """Accumulates problems up to `cap` (the total is still counted), so a check reports all of them at once.

    Args:
        cap: how many problems to keep in detail.
    """

    def __init__(self, cap=100):
        self.cap = cap
        self.items = []
        self.total = 0

    def add(self, file, message, hint=None, where=None):
        """Record one problem."""
        self.total += 1
        if len(self.items) < self.cap:
            self.items.append(Problem(str(file), message, hint, where))

    def extend(self, other):
        """Merge another Problems collection."""
        self.total += other.total
        self.items.extend(other.items[: max(0, self.cap - len(self.items))])

    def __bool__(self):
        return self.total > 0

    def __len__(self):
        return self.total

    def write_report(self, path):
        """Write every kept problem, one per line, to `path`."""
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        lines = [p.line() for p in self.items]
        if self.total > len(self.items):
            lines.append(f"... and {self.total - len(self.items)} more")
        Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")

    def raise_if_any(self, report_path=None, error_cls=DatasetError):
        """Raise `error_cls` naming the first problem and the count; writes the full list to `report_path`."""
        if not self:
            return
        first = self.items[0]
        loc = f"{first.file}:{first.where}" if first.where not in (None, "") else first.file
        more = ""
        if self.total > 1:
            more = f" ({self.total} problems in all"
            if report_path is not None:
                self.write_report(report_path)
                more += f", all listed in {report_path}"
            more += ")"
        raise error_cls(f"Check dataset failed: {loc}: {first.message}{more}.", hint=first.hint)
