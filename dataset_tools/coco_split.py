"""Re-split a COCO instance-segmentation data set by image (seeded), no config needed.

Pools the images of annotations/instance_train.json and instance_val.json, shuffles them with the seed, gives
train round(n * train / 100) of them, renumbers image and annotation ids (unique across both files)
and keeps the old files as .bak. Same code as `-o CheckDataset.split.enable=True`.

Usage: python -m dataset_tools.coco_split DATASET_DIR --train 80 [--val 20] [--seed 0]
"""
import sys

from dataset_tools._cli import add_percents, parse, parser, run
from paddlex_train.tasks.instance_segmentation.checks.split import split_coco


def main(argv=None):
    """Run the split; returns the exit code (dataset_tools/_cli.py: 0 done, 1 bad data, 2 bad usage)."""
    p = parser(__doc__, "folder holding annotations/instance_*.json")
    add_percents(p)
    p.add_argument("--seed", type=int, default=0, help="shuffle seed")

    def go():
        args = parse(p, argv)
        n_train, n_val = split_coco(args.dataset_dir, args.train, args.seed)
        print(f"Split: {n_train} train and {n_val} val images (seed {args.seed}); previous files kept as .bak")

    return run(go)


if __name__ == "__main__":
    sys.exit(main())
