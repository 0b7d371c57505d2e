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

from paddlex_train.errors import PxtError
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
    """Command-line entry point; returns the exit code (0 ok, 1 with a one-line error on stderr)."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__.split("\n", 1)[1],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dataset_dir")
    p.add_argument("--out", required=True, help="new directory for the corrected copy")
    p.add_argument("--auto", action="store_true", help="apply the repairs the label doctor diagnoses")
    p.add_argument("--map", type=_mapping, default=None, help="OLD:NEW[,OLD:NEW...] id remapping")
    p.add_argument("--shift", type=int, default=0, help="add N to every id except 255")
    p.add_argument("--snap", type=_values, default=None, help="snap every pixel to the nearest of these ids")
    p.add_argument("--colour-map", default=None, help="file of 'R,G,B id' lines for RGB colour labels")
    args = p.parse_args(argv)
    try:
        fix_dataset(args.dataset_dir, args.out, auto=args.auto, snap=args.snap, mapping=args.map,
                    shift=args.shift, colour_map=args.colour_map)
    except PxtError as e:
        print(f"Error: {e.one_line()}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
