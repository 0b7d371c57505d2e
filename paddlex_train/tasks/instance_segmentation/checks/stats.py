"""Counts of a validated COCO set: instances (PaddleX's "samples"), images, per-category instances."""
from collections import Counter

# How many file names of images without annotations the result lists (the count is always exact).
MAX_LISTED_EMPTY = 50


def category_counts(coco):
    """{category name: instance count} over every category of the file (zeros included), crowd excluded."""
    counts = Counter(coco.categories[a["category_id"]] for a in coco.annotations if not a.get("iscrowd"))
    return {name: counts.get(name, 0) for _, name in sorted(coco.categories.items())}


def split_stats(coco):
    """Summary of one split as plain JSON-ready values."""
    per_image = coco.anns_by_image()
    empty = sorted(coco.images[i]["file_name"] for i, anns in per_image.items() if i in coco.images and not anns)
    return {
        "samples": len(coco.annotations),
        "images": len(coco.images),
        "crowd_annotations": sum(1 for a in coco.annotations if a.get("iscrowd")),
        "instances_per_category": category_counts(coco),
        "images_without_annotations": len(empty),
        "images_without_annotations_list": empty[:MAX_LISTED_EMPTY],
    }


def attributes(train, val, train_paths, val_paths):
    """The result's `attributes`: PaddleX's keys in PaddleX's order, then our extra counts per split."""
    stats = {"train": split_stats(train), "val": split_stats(val)}
    out = {
        "num_classes": len(val.categories or train.categories),
        "train_samples": stats["train"]["samples"],
        "train_sample_paths": list(train_paths),
        "val_samples": stats["val"]["samples"],
        "val_sample_paths": list(val_paths),
    }
    for split in ("train", "val"):
        s = stats[split]
        out[f"{split}_images"] = s["images"]
        out[f"{split}_crowd_annotations"] = s["crowd_annotations"]
        out[f"{split}_instances_per_category"] = s["instances_per_category"]
        out[f"{split}_images_without_annotations"] = s["images_without_annotations"]
        out[f"{split}_images_without_annotations_list"] = s["images_without_annotations_list"]
    return out
