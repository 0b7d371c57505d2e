"""Every PaddleSeg architecture: train 2 iterations on 64x64 images (the run evaluates and exports itself), and the
exported program's argmax equals the dynamic graph's (paddle.inference). Parametrised over the arch files.
The evaluate and export modes are run as separate commands for one CNN and one transformer (FULL_MODES) to keep
the suite's time down; they use the same code as the in-training evaluation and export."""
import json
import time

import numpy as np
import pytest

from conftest import read_result
from seg_helpers import ARCH_DIR, data, run_ok, seg_args, static_vs_dynamic  # noqa: F401 (data is a fixture)

MODELS = sorted(p.stem for p in ARCH_DIR.glob("*.yaml") if not p.stem.startswith("SeaFormer"))
# Swin cannot be exported with dynamic H/W: these arch files carry export.input_shape; tests shrink it to 64.
FIXED_EXPORT = {"MaskFormer_tiny", "MaskFormer_small"}
FULL_MODES = {"PP-LiteSeg-T", "MaskFormer_tiny"}
TIMES = {}


@pytest.mark.slow
@pytest.mark.parametrize("model", MODELS)
def test_train_evaluate_export(model, data, tmp_path):
    start = time.time()
    out = tmp_path / "out"
    shape = ["Export.input_shape=[1,3,64,64]"] if model in FIXED_EXPORT else []
    run_ok(*seg_args(model, "train", data, out, "Train.epochs_iters=2", "Train.eval_interval=2",
                     "Train.log_interval=1", "Train.batch_size=2", "Train.input_shape=[64,64]", *shape))
    body = read_result(out, "train")
    assert body["done_flag"] is True and body["models"]["best"]["pdparams"] == "best_model/model.pdparams"
    for rel in ("best_model/model.pdparams", "best_model/model.pdstates", "best_model/inference/inference.yml",
                "iter_2/model.pdopt", "iter_2/inference/inference.pdmodel", "train.log", "results.csv"):
        assert (out / rel).is_file(), rel
    best_inf, last_inf = out / "best_model" / "inference", out / "iter_2" / "inference"
    for name in ("inference.pdmodel", "inference.pdiparams", "inference.yml"):
        assert (best_inf / name).read_bytes() == (last_inf / name).read_bytes()
    assert "[EVAL] iter 2: mIoU" in (out / "train.log").read_text()
    fixed = [1, 3, 64, 64] if model in FIXED_EXPORT else None
    exported = best_inf
    if model in FULL_MODES:
        run_ok(*seg_args(model, "evaluate", data, out))
        result = read_result(out, "evaluate")
        assert set(result["metrics"]) == {"mIoU", "Acc", "Kappa", "Dice"}
        names = (data / "class_name.txt").read_text().split()
        assert list(result["class_metrics"]) == names  # keyed by the data set's class names
        assert set(result["class_metrics"][names[0]]) >= {"IoU", "accuracy", "precision", "recall"}
        for name in ("confusion_matrix.csv", "confusion_matrix_normalized.csv", "confusion_matrix.png"):
            assert (out / name).is_file()
        exported = tmp_path / "exp"
        weight = out / "best_model" / "model.pdparams"
        run_ok(*seg_args(model, "export", data, exported, f"Export.weight_path={weight}", *shape))
    for static, optimised, dynamic, decisive in static_vs_dynamic(out / "best_model" / "model.pdparams", model,
                                                                  data, exported, input_shape=fixed):
        assert static.dtype == np.int32 and static.shape == dynamic.shape
        assert (static == dynamic).all()
        assert (optimised == dynamic)[decisive].all()
    TIMES[model] = time.time() - start
    print(json.dumps(TIMES))
