"""check_dataset pictures: ground-truth renders of a few images per split and the per-category histogram."""
from pathlib import Path

from PIL import Image

from ....utils.images import upright
from ....vis.instances import draw_instances, instance_colour
from .coco import IMAGE_DIR
from .masks import rle_to_mask, segmentation_to_rle

DEMO_DIR = "demo_img"
MAX_RENDERS = 10
_SAVE_AS_IS = {".jpg", ".jpeg", ".png", ".bmp"}


def _demo_name(file_name):
    """Flat output name of an image: sub-folders joined with '_', unusual extensions saved as PNG."""
    flat = file_name.replace("\\", "/").strip("/").replace("/", "_")
    return flat if Path(flat).suffix.lower() in _SAVE_AS_IS else flat + ".png"


def render_image(root, image, anns, categories, alpha=0.5):
    """RGB PIL picture of one image with its annotations' masks, boxes and category names."""
    with Image.open(Path(root) / IMAGE_DIR / image["file_name"]) as im:
        h, w = image["height"], image["width"]
        # width/height may describe the EXIF-rotated view (see utils.images.image_sizes); show that view then.
        base = im.copy() if im.size == (w, h) else upright(im)  # both outlive the file
    masks, boxes, labels, colours = [], [], [], []
    # Largest first, so small instances stay visible on top of big (often "stuff") regions.
    for ann in sorted(anns, key=lambda a: -float(a.get("area") or 0)):
        masks.append(rle_to_mask(segmentation_to_rle(ann["segmentation"], h, w)))
        x, y, bw, bh = ann["bbox"]
        boxes.append([x, y, x + bw, y + bh])
        name = categories[ann["category_id"]]
        labels.append(f"{name} (crowd)" if ann.get("iscrowd") else name)
        colours.append(instance_colour(ann["category_id"]))
    return draw_instances(base, boxes, labels, masks=masks, colours=colours, alpha=alpha)


def render_samples(coco, root, split, check_dir, limit=MAX_RENDERS):
    """Draw the first `limit` images (by id) of a split into <check_dir>/demo_img/<split>/.

    Returns:
        Paths relative to the output folder ("check_dataset/demo_img/<split>/<name>"), as PaddleX records them.
    """
    out_dir = Path(check_dir) / DEMO_DIR / split
    out_dir.mkdir(parents=True, exist_ok=True)
    per_image = coco.anns_by_image()
    paths = []
    for image_id in sorted(coco.images)[:limit]:
        image = coco.images[image_id]
        name = _demo_name(image["file_name"])
        render_image(root, image, per_image.get(image_id, []), coco.categories).save(out_dir / name)
        paths.append(f"{Path(check_dir).name}/{DEMO_DIR}/{split}/{name}")
    return paths


def write_histogram(train_counts, val_counts, path):
    """Bar chart of instances per category name, train next to val, sorted by train count (descending).

    Categories without any instance in either split are left out of the chart (they stay in the result JSON).

    Uses matplotlib's Agg canvas directly (no pyplot, no global backend switch, no display needed).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    present = {n for counts in (train_counts, val_counts) for n, c in counts.items() if c}
    names = sorted(present, key=lambda n: (-train_counts.get(n, 0), n))  # unused categories would only add noise
    fig = Figure(figsize=(max(8, len(names) / 4), 5), dpi=120)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    xs = range(len(names))
    for offset, counts, split in ((-0.2, train_counts, "train"), (0.2, val_counts, "val")):
        bars = ax.bar([x + offset for x in xs], [counts.get(n, 0) for n in names], width=0.4, label=split)
        if len(names) <= 40:  # numbers stay legible only on narrow charts
            ax.bar_label(bars, fontsize=7)
    ax.set_xticks(list(xs))
    ax.set_xticklabels(names, rotation=90)
    ax.set_ylabel("Counts")
    ax.set_title("Instances per category")
    ax.legend()
    fig.tight_layout()
    fig.savefig(str(path))
    return path
