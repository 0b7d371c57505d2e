"""Command-line entry point: `python main.py -c <config.yaml> -o Section.key=value ...`."""
import sys

from paddlex_train.cli import main

if __name__ == "__main__":
    sys.exit(main())
