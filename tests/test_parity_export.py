"""Issue 18 item 3: every export writes a parity report (export_result.json -> parity), and a broken export fails.

PP-LiteSeg-T random-init weights (bench/onnx_models.py), exported through main.py as shipped. Cost: about 1.5 min
on 2 cores (four exports of a small model; parity on generated images of at most 128 px).
"""
import json
import subprocess
import sys

import pytest

from conftest import REPO, SEG_CONFIG_DIR, one_error_line, read_result, run_main

sys.path.insert(0, str(REPO / "bench"))
import onnx_models  # noqa: E402

pytestmark = pytest.mark.slow
MODEL = "PP-LiteSeg-T"
ENV = {"OMP_NUM_THREADS": "1"}


@pytest.fixture(scope="module")
def weights(module_tmp):
    return onnx_models.random_weights(MODEL, module_tmp("parity_weights"))


def _export_args(weights, out, *extra):
    return ["-c", SEG_CONFIG_DIR / f"{MODEL}.yaml", "-o", "Global.mode=export", "-o", "Global.device=cpu",
            "-o", f"Global.output={out}", "-o", "Train.num_classes=3", "-o", f"Export.weight_path={weights}", *extra]


def test_a_plain_export_reports_parity_with_the_dynamic_graph(weights, tmp_path):
    proc = run_main(*_export_args(weights, tmp_path), env=ENV)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = read_result(tmp_path, "export")
    parity = result["parity"]
    assert result["format"] == "paddle" and result["onnx_model"] is None
    assert parity["images"] == 8 and parity["source"] == "generated" and parity["passed"] is True
    figures = parity["paddle_vs_dygraph"]
    assert figures["pixel_agreement"] >= 0.999
    assert figures["tolerance"] == {"pixel_agreement_min": 0.999, "tie_margin": 0.05}
    assert figures["tied_disagreements"] >= 0
    assert abs(figures["miou_delta"]) < 0.01 and "onnx_vs_paddle" not in parity
    assert "Parity on 8 generated images: paddle_vs_dygraph: pixel_agreement" in (tmp_path / "export.log").read_text()


def test_parity_images_zero_skips_the_check(weights, tmp_path):
    proc = run_main(*_export_args(weights, tmp_path, "-o", "Export.parity_images=0"), env=ENV)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert read_result(tmp_path, "export")["parity"] == {"images": 0, "skipped": "Export.parity_images is 0"}


def test_parity_uses_the_validation_images_of_the_data_set(weights, tiny_seg_dataset, tmp_path):
    proc = run_main(*_export_args(weights, tmp_path, "-o", f"Global.dataset_dir={tiny_seg_dataset}",
                                  "-o", "Export.parity_images=3"), env=ENV)
    assert proc.returncode == 0, proc.stderr[-2000:]
    parity = read_result(tmp_path, "export")["parity"]
    assert parity["source"] == "dataset" and 1 <= parity["images"] <= 3
    assert parity["paddle_vs_dygraph"]["miou_against"] == "ground truth"


# A deliberately broken exporter: it writes an inference.yml that resizes every image to 32x32 before the network,
# a resolution the model was not trained at. The exported program is right; only the deployment file is wrong.
BROKEN_DRIVER = """
import sys, yaml
sys.path.insert(0, {repo!r})
from paddlex_train.backends.paddleseg import export as seg_export
original = seg_export.export

def broken(*args, **kwargs):
    files = original(*args, **kwargs)
    body = yaml.safe_load(open(files["inference_config"]))
    body["Deploy"]["transforms"].insert(0, {{"type": "Resize", "target_size": [32, 32]}})
    open(files["inference_config"], "w").write(yaml.safe_dump(body))
    return files

seg_export.export = broken
from paddlex_train.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_wrong_resolution_inference_yml_fails_the_export_with_the_figures(weights, tmp_path):
    args = [str(a) for a in _export_args(weights, tmp_path)]
    proc = subprocess.run([sys.executable, "-c", BROKEN_DRIVER.format(repo=str(REPO)), *args], cwd=REPO,
                          capture_output=True, text=True, env={**__import__("os").environ, **ENV}, timeout=600)
    line = one_error_line(proc, code=1)
    assert line.startswith("Error: The exported model disagrees with the trained weights: paddle_vs_dygraph: "
                           "pixel_agreement 0.")
    assert "(min 0.999)" in line and "Export.parity_images=0 skips the check" in line
    result = json.loads((tmp_path / "export_result.json").read_text())
    assert result["done_flag"] is False and result["err_type"] == "BackendError"


def test_a_bad_export_format_is_one_line(weights, tmp_path):
    proc = run_main(*_export_args(weights, tmp_path, "-o", "Export.format=tensorrt"), env=ENV)
    line = one_error_line(proc, code=2)
    assert "Export.format" in line and "must be paddle, onnx or both" in line
