"""Re-split a SegDataset into train.txt / val.txt, seeded (the code behind CheckDataset.split).

Pools the existing lists (or pairs images/ and annotations/ by file stem when there are none), shuffles with
the seed and cuts at round(n * train / 100). Old lists are kept as train.txt.bak / val.txt.bak.

With --stratify every class id gets about its share of val images, so rare classes are not missing from val.

Usage: python -m dataset_tools.seg_split DATASET_DIR --train 80 --val 20 [--seed 0] [--stratify]
"""
import argparse
import sys

from paddlex_train.errors import PxtError
from paddlex_train.tasks.semantic_segmentation.checks.split import split_dataset


def main(argv=None):
    """Command-line entry point; returns the exit code (0 ok, 1 with a one-line error on stderr)."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("dataset_dir")
    p.add_argument("--train", type=int, required=True, help="train percent (> 0)")
    p.add_argument("--val", type=int, required=True, help="val percent (> 0); train + val = 100")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--stratify", action="store_true",
                   help="give every class about its share of val images (rare classes are not left out of val)")
    args = p.parse_args(argv)
    try:
        n_train, n_val = split_dataset(args.dataset_dir, args.train, args.val, args.seed,
                                       stratify=args.stratify)
    except PxtError as e:
        print(f"Error: {e.one_line()}", file=sys.stderr)
        return 1
    print(f"Split {args.dataset_dir}: train {n_train}, val {n_val} (seed {args.seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
