"""The run report: report.html written by every mode, self-contained, readable for large runs, and real in a browser."""
import os
import re

import numpy as np
import pytest
from PIL import Image

from paddlex_train.errors import ConfigError
from paddlex_train.report import REPORT_NAME, refresh_report
from paddlex_train.report.images import MAX_CURVE_POINTS, downsample
from paddlex_train.results import write_failure, write_success
from conftest import run_main
from report_helpers import chromium_path, load_in_browser, write_large_run


def _html(out):
    return (out / REPORT_NAME).read_text(encoding="utf-8")


def test_downsample_keeps_at_most_the_limit_and_the_last_point():
    xs = list(range(1, 10_001))
    dx, dy = downsample(xs, [float(x) for x in xs])
    assert len(dx) == MAX_CURVE_POINTS and dx[-1] == 10_000
    assert dy == sorted(dy)  # bucket means of a rising series keep rising
    assert downsample([1, 2], [3.0, 4.0]) == ([1, 2], [3.0, 4.0])


def test_large_run_report_is_self_contained_readable_and_small(tmp_path):
    out = write_large_run(tmp_path / "out")
    for mode in ("check_dataset", "train", "evaluate", "predict"):
        refresh_report(out, mode)
    html = _html(out)
    size_mb = (out / REPORT_NAME).stat().st_size / 2**20
    assert size_mb < 5, f"report is {size_mb:.1f} MB"
    # Offline and script-free: nothing is fetched, nothing runs.
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", html)
    assert all(src.startswith("data:image/") for src in re.findall(r'<img src="([^"]+)"', html))
    # 100 classes: every class row is there, inside a scrolling box.
    assert html.count("class_099") >= 2 and 'class="scroll"' in html
    assert "showing 24 of 40 images" in html
    assert "set -o Train.num_classes=100" in html  # check warnings are shown
    for title in ("Check", "Train", "Evaluate", "Predict"):
        assert f"<h2>{title}</h2>" in html


def test_failed_mode_puts_its_error_on_top_and_keeps_other_sections(tmp_path):
    out = write_large_run(tmp_path / "out")
    write_success(out, "check_dataset", {"check_pass": True})
    write_failure(out, "train", ConfigError("Train.num_classes=2 but labels go up to 11.",
                                            hint="set -o Train.num_classes=12"))
    html = _html(out)
    train = html[html.index('<section id="train">'):]
    assert train.index('class="error"') < train.index("updated")
    assert "train failed: Train.num_classes=2 but labels go up to 11." in html
    assert '<section id="check_dataset">' in html


@pytest.mark.parametrize("mode", ["check_dataset", "train", "evaluate", "export", "predict"])
def test_a_mode_that_fails_first_gets_a_section_with_its_error(tmp_path, mode, caplog):
    write_failure(tmp_path, mode, ConfigError(f"{mode} went wrong.", hint="fix it"))
    html = _html(tmp_path)
    assert f"{mode} failed: {mode} went wrong. Hint: fix it" in html
    assert "could not write" not in caplog.text


def test_report_problem_never_fails_the_mode(tmp_path, monkeypatch):
    from paddlex_train.report import build

    def broken(*_a, **_k):
        raise RuntimeError("template exploded")

    monkeypatch.setattr(build, "render_report", broken)
    path = write_success(tmp_path, "export", {"output_dir": str(tmp_path)})
    assert path.is_file() and not (tmp_path / REPORT_NAME).exists()


@pytest.mark.slow
def test_report_of_a_real_run_in_headless_chromium(tmp_path, seg_config, tiny_seg_dataset):
    """check -> train -> evaluate -> predict through main.py, then the page in a real browser (JS and network off)."""
    if chromium_path() is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: .ci/run (make test) installs the Debian package chromium")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    out = tmp_path / "out"
    base = ["-c", seg_config, "-o", "Global.device=cpu", "-o", f"Global.dataset_dir={tiny_seg_dataset}",
            "-o", f"Global.output={out}", "-o", "Train.pretrain_weight_path=null"]
    steps = [["-o", "Global.mode=check_dataset"],
             ["-o", "Global.mode=train", "-o", "Train.num_classes=4", "-o", "Train.epochs_iters=2",
              "-o", "Train.eval_interval=2", "-o", "Train.log_interval=1", "-o", "Train.batch_size=2"],
             ["-o", "Global.mode=evaluate", "-o", "Train.num_classes=4",
              "-o", f"Evaluate.weight_path={out}/best_model/model.pdparams"],
             ["-o", "Global.mode=predict", "-o", f"Predict.model_dir={out}/best_model/inference",
              "-o", f"Predict.input={tiny_seg_dataset}/images"]]
    for step in steps:
        proc = run_main(*base, *step)
        assert proc.returncode == 0, proc.stderr[-2000:]
    shot = tmp_path / "report.png"
    sizes, text = load_in_browser(out / REPORT_NAME, shot)
    assert sizes and all(w > 0 and h > 0 for w, h in sizes), sizes
    for title in ("Check", "Train", "Evaluate", "Predict", "Classes", "Curves", "Per class", "Confusion matrix"):
        assert title in text
    pixels = np.asarray(Image.open(shot).convert("L"), dtype=np.float32)
    assert pixels.shape[0] > 900 and pixels.std() > 20, "the screenshot is blank"


def test_instance_check_shows_image_counts_beside_instance_counts(tmp_path):
    """PaddleX's instance *_samples count annotations; the report also shows how many images hold them."""
    attrs = {"num_classes": 3, "train_samples": 307, "val_samples": 101, "train_images": 150, "val_images": 50,
             "train_instances_per_category": {"circle": 97}, "val_instances_per_category": {"circle": 31}}
    write_success(tmp_path, "check_dataset", {"check_pass": True, "attributes": attrs,
                                              "dataset_type": "COCOInstSegDataset"})
    text = re.sub(r"<[^>]+>", " ", _html(tmp_path))
    assert re.search(r"train_images\s+150", text) and re.search(r"val_images\s+50", text)
    assert re.search(r"train_samples\s+307", text)
