"""Helpers for the run-report tests: a fake output folder of a large run, and a headless-Chromium page check."""
import csv
import json
import os
import shutil
from pathlib import Path

import numpy as np
from PIL import Image

CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser")


def chromium_path():
    """The Chromium binary (Debian package), or None."""
    for path in CHROMIUM_CANDIDATES:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return shutil.which("chromium")


def write_large_run(out, num_classes=100, iterations=10_000, num_predictions=40):
    """An output folder as a long semantic run leaves it: 100 classes, 10,000 logged iterations, 40 predictions."""
    out = Path(out)
    (out / "check_dataset" / "demo_img" / "train").mkdir(parents=True)
    rng = np.random.default_rng(0)
    sample = out / "check_dataset" / "demo_img" / "train" / "a.jpg"
    Image.fromarray(rng.integers(0, 255, (600, 800, 3), dtype=np.uint8)).save(sample)
    Image.fromarray(rng.integers(0, 255, (400, 900, 3), dtype=np.uint8)).save(out / "check_dataset" / "histogram.png")
    names = [f"class_{i:03d}" for i in range(num_classes)]
    classes = [{"id": i, "name": n, "train_images": 5, "train_pixels": 1000 + i, "val_images": 1, "val_pixels": 10}
               for i, n in enumerate(names)]
    _json(out / "check_dataset_result.json", {
        "done_flag": True, "check_pass": True, "dataset_type": "SegDataset", "dataset_path": "/data/x",
        "analysis": {"histogram": "check_dataset/histogram.png"},
        "attributes": {"train_samples": 900, "val_samples": 100, "num_classes": num_classes, "classes": classes,
                       "train_sample_paths": ["check_dataset/demo_img/train/a.jpg"] * 12,
                       "warnings": ["Train.num_classes=2 cannot hold label ids up to 99; set -o Train.num_classes=100"]}})
    with open(out / "results.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["iter", "loss", "lr", "val_mIoU"])
        for it in range(1, iterations + 1):
            w.writerow([it, 2.0 / it ** 0.3 + rng.random() * 0.1, 0.01 * (1 - it / iterations), ""])
            if it % 1000 == 0:
                w.writerow([it, "", "", it / iterations])
    (out / "train.log").write_text("[TRAIN] iter: 10/10000, loss: 1.0, batch_cost: 0.5000, reader_cost: 0.1\n" * 50)
    _json(out / "train_result.json", {"done_flag": True, "model_name": "PP-LiteSeg-T", "models": {
        "best": {"score": 0.81, "pdparams": "best_model/model.pdparams"},
        "last_1": {"score": 0.8, "pdparams": "iter_10000/model.pdparams"}}})
    _json(out / "evaluate_result.json", {
        "done_flag": True, "metrics": {"mIoU": 0.5, "Acc": 0.9}, "model_name": "PP-LiteSeg-T",
        "class_metrics": {n: {"IoU": 0.5, "accuracy": 0.9, "gt_pixels": 10} for n in names},
        "absent_classes": names[-3:], "confusion_matrix": {"png": "check_dataset/histogram.png"}})
    results = []
    for i in range(num_predictions):
        img = out / f"in_{i}.jpg"
        Image.fromarray(rng.integers(0, 255, (1000, 1500, 3), dtype=np.uint8)).save(img)
        Image.fromarray(rng.integers(0, 255, (1000, 1500, 3), dtype=np.uint8)).save(out / f"in_{i}_overlay.png")
        _json(out / f"in_{i}_res.json", {"res": {"input_path": str(img), "label_names": names}})
        results.append({"input_path": str(img), "json": f"in_{i}_res.json", "overlay": f"in_{i}_overlay.png"})
    _json(out / "predict_result.json", {"done_flag": True, "num_inputs": num_predictions, "results": results})
    return out


def _json(path, payload):
    Path(path).write_text(json.dumps(payload), encoding="utf-8")


def load_in_browser(html_path, screenshot_path):
    """Open `html_path` in headless Chromium with JavaScript and the network off.

    Returns (natural sizes of every <img>, the page's text). The screenshot of the full page goes to
    `screenshot_path`.
    """
    from playwright.sync_api import sync_playwright

    flags = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=flags)
        try:
            context = browser.new_context(java_script_enabled=False, offline=True,
                                          viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.goto(Path(html_path).resolve().as_uri(), wait_until="load")
            page.screenshot(path=str(screenshot_path), full_page=True)
            # Evaluated by the browser's automation channel, not by the page: the page itself runs no script.
            sizes = page.eval_on_selector_all("img", "els => els.map(e => [e.naturalWidth, e.naturalHeight])")
            return sizes, page.inner_text("body")
        finally:
            browser.close()
