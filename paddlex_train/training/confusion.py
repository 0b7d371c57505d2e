"""Confusion matrix artefacts: CSV (raw counts and row-normalised) and a two-panel PNG."""
import csv
from pathlib import Path

import numpy as np


def _write_csv(path, matrix, names, fmt):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["gt \\ pred", *names])
        for name, row in zip(names, matrix):
            writer.writerow([name, *(fmt(v) for v in row)])


def write_confusion(cm, names, out_dir, stem="confusion_matrix"):
    """Write <stem>.csv, <stem>_normalized.csv and <stem>.png into `out_dir`.

    Args:
        cm: square matrix, rows = ground truth, columns = prediction.
        names: class names in index order.

    Returns:
        {"csv", "normalized_csv", "png"} -> paths (png missing when matplotlib is unavailable).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    cm = np.asarray(cm)
    sums = cm.sum(axis=1, keepdims=True).astype(np.float64)
    norm = np.divide(cm, sums, out=np.zeros(cm.shape, dtype=np.float64), where=sums > 0)
    paths = {"csv": out_dir / f"{stem}.csv", "normalized_csv": out_dir / f"{stem}_normalized.csv"}
    _write_csv(paths["csv"], cm, names, lambda v: str(int(v)))
    _write_csv(paths["normalized_csv"], norm, names, lambda v: f"{v:.4f}")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return paths
    n = len(names)
    size = max(5, 0.45 * n + 2)
    fig, axes = plt.subplots(1, 2, figsize=(2 * size + 1, size), dpi=100)
    for ax, matrix, title, fmt in ((axes[0], cm, "counts", "d"), (axes[1], norm, "row-normalised", ".2f")):
        im = ax.imshow(matrix, cmap="Blues")
        ax.set_title(f"Confusion matrix ({title})")
        ax.set_xticks(range(n), names, rotation=90)
        ax.set_yticks(range(n), names)
        ax.set_xlabel("prediction")
        ax.set_ylabel("ground truth")
        if n <= 20:
            for i in range(n):
                for j in range(n):
                    ax.text(j, i, format(matrix[i, j], fmt), ha="center", va="center", fontsize=7,
                            color="white" if matrix[i, j] > matrix.max() / 2 else "black")
        fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    paths["png"] = out_dir / f"{stem}.png"
    fig.savefig(paths["png"])
    plt.close(fig)
    return paths
