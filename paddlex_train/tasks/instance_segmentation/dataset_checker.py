"""check_dataset for instance segmentation (COCOInstSegDataset): convert -> split -> validate -> renders.

The steps live in `checks/`; this class only wires them into the BaseDatasetChecker template. No paddle.
"""
from ..base.dataset_checker import BaseDatasetChecker
from ..base.problems import Problems
from .checks.coco import SPLITS, check_same_categories, load_split
from .checks.labelme import convert_labelme
from .checks.render import render_samples, write_histogram
from .checks.split import split_coco
from .checks.stats import attributes, category_counts

PROBLEMS_FILE = "problems.txt"
HISTOGRAM_FILE = "histogram.png"


def _convert_labelme(root, checker):
    summary = convert_labelme(root, seed=checker.config["CheckDataset"]["split"]["seed"],
                              report_path=checker.check_dir / PROBLEMS_FILE)
    counts = ", ".join(f"{split} {summary[split]['images']} images / {summary[split]['annotations']} annotations"
                       for split in ("train", "val"))
    checker.logger.info(f"LabelMe -> COCO: {counts}; categories {summary['categories']}; "
                        f"{summary['copied_images']} image(s) copied into images/")


class InstDatasetChecker(BaseDatasetChecker):
    """Validates <dataset_dir>/annotations/instance_{train,val}.json and images/, then draws and counts."""

    converters = {"LabelMe": _convert_labelme}

    def split(self, root, train_percent, val_percent, seed):
        n_train, n_val = split_coco(root, train_percent, seed, report_path=self.check_dir / PROBLEMS_FILE)
        self.logger.info(f"Split by image with seed {seed}: {n_train} train, {n_val} val images "
                         "(previous files kept as .bak)")

    def check(self, root):
        problems, cache = Problems(), {}
        sets = [load_split(root, split, problems, cache) for split in SPLITS]
        check_same_categories(sets, problems)
        for split, coco in zip(SPLITS, sets):
            if coco.path.is_file() and not coco.images and not problems:
                problems.add(coco.path, f"the {split} split has no image",
                             hint="add images, or re-split with -o CheckDataset.split.enable=True")
        problems.raise_if_any(self.check_dir / PROBLEMS_FILE)
        self._warn_shared_images(*sets)
        self._sets = dict(zip(SPLITS, sets))
        paths = {split: render_samples(coco, root, split, self.check_dir) for split, coco in self._sets.items()}
        return attributes(self._sets["train"], self._sets["val"], paths["train"], paths["val"])

    def _warn_shared_images(self, train, val):
        shared = {i["file_name"] for i in train.images.values()} & {i["file_name"] for i in val.images.values()}
        if shared:
            self.logger.warning(f"{len(shared)} image(s) are in both train and val (e.g. {sorted(shared)[0]}); "
                                "validation scores will be optimistic")

    def analyse(self, root, attributes_):
        write_histogram(category_counts(self._sets["train"]), category_counts(self._sets["val"]),
                        self.check_dir / HISTOGRAM_FILE)
        return {"histogram": f"{self.check_dir.name}/{HISTOGRAM_FILE}"}
