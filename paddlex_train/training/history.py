"""results.csv (one row per logged step or evaluation) and a curves PNG drawn from it."""
import csv
import math
from pathlib import Path

FIELDS = ("unit", "loss", "lr", "val_score")


class History:
    """Appends training scalars to `<output>/results.csv` and redraws `<output>/curves.png`.

    Args:
        output: output directory.
        unit_name: column header of the step column ('iter' or 'epoch').
        score_name: header of the validation score column ('mIoU', 'mask_AP', ...).
        keep_until: for a resumed run, keep the existing rows up to this unit (None starts a new file).
    """

    def __init__(self, output, unit_name="iter", score_name="val_score", keep_until=None):
        self.path = Path(output) / "results.csv"
        self.png = Path(output) / "curves.png"
        self.header = [unit_name, "loss", "lr", f"val_{score_name}"]
        self.rows = []
        if keep_until is not None and self.path.is_file():
            with open(self.path, newline="", encoding="utf-8") as f:
                self.rows = [r for r in list(csv.reader(f))[1:] if r and float(r[0]) <= keep_until]
        self._rewrite()

    def _rewrite(self):
        with open(self.path, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(self.header)
            writer.writerows(self.rows)

    def add(self, unit, loss=None, lr=None, score=None):
        """Append one row (empty cells for missing values)."""
        fmt = lambda v: "" if v is None else f"{v:.6g}"  # noqa: E731
        row = [str(unit), fmt(loss), fmt(lr), fmt(score)]
        self.rows.append(row)
        with open(self.path, "a", newline="", encoding="utf-8") as f:
            csv.writer(f).writerow(row)

    def plot(self):
        """Draw loss, lr and validation score against the unit into curves.png (skipped without matplotlib)."""
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            return None
        cols = list(zip(*self.rows)) if self.rows else [[]] * 4
        fig, axes = plt.subplots(1, 3, figsize=(12, 3.5), dpi=100)
        for ax, col, name in zip(axes, (1, 2, 3), self.header[1:]):
            pts = [(float(u), float(v)) for u, v in zip(cols[0], cols[col]) if v != "" and math.isfinite(float(v))]
            if pts:
                ax.plot(*zip(*pts), marker="o" if col == 3 else None, markersize=3)
            ax.set_title(name)
            ax.set_xlabel(self.header[0])
            ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(self.png)
        plt.close(fig)
        return self.png
