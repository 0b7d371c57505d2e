"""Evaluation speed: images/s of our evaluation (numpy confusion matrix) vs paddleseg.core.evaluate, same model
and val set (PP-LiteSeg-T, 512x512 images, CPU), alternating rounds in one process; prints medians and the
ratio ours / paddleseg. Target: ratio >= 1.0.

Usage: python bench/evaluate.py [--images 8] [--rounds 3] [--size 512]
"""
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--size", type=int, default=512)
    args = parser.parse_args()
    from dataset_tools.synthetic_seg import generate
    from paddlex_train.backends.paddleseg.modeling import build, confusion_matrix
    from paddleseg.core import evaluate

    with tempfile.TemporaryDirectory() as tmp:
        data = generate(Path(tmp) / "data", num=args.images * 2, size=args.size, seed=0, val_fraction=0.5)
        builder, _, _ = build("PP-LiteSeg-T", data, 4, input_shape=None)
        model, dataset = builder.model, builder.val_dataset
        model.eval()
        n = len(dataset)
        rates = {"ours": [], "paddleseg core.evaluate": []}
        for _ in range(args.rounds):
            t = time.perf_counter()
            evaluate(model, dataset, print_detail=False)
            rates["paddleseg core.evaluate"].append(n / (time.perf_counter() - t))
            t = time.perf_counter()
            confusion_matrix(model, dataset, 4, dataset.ignore_index)
            rates["ours"].append(n / (time.perf_counter() - t))
    med = {k: statistics.median(v) for k, v in rates.items()}
    for k, v in med.items():
        print(f"{k:24s} median {v:.3f} images/s ({args.rounds} rounds of {n} images)")
    print(f"ratio ours/paddleseg = {med['ours'] / med['paddleseg core.evaluate']:.3f} (target >= 1.0)")


if __name__ == "__main__":
    main()
