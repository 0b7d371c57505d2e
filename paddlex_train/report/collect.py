"""Read what a mode left in its output folder and turn it into the data of its report section.

Every collector returns a JSON-ready dict; pictures are data URIs (report/images.py). Nothing here trusts the files
to be complete: a missing or partial file gives an emptier section, never an exception.
"""
import csv
import json
import re
import statistics
from pathlib import Path

from .build import read_json
from .images import curves_uri, image_uri

MAX_PREDICT_IMAGES = 24
MAX_SAMPLE_IMAGES = 8
MAX_TABLE_ROWS = 1000  # a 100- or 1000-class table still renders; the table box scrolls
PREDICT_THUMB_PX = 256
PREDICT_BUDGET = 3 * 2**20  # bytes of inlined predict pictures; the whole page stays under 5 MB


def collect_section(mode, out):
    """The section data of `mode` read from the output folder `out`."""
    result = read_json(out / f"{mode}_result.json") or {}
    return _COLLECTORS[mode](out, result)


def _scalars(mapping):
    return [[k, v] for k, v in (mapping or {}).items() if isinstance(v, (int, float, str, bool)) or v is None]


def _check(out, result):
    attrs = result.get("attributes") or {}
    summary = [["data set", result.get("dataset_path")], ["type", result.get("dataset_type")],
               ["check passed", result.get("check_pass")]]
    # instance: *_samples count annotations (PaddleX's meaning), *_images the images holding them
    summary += [[k, attrs[k]] for k in ("train_samples", "val_samples", "train_images", "val_images",
                                        "num_classes", "max_label_id",
                                        "absent_ids", "ignore_pixels", "train_crowd_annotations",
                                        "val_crowd_annotations", "train_images_without_annotations",
                                        "val_images_without_annotations") if k in attrs]
    if attrs.get("classes"):  # semantic: pixel and image counts per class id
        head = ["id", "name", "train images", "train pixels", "val images", "val pixels"]
        rows = [[c.get("id"), c.get("name"), c.get("train_images"), c.get("train_pixels"), c.get("val_images"),
                 c.get("val_pixels")] for c in attrs["classes"]]
    else:  # instance: instances per category
        train = attrs.get("train_instances_per_category") or {}
        val = attrs.get("val_instances_per_category") or {}
        head = ["category", "train instances", "val instances"]
        rows = [[name, train.get(name, 0), val.get(name, 0)] for name in list(dict.fromkeys([*train, *val]))]
    histogram = (result.get("analysis") or {}).get("histogram")
    samples = [p for split in ("train", "val") for p in (attrs.get(f"{split}_sample_paths") or [])[:6]]
    return {
        "summary": [[k, _plain(v)] for k, v in summary],
        "class_table": {"head": head, "rows": rows[:MAX_TABLE_ROWS], "total": len(rows)},
        "histogram": image_uri(out / histogram, max_side=900) if histogram else None,
        "samples": [{"caption": Path(p).parent.name + "/" + Path(p).name, "uri": image_uri(out / p)}
                    for p in samples[:MAX_SAMPLE_IMAGES]],
        "warnings": [w if isinstance(w, str) else json.dumps(w, ensure_ascii=False)
                     for w in (attrs.get("warnings") or result.get("warnings") or [])],
    }


def _read_history(path):
    """results.csv -> (unit name, {column: (xs, ys)}) with the empty cells skipped."""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
    except OSError:
        return "iteration", {}
    if not rows:
        return "iteration", {}
    head, series = rows[0], {}
    for col, name in enumerate(head[1:], start=1):
        xs, ys = [], []
        for row in rows[1:]:
            try:
                x, y = float(row[0]), float(row[col])
            except (IndexError, ValueError):
                continue
            xs.append(x)
            ys.append(y)
        series[name] = (xs, ys)
    return head[0], series


