"""Write a corrected copy of a SegDataset's labels into a NEW directory (the label doctor's repairs).

Examples:
  python -m dataset_tools.seg_fix_labels data --out data_fixed --auto          # what check_dataset suggests
  python -m dataset_tools.seg_fix_labels data --out data_fixed --map 255:1     # 0/255 binary masks
  python -m dataset_tools.seg_fix_labels data --out data_fixed --shift -1      # ids that start at 1
  python -m dataset_tools.seg_fix_labels data --out data_fixed --snap 0,255 --map 255:1   # JPEG 0/255 masks
  python -m dataset_tools.seg_fix_labels data --out data_fixed --colour-map colours.txt   # 'R,G,B id' lines
Images are copied, labels are written as palette (P) PNG, lists are rewritten; the source is never touched.
"""
import argparse
import sys

from dataset_tools._cli import parse, parser, run
from paddlex_train.tasks.semantic_segmentation.checks.labelfix import fix_dataset


def _mapping(text):
    try:
        return {int(a): int(b) for a, b in (pair.split(":") for pair in text.split(",") if pair)}
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected OLD:NEW[,OLD:NEW...], got {text!r}") from None


def _values(text):
    try:
        return tuple(int(v) for v in text.split(",") if v)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated ids, got {text!r}") from None


def main(argv=None):
    """Command-line entry point; returns the exit code (dataset_tools/_cli.py: 0 done, 1 bad data, 2 bad usage)."""
    p = parser(__doc__, "the SegDataset to repair (never modified)")
    p.add_argument("--out", required=True, help="new directory for the corrected copy")
    p.add_argument("--auto", action="store_true", help="apply the repairs the label doctor diagnoses")
    p.add_argument("--map", type=_mapping, default=None, help="OLD:NEW[,OLD:NEW...] id remapping")
    p.add_argument("--shift", type=int, default=0, help="add N to every id except 255")
    p.add_argument("--snap", type=_values, default=None, help="snap every pixel to the nearest of these ids")
    p.add_argument("--colour-map", default=None, help="file of 'R,G,B id' lines for RGB colour labels")

    def go():
        args = parse(p, argv)
        fix_dataset(args.dataset_dir, args.out, auto=args.auto, snap=args.snap, mapping=args.map,
                    shift=args.shift, colour_map=args.colour_map)

    return run(go)


if __name__ == "__main__":
    sys.exit(main())
