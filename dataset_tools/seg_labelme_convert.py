"""Convert a LabelMe-annotated folder into a SegDataset (the code behind CheckDataset.convert with LabelMe).

The folder holds train_anno_list.txt / val_anno_list.txt listing LabelMe JSON paths. Ids follow PaddleX:
_background_ = 0, __ignore__ = 255, other labels 1..N by first appearance. Source files are never modified;
an output file that would be overwritten with different content is kept as <name>.bak.

Usage: python -m dataset_tools.seg_labelme_convert DATASET_DIR [--out NEW_DIR]
"""
import sys

from dataset_tools._cli import parse, parser, run
from paddlex_train.tasks.semantic_segmentation.checks.labelme import convert_labelme


def main(argv=None):
    """Command-line entry point; returns the exit code (dataset_tools/_cli.py: 0 done, 1 bad data, 2 bad usage)."""
    p = parser(__doc__, "folder with train_anno_list.txt / val_anno_list.txt")
    p.add_argument("--out", help="write the SegDataset here instead of into DATASET_DIR")

    def go():
        args = parse(p, argv)
        counts = convert_labelme(args.dataset_dir, args.out)
        print("Converted: " + ", ".join(f"{k} {v}" for k, v in counts.items()) +
              f" -> {args.out or args.dataset_dir}")

    return run(go)


if __name__ == "__main__":
    sys.exit(main())