def _seconds_per_unit(log_path):
    """Median batch cost (s/iteration) from the [TRAIN] progress lines of train.log, or None."""
    try:
        text = Path(log_path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    costs = [float(m) for m in re.findall(r"batch_cost: ([0-9.]+)", text)]
    return statistics.median(costs) if costs else None


def _config_highlights(out):
    try:
        import yaml

        cfg = yaml.safe_load((out / "config.yaml").read_text(encoding="utf-8")) or {}
    except (OSError, ValueError, ImportError):
        return []
    rows = [["device", (cfg.get("Global") or {}).get("device")]]
    rows += [[f"Train.{k}", v] for k, v in (cfg.get("Train") or {}).items()]
    return [[k, _plain(v)] for k, v in rows]


def _train(out, result):
    unit, series = _read_history(out / "results.csv")
    models = result.get("models") or {}
    best = (models.get("best") or {}).get("score")
    last = (models.get("last_1") or {}).get("score")
    final_loss = series.get("loss", ([], []))[1][-1:] or [None]
    figures = [
        ["best metric", best], ["last metric", last], ["final logged loss", final_loss[0]],
        ["seconds per iteration (median)", _seconds_per_unit(out / "train.log")],
        ["logged points", len(series.get("loss", ([], []))[0])],
    ]
    return {
        "model_name": result.get("model_name"),
        "figures": [[k, _plain(v)] for k, v in figures],
        "curves": curves_uri(unit, {k: v for k, v in series.items()}),
        "config": _config_highlights(out),
        "checkpoints": [[name, (m or {}).get("pdparams"), (m or {}).get("score")] for name, m in models.items()],
    }


def _evaluate(out, result):
    metrics = result.get("metrics") or {}
    per_class = result.get("class_metrics") or {}
    head, rows = ["class"], []
    if per_class:
        head += list(next(iter(per_class.values())).keys())
        rows = [[name, *[_plain(v) for v in m.values()]] for name, m in per_class.items()]
    elif isinstance(metrics.get("per_category_AP"), dict):
        head += ["AP"]
        rows = [[name, _plain(v)] for name, v in metrics["per_category_AP"].items()]
    cm = (result.get("confusion_matrix") or {}).get("png")
    return {
        "metrics": _scalars(metrics),
        "details": _scalars({k: v for k, v in result.items() if k not in ("metrics", "class_metrics", "done_flag")}),
        "class_table": {"head": head, "rows": rows[:MAX_TABLE_ROWS], "total": len(rows)},
        "absent": result.get("absent_classes") or [],
        "confusion": image_uri(out / cm, max_side=900) if cm else None,
    }


def _export(out, result):
    return {"details": _scalars({k: v for k, v in result.items() if k != "done_flag"})}


def _predict(out, result):
    items, legend, used = [], {}, 0
    entries = result.get("results") or []
    for entry in entries[:MAX_PREDICT_IMAGES]:
        if used > PREDICT_BUDGET:
            break
        res = (read_json(out / entry["json"]) or {}).get("res", {}) if entry.get("json") else {}
        picture = entry.get("overlay") or entry.get("res")
        boxes = [f"{b.get('label')} {b.get('score', 0):.2f}" for b in (res.get("boxes") or [])[:12]]
        for cid, name in enumerate(res.get("label_names") or []):
            legend.setdefault(cid, name)
        # JPEG thumbnails: a grid of PNG photos (or of noisy inputs) would not fit the page budget.
        pair = {"input": image_uri(entry["input_path"], PREDICT_THUMB_PX, "JPEG") if entry.get("input_path") else None,
                "output": image_uri(out / picture, PREDICT_THUMB_PX, "JPEG") if picture else None}
        used += sum(len(v) for v in pair.values() if v)
        items.append({"name": Path(str(entry.get("input_path", ""))).name, **pair,
                      "boxes": boxes, "num_boxes": len(res.get("boxes") or [])})
    return {"items": items, "total": len(entries), "legend": _legend(legend),
            "details": _scalars({k: v for k, v in result.items() if k not in ("results", "done_flag")})}


def _legend(names):
    """[(class id, name, '#rrggbb')] in PaddleX's label colours."""
    if not names:
        return []
    from ..vis.palette import label_palette

    pal = label_palette()
    return [[cid, name, "#%02x%02x%02x" % tuple(int(c) for c in pal[cid % len(pal)][:3])]
            for cid, name in sorted(names.items())]


def _plain(value):
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, (list, dict)):
        text = json.dumps(value, ensure_ascii=False)
        return text if len(text) <= 160 else text[:157] + "..."
    return value


_COLLECTORS = {"check_dataset": _check, "train": _train, "evaluate": _evaluate, "export": _export,
               "predict": _predict}
