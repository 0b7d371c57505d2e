"""Convert a LabelMe instance-segmentation data set to COCO (PaddleX's COCOInstSegDataset layout), no config needed.

Input: <dataset_dir>/train_anno_list.txt (+ optional val_anno_list.txt; without it a seeded 80/20 split) listing
LabelMe JSON paths. Output: annotations/instance_{train,val}.json (old ones kept as .bak) and images/ copies
of images that were elsewhere. Shapes sharing label and group_id become one instance; __ignore__ shapes become
crowd regions. Same code as `-o CheckDataset.convert.enable=True -o CheckDataset.convert.src_dataset_type=LabelMe`.

Usage: python -m dataset_tools.coco_labelme DATASET_DIR [--seed 0] [--report FILE]
"""
import sys

from dataset_tools._cli import parse, parser, run
from paddlex_train.tasks.instance_segmentation.checks.labelme import convert_labelme


def main(argv=None):
    """Run the conversion; returns the exit code (dataset_tools/_cli.py: 0 done, 1 bad data, 2 bad usage)."""
    p = parser(__doc__, "folder holding train_anno_list.txt")
    p.add_argument("--seed", type=int, default=0, help="seed of the 80/20 split when val_anno_list.txt is absent")
    p.add_argument("--report", default=None, help="where to write the list of all problems, if any")

    def go():
        args = parse(p, argv)
        summary = convert_labelme(args.dataset_dir, seed=args.seed, report_path=args.report)
        print(f"Converted: train {summary['train']}, val {summary['val']}, categories {summary['categories']}, "
              f"{summary['copied_images']} image(s) copied into images/")

    return run(go)


if __name__ == "__main__":
    sys.exit(main())
