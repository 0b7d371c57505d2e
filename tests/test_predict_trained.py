"""End to end with a really trained model: train PP-LiteSeg-T a few iterations, export, predict through main.py,
and compare every pred with paddle.inference run directly on the exported program."""
import json

import numpy as np
import pytest
from PIL import Image

from conftest import REPO, read_result, run_main
from predict_fixtures import reference_predict

SEG = REPO / "configs/modules/semantic_segmentation/PP-LiteSeg-T.yaml"
ENV = {"OMP_NUM_THREADS": "1"}


def _require(mode):
    from paddlex_train.tasks import TASKS

    if not TASKS.get("semantic_segmentation").implements(mode):
        pytest.skip(f"semantic segmentation {mode} is not available yet")


@pytest.mark.slow
def test_train_export_predict(tiny_seg_dataset, tmp_path):
    _require("train")
    _require("export")
    common = ["-c", SEG, "-o", "Global.device=cpu", "-o", f"Global.dataset_dir={tiny_seg_dataset}",
              "-o", "Train.num_classes=4", "-o", "Train.pretrain_weight_path=null"]
    train_out = tmp_path / "train"
    proc = run_main(*common, "-o", "Global.mode=train", "-o", f"Global.output={train_out}", "-o", "Train.epochs_iters=2",
                    "-o", "Train.eval_interval=2", "-o", "Train.log_interval=1", "-o", "Train.input_shape=[32,32]",
                    env=ENV)
    assert proc.returncode == 0, proc.stderr[-2000:]
    export_out = tmp_path / "export"
    proc = run_main(*common, "-o", "Global.mode=export", "-o", f"Global.output={export_out}",
                    "-o", f"Export.weight_path={train_out / 'best_model' / 'model.pdparams'}", env=ENV)
    assert proc.returncode == 0, proc.stderr[-2000:]
    model_dir = export_out if (export_out / "inference.yml").is_file() else export_out / "inference"
    images = tiny_seg_dataset / "images"
    pred_out = tmp_path / "pred"
    proc = run_main(*common, "-o", "Global.mode=predict", "-o", f"Global.output={pred_out}",
                    "-o", f"Predict.model_dir={model_dir}", "-o", f"Predict.input={images}",
                    "-o", "Predict.batch_size=4", env=ENV)
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = read_result(pred_out, "predict")["results"]
    assert len(results) == len(list(images.iterdir()))
    for entry in results:
        body = json.loads((pred_out / entry["json"]).read_text())["res"]
        rgb = np.asarray(Image.open(body["input_path"]).convert("RGB"))
        np.testing.assert_array_equal(np.array(body["pred"])[0], reference_predict(model_dir, rgb))
        for kind in ("res", "overlay", "label"):
            assert (pred_out / entry[kind]).is_file()
