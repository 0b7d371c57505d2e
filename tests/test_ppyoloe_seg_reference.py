"""PP-YOLOE_seg-S computes what PaddleDetection computes: the shared fp16 reference weights, exported through
main.py (static graph, NMS in the graph, fixed 640), predict the reference image like PaddleDetection's own
model (../shared/tools/compare_instance_reference.py: >= 95 % of its 300 detections matched)."""
import json
import subprocess
import sys

import numpy as np
import pytest

from conftest import INST_CONFIG_DIR, REPO, read_result, run_main

pytestmark = pytest.mark.slow
REFS = REPO.parent / "shared" / "reference" / "instance_refs" / "PP-YOLOE_seg-S"
IMAGE = REPO.parent / "shared" / "data" / "coco_panoptic_sample" / "input_images" / "000000142238.jpg"
TOOL = REPO.parent / "shared" / "tools" / "compare_instance_reference.py"
CONFIG = INST_CONFIG_DIR / "PP-YOLOE_seg-S.yaml"


@pytest.fixture(scope="module")
def exported(module_tmp):
    for path in (REFS / "weights_fp16.npz", IMAGE, TOOL):
        if not path.exists():
            pytest.skip(f"{path} is not available")
    import paddle

    work = module_tmp("reference")
    weights = work / "reference.pdparams"
    arrays = np.load(REFS / "weights_fp16.npz")
    paddle.save({k: paddle.to_tensor(v.astype("float32") if v.dtype == np.float16 else v)
                 for k, v in arrays.items()}, str(weights))
    out = work / "export"
    proc = run_main("-c", CONFIG, "-o", "Global.mode=export", "-o", "Global.device=cpu", "-o", f"Global.output={out}",
                    "-o", "Train.num_classes=80", "-o", f"Export.weight_path={weights}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert read_result(out, "export")["done_flag"] is True
    return out


def test_inference_yml_keys(exported):
    import yaml

    data = yaml.safe_load((exported / "inference.yml").read_text())
    assert data["Global"]["model_name"] == "PP-YOLOE_seg-S"
    assert data["mask"] is True and data["arch"] == "PPYOLOE" and len(data["label_list"]) == 80
    resize = data["Preprocess"][0]
    assert resize["type"] == "Resize" and resize["target_size"] == [640, 640] and resize["keep_ratio"] is False


def test_matches_paddledetection_reference(exported):
    proc = subprocess.run([sys.executable, str(TOOL), "PP-YOLOE_seg-S", str(exported), str(IMAGE),
                           str(REFS / "reference_000000142238.json")], cwd=REPO, capture_output=True, text=True,
                          timeout=600)
    print(proc.stdout)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-2000:]
    matched = int(proc.stdout.split(": ")[1].split("/")[0])
    assert matched >= 0.95 * len(json.loads((REFS / "reference_000000142238.json").read_text())["detections"])
