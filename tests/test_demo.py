"""`make demo`'s two halves at full size: the models they train must be useful (semantic val mIoU >= 0.80, instance
val mask AP50 >= 0.50), and the demo's closing table and reports must show it."""
import json
import subprocess
import sys

import pytest

from conftest import REPO


@pytest.mark.slow
def test_semantic_demo_recipe_reaches_its_target(tmp_path):
    demo = tmp_path / "demo"
    # STAMP= : the venv already exists (this interpreter); PY: run the steps with it.
    proc = subprocess.run(["make", "-s", "demo-seg", f"DEMO_DIR={demo}", f"PY={sys.executable}", "STAMP="],
                          cwd=REPO, capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    result = json.loads((demo / "output" / "evaluate_result.json").read_text())
    assert result["metrics"]["mIoU"] >= 0.80, result["metrics"]
    assert "Serving smoke: POST /semantic-segmentation" in (demo / "serve.txt").read_text()
    html = (demo / "output" / "report.html").read_text()
    for section in ("check_dataset", "train", "evaluate", "predict"):
        assert f'<section id="{section}">' in html
    table = subprocess.run([sys.executable, "-m", "dataset_tools.demo_summary", "--seg", str(demo / "output"),
                            "--serve", str(demo / "serve.txt")], cwd=REPO, capture_output=True, text=True)
    assert table.returncode == 0 and "semantic evaluate" in table.stdout and "mIoU " in table.stdout
    assert "FAILED" not in table.stdout and "did not run" not in table.stdout


@pytest.mark.slow
def test_instance_demo_recipe_reaches_its_target(tmp_path):
    demo = tmp_path / "demo"
    proc = subprocess.run(["make", "-s", "demo-inst", f"DEMO_DIR={demo}", f"PY={sys.executable}", "STAMP="],
                          cwd=REPO, capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    out = demo / "inst_output"
    result = json.loads((out / "evaluate_result.json").read_text())
    assert result["metrics"]["AP50"] >= 0.50, result["metrics"]
    export = json.loads((out / "export" / "export_result.json").read_text())
    assert export["input_shape"] == [1, 3, 128, 128]  # the size it was trained at (model.pdstates)
    found = [json.loads(p.read_text())["res"]["boxes"] for p in sorted(out.glob("synth_*_res.json"))]
    assert len(found) == 6 and all(found), "every demo picture shows shapes; the model must find some in each"
    html = (out / "report.html").read_text()
    for section in ("check_dataset", "train", "evaluate", "predict"):
        assert f'<section id="{section}">' in html
    table = subprocess.run([sys.executable, "-m", "dataset_tools.demo_summary", "--inst", str(out)],
                           cwd=REPO, capture_output=True, text=True)
    assert table.returncode == 0 and "instance evaluate" in table.stdout and "AP50 0.9" in table.stdout
    assert "semantic" not in table.stdout and "FAILED" not in table.stdout and "did not run" not in table.stdout
    assert f"Report: {out.resolve() / 'report.html'}" in table.stdout


def test_demo_table_of_a_half_that_did_not_run(tmp_path):
    run = [sys.executable, "-m", "dataset_tools.demo_summary"]
    table = subprocess.run(run + ["--inst", str(tmp_path / "inst_output")], cwd=REPO, capture_output=True, text=True)
    assert table.returncode == 0, table.stderr
    assert "| instance train" in table.stdout and "did not run" in table.stdout
    assert f"Report: none in {(tmp_path / 'inst_output').resolve()} (that half did not run)" in table.stdout
    nothing = subprocess.run(run, cwd=REPO, capture_output=True, text=True)
    assert nothing.returncode == 2
    assert "give --seg and/or --inst (the demo's output folders)" in nothing.stderr
