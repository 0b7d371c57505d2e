"""All four SeaFormer variants through main.py: 2-iteration train, evaluate, export, predict (slow)."""
import json
from pathlib import Path

import pytest

from conftest import SEG_CONFIG_DIR, read_result, run_main

pytest.importorskip("paddle")

VARIANTS = ["tiny", "small", "base", "large"]
ENV = {"OMP_NUM_THREADS": "1"}


def _main(config, mode, output, *overrides):
    proc = run_main("-c", config, "-o", f"Global.mode={mode}", "-o", f"Global.output={output}",
                    "-o", "Global.device=cpu", "-o", "Train.pretrain_weight_path=null",
                    *[a for o in overrides for a in ("-o", o)], env=ENV, timeout=900)
    assert proc.returncode == 0, f"{mode} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    result = read_result(output, mode)
    assert result["done_flag"] is True
    return result


@pytest.mark.slow
@pytest.mark.parametrize("variant", VARIANTS)
def test_train_evaluate_export_predict(variant, tiny_seg_dataset, tmp_path):
    config = SEG_CONFIG_DIR / f"SeaFormer_{variant}.yaml"
    data = f"Global.dataset_dir={tiny_seg_dataset}"
    classes = "Train.num_classes=4"
    train_out = tmp_path / "train"
    _main(config, "train", train_out, data, classes, "Train.epochs_iters=2", "Train.eval_interval=2",
          "Train.log_interval=1", "Train.input_shape=[64,64]", "Train.warmup_steps=0")
    weight = train_out / "best_model" / "model.pdparams"
    assert weight.is_file()
    log = (train_out / "train.log").read_text(encoding="utf-8")
    assert "lr: 0.000250" in log, "the recipe lr (2.5e-4) reaches the optimizer"

    evaluated = _main(config, "evaluate", tmp_path / "eval", data, classes, f"Evaluate.weight_path={weight}")
    assert 0.0 <= evaluated["metrics"]["mIoU"] <= 1.0

    export_dir = tmp_path / "export"
    exported = _main(config, "export", export_dir, data, classes, f"Export.weight_path={weight}")
    assert exported["input_shape"] is None, "dynamic H/W"
    assert (export_dir / "inference.pdmodel").is_file() and (export_dir / "inference.pdiparams").is_file()

    images = Path(tiny_seg_dataset) / "images"
    predicted = tmp_path / "predict"
    _main(config, "predict", predicted, f"Predict.model_dir={export_dir}", f"Predict.input={images}")
    jsons = sorted(predicted.glob("*_res.json"))
    assert len(jsons) == len(list(images.iterdir()))
    assert json.loads(jsons[0].read_text(encoding="utf-8"))
