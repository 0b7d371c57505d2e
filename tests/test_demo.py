"""`make demo`'s two halves at full size: the models they train must be useful (semantic val mIoU >= 0.80, instance
val mask AP50 >= 0.50), and the demo's closing table and reports must show it."""
import json
import subprocess
import sys

import pytest

from conftest import REPO

SECTIONS = ("check_dataset", "train", "evaluate", "predict")


def _run_half(target, demo, output):
    """`make <target>` into `demo` (STAMP= : the venv exists, this interpreter runs the steps); returns the half's
    evaluate_result.json and report.html text."""
    proc = subprocess.run(["make", "-s", target, f"DEMO_DIR={demo}", f"PY={sys.executable}", "STAMP="],
                          cwd=REPO, capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    html = (demo / output / "report.html").read_text()
    assert all(f'<section id="{section}">' in html for section in SECTIONS), "a report section is missing"
    return json.loads((demo / output / "evaluate_result.json").read_text())


@pytest.mark.slow
def test_semantic_demo_recipe_reaches_its_target(tmp_path):
    demo = tmp_path / "demo"
    result = _run_half("demo-seg", demo, "output")
    assert result["metrics"]["mIoU"] >= 0.80, result["metrics"]
    assert "Serving smoke: POST /semantic-segmentation" in (demo / "serve.txt").read_text()
    table = subprocess.run([sys.executable, "-m", "dataset_tools.demo_summary", "--seg", str(demo / "output"),
                            "--serve", str(demo / "serve.txt")], cwd=REPO, capture_output=True, text=True)
    assert table.returncode == 0 and "semantic evaluate" in table.stdout and "mIoU " in table.stdout
    assert "FAILED" not in table.stdout and "did not run" not in table.stdout


@pytest.mark.slow
def test_instance_demo_recipe_reaches_its_target(tmp_path):
    demo = tmp_path / "demo"
    out = demo / "inst_output"
    result = _run_half("demo-inst", demo, "inst_output")
    assert result["metrics"]["AP50"] >= 0.50, result["metrics"]
    export = json.loads((out / "export" / "export_result.json").read_text())
    assert export["input_shape"] == [1, 3, 128, 128]  # the size it was trained at (model.pdstates)
    found = [json.loads(p.read_text())["res"]["boxes"] for p in sorted(out.glob("synth_*_res.json"))]
    assert len(found) == 6 and all(found), "every demo picture shows shapes; the model must find some in each"
    table = subprocess.run([sys.executable, "-m", "dataset_tools.demo_summary", "--inst", str(out)],
                           cwd=REPO, capture_output=True, text=True)
    assert table.returncode == 0 and "instance evaluate" in table.stdout and "AP50 " in table.stdout
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
