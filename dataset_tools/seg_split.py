"""Re-split a SegDataset into train.txt / val.txt, seeded (the code behind CheckDataset.split).

Pools the existing lists (or pairs images/ and annotations/ by file stem when there are none), shuffles with
the seed and cuts at round(n * train / 100). Old lists are kept as train.txt.bak / val.txt.bak.

With --stratify every class id gets about its share of val images, so rare classes are not missing from val.

Usage: python -m dataset_tools.seg_split DATASET_DIR --train 80 [--val 20] [--seed 0] [--stratify]
"""
import sys

from dataset_tools._cli import add_percents, parse, parser, run
from paddlex_train.tasks.semantic_segmentation.checks.split import split_dataset


def main(argv=None):
    """Command-line entry point; returns the exit code (dataset_tools/_cli.py: 0 done, 1 bad data, 2 bad usage)."""
    p = parser(__doc__, "the SegDataset folder")
    add_percents(p)
    p.add_argument("--seed", type=int, default=0, help="shuffle seed")
    p.add_argument("--stratify", action="store_true",
                   help="give every class about its share of val images (rare classes are not left out of val)")

    def go():
        args = parse(p, argv)
        n_train, n_val = split_dataset(args.dataset_dir, args.train, args.val, args.seed, stratify=args.stratify)
        print(f"Split {args.dataset_dir}: train {n_train}, val {n_val} (seed {args.seed})")

    return run(go)


if __name__ == "__main__":
    sys.exit(main())
