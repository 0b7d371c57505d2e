"""Re-split a COCO instance data set by image: pool both files, seeded shuffle, renumber ids, keep .bak files."""
import json

from ....errors import ConfigError, DatasetError
from ....utils.fs import backup, write_text_atomic
from ...base.problems import Problems
from ...base.split import seeded_split
from .coco import SPLITS, annotation_file, load_json


def _pool(root, problems):
    """(documents by split, pooled [(image, [annotations])] in file order, merged categories by id)."""
    docs, pool, categories = {}, [], {}
    for split in SPLITS:
        path = annotation_file(root, split)
        if not path.is_file():
            continue
        doc = load_json(path, problems)
        if doc is None:
            continue
        if not isinstance(doc, dict) or not all(isinstance(doc.get(k), list)
                                                for k in ("images", "annotations", "categories")):
            problems.add(path, "not a COCO file (needs 'images', 'annotations' and 'categories' lists)",
                         hint="fix the file before splitting")
            continue
        docs[split] = doc
        for cat in doc["categories"]:
            known = categories.get(cat.get("id"))
            if known is not None and known.get("name") != cat.get("name"):
                problems.add(path, f"category id {cat.get('id')} is {cat.get('name')!r} here but "
                             f"{known.get('name')!r} in the other file", hint="use one category table in both files")
            categories.setdefault(cat.get("id"), cat)
        by_image = {}
        for ann in doc["annotations"]:
            by_image.setdefault(ann.get("image_id"), []).append(ann)
        for image in doc["images"]:
            pool.append((image, by_image.get(image.get("id"), [])))
    if not docs and not problems:
        problems.add(annotation_file(root, "train"), "no COCO annotation file to split",
                     hint="put instance_train.json and/or instance_val.json in <dataset_dir>/annotations")
    return docs, pool, categories


def _renumber(items, first_image_id, first_ann_id):
    images, anns = [], []
    for k, (image, image_anns) in enumerate(items):
        new_id = first_image_id + k
        images.append(dict(image, id=new_id))
        for ann in image_anns:
            anns.append(dict(ann, id=first_ann_id + len(anns), image_id=new_id))
    return images, anns


def split_coco(root, train_percent, seed=0, report_path=None):
    """Re-split <root>/annotations/instance_{train,val}.json by image.

    Images of both files are pooled (train first, file order), shuffled with `random.Random(seed)`, and the
    first round(n * train_percent / 100) go to train (at least one image per split). Image ids become 1..n and
    annotation ids 1..m across both files, so the two files never share an id. Categories are merged by id.
    Existing files are kept as `.bak`.

    Returns:
        (number of train images, number of val images).
    """
    if not (isinstance(train_percent, int) and 0 < train_percent < 100):
        raise ConfigError(f"train_percent must be an integer between 1 and 99, got {train_percent!r}.",
                          hint="e.g. train_percent=80 (val gets the rest)")
    problems = Problems()
    docs, pool, categories = _pool(root, problems)
    problems.raise_if_any(report_path)
    if len(pool) < 2:
        raise DatasetError(f"{annotation_file(root, 'train').parent}: {len(pool)} image(s) in all; a split needs "
                           "at least 2.", hint="add images before splitting")
    train_pool, val_pool = seeded_split(pool, train_percent, seed)
    n_train = len(train_pool)
    cats = [categories[k] for k in sorted(categories, key=lambda c: (not isinstance(c, int), c))]
    template = {k: v for k, v in (docs.get("train") or docs["val"]).items()
                if k not in ("images", "annotations", "categories")}
    train_images, train_anns = _renumber(train_pool, 1, 1)
    val_images, val_anns = _renumber(val_pool, n_train + 1, len(train_anns) + 1)
    for split, images, anns in (("train", train_images, train_anns), ("val", val_images, val_anns)):
        path = annotation_file(root, split)
        doc = dict(template, images=images, annotations=anns, categories=cats)
        backup(path)
        write_text_atomic(path, json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
    return n_train, len(pool) - n_train
