"""The one command-line contract of the dataset_tools (documented in the README's data set tools section).

Flag style: the data set folder is the first positional argument (DATASET_DIR); every option is --kebab-case;
split shares are --train N [--val N] in percent. The older spellings `--dataset-dir DIR` and `--train-percent N`
(the coco_* tools) are still accepted.

Exit codes, the same as main.py: 0 done; 1 bad data (a DatasetError: one line on stderr); 2 bad usage (an unknown
or missing argument, invalid percentages: argparse's and ConfigError's code).
"""
import argparse
import sys

from paddlex_train.errors import ConfigError, PxtError


def parser(doc, dataset_help="the data set folder"):
    """An ArgumentParser with the positional DATASET_DIR (and the legacy --dataset-dir) already added."""
    p = argparse.ArgumentParser(description=doc.splitlines()[0], epilog=doc.split("\n", 1)[1] if "\n" in doc else None,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dataset_dir", nargs="?", metavar="DATASET_DIR", help=dataset_help)
    p.add_argument("--dataset-dir", dest="dataset_dir_flag", help=argparse.SUPPRESS)  # older spelling
    return p


def add_percents(p, val_required=False):
    """--train N [--val N]: train and val shares in percent (val defaults to 100 - train)."""
    p.add_argument("--train", "--train-percent", dest="train", type=int, required=True,
                   help="train share in percent (1..99)")
    p.add_argument("--val", type=int, required=val_required, default=None,
                   help="val share in percent; train + val = 100" + ("" if val_required else " (default: the rest)"))


def parse(p, argv):
    """Parse `argv`; the data set folder ends up in `args.dataset_dir` whichever spelling was used."""
    args = p.parse_args(argv)
    given = [d for d in (args.dataset_dir, args.dataset_dir_flag) if d]
    if not given:
        p.error("the data set folder is required: DATASET_DIR")
    if len(given) == 2 and given[0] != given[1]:
        p.error(f"two data set folders given ({given[0]} and {given[1]}): pass DATASET_DIR once")
    args.dataset_dir = given[0]
    if getattr(args, "train", None) is not None:
        if args.val is None:
            args.val = 100 - args.train
        if not (0 < args.train < 100 and 0 < args.val < 100 and args.train + args.val == 100):
            raise ConfigError(f"--train {args.train} --val {args.val}: each share must be 1..99 and they must sum "
                              "to 100.", hint="e.g. --train 80 --val 20")
    return args


def run(main):
    """Call `main()` and turn a PxtError into its one-line message on stderr and its exit code."""
    try:
        return main() or 0
    except PxtError as e:
        print(f"Error: {e.one_line()}", file=sys.stderr)
        return e.exit_code
