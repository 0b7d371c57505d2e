"""Convert a LabelMe instance-segmentation data set to COCO (PaddleX's COCOInstSegDataset layout), no config needed.

Input: <dataset_dir>/train_anno_list.txt (+ optional val_anno_list.txt; without it a seeded 80/20 split) listing
LabelMe JSON paths. Output: annotations/instance_{train,val}.json (old ones kept as .bak) and images/ copies
of images that were elsewhere. Shapes sharing label and group_id become one instance; __ignore__ shapes become
crowd regions. Same code as `-o CheckDataset.convert.enable=True -o CheckDataset.convert.src_dataset_type=LabelMe`.

Usage: python -m dataset_tools.coco_labelme --dataset-dir my_data [--seed 0]
"""
import argparse
import sys

from paddlex_train.errors import PxtError
from paddlex_train.tasks.instance_segmentation.checks.labelme import convert_labelme


def main(argv=None):
    """Run the conversion; returns the exit code (1 with a one-line message on bad input)."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dataset-dir", required=True, help="folder holding train_anno_list.txt")
    p.add_argument("--seed", type=int, default=0, help="seed of the 80/20 split when val_anno_list.txt is absent")
    p.add_argument("--report", default=None, help="where to write the list of all problems, if any")
    args = p.parse_args(argv)
    try:
        summary = convert_labelme(args.dataset_dir, seed=args.seed, report_path=args.report)
    except PxtError as e:
        print(f"Error: {e.one_line()}", file=sys.stderr)
        return 1
    print(f"Converted: train {summary['train']}, val {summary['val']}, categories {summary['categories']}, "
          f"{summary['copied_images']} image(s) copied into images/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
