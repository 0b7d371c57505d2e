"""`make demo`'s semantic recipe at full size: the model it trains must be useful (val mIoU >= 0.80), and the demo's
closing table and report must show it. The instance half is measured by the demo itself (see README)."""
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
