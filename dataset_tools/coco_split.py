"""Re-split a COCO instance-segmentation data set by image (seeded), no config needed.

Pools the images of annotations/instance_train.json and instance_val.json, shuffles them with the seed, gives
train round(n * train_percent / 100) of them, renumbers image and annotation ids (unique across both files)
and keeps the old files as .bak. Same code as `-o CheckDataset.split.enable=True`.

Usage: python -m dataset_tools.coco_split --dataset-dir my_data --train-percent 80 [--seed 0]
"""
import argparse
import sys

from paddlex_train.errors import PxtError
from paddlex_train.tasks.instance_segmentation.checks.split import split_coco


def main(argv=None):
    """Run the split; returns the exit code (1 or 2 with a one-line message on bad input)."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dataset-dir", required=True, help="folder holding annotations/instance_*.json")
    p.add_argument("--train-percent", type=int, required=True, help="1..99; val gets the rest")
    p.add_argument("--seed", type=int, default=0, help="shuffle seed")
    args = p.parse_args(argv)
    try:
        n_train, n_val = split_coco(args.dataset_dir, args.train_percent, args.seed)
    except PxtError as e:
        print(f"Error: {e.one_line()}", file=sys.stderr)
        return e.exit_code
    print(f"Split: {n_train} train and {n_val} val images (seed {args.seed}); previous files kept as .bak")
    return 0


if __name__ == "__main__":
    sys.exit(main())
