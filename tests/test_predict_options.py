"""Issue 11 items 5 and 10 (predict side) and issue 20 item 4: task options are declared per task (semantic:
target_size, instance: threshold), offered by the CLI and refused where the task does not take them; the same
invalid input fails the same way in both tasks; create_pipeline has PaddleX's signature."""
import logging
import os

import pytest

from conftest import INST_CONFIG_DIR, SEG_CONFIG_DIR, one_error_line, read_result, run_main
from predict_fixtures import build_seg_model, make_images
from paddlex_train.errors import ConfigError

os.environ.setdefault("OMP_NUM_THREADS", "1")
ENV = {"OMP_NUM_THREADS": "1"}
CONFIGS = {"semantic": SEG_CONFIG_DIR / "PP-LiteSeg-T.yaml", "instance": INST_CONFIG_DIR / "MaskRCNN-ResNet50-FPN.yaml"}
PIPELINE = {"semantic": "semantic_segmentation", "instance": "instance_segmentation"}


@pytest.fixture(scope="module")
def image(module_tmp):
    return make_images(module_tmp("imgs"), n=1)[0]


@pytest.fixture(scope="module")
def seg_model(module_tmp):
    return build_seg_model(module_tmp("m") / "inference")


def test_task_options_are_declared_per_task():
    from paddlex_train.tasks import TASKS

    assert TASKS.get("semantic_segmentation").predict_options == ("target_size", "slide_window", "tta")
    assert TASKS.get("instance_segmentation").predict_options == ("threshold",)


@pytest.mark.parametrize("pipeline, flag, value, owner", [
    ("semantic_segmentation", "--threshold", "0.3", "instance_segmentation"),
    ("instance_segmentation", "--target_size", "64", "semantic_segmentation"),
])
def test_pipeline_cli_refuses_another_tasks_option(image, tmp_path, pipeline, flag, value, owner):
    proc = run_main("--pipeline", pipeline, "--input", image, "--save_path", tmp_path, flag, value, env=ENV)
    line = one_error_line(proc, 2)
    assert f"{flag} does not apply to {pipeline} (it is an option of {owner})" in line
    assert read_result(tmp_path, "predict")["done_flag"] is False


def test_pipeline_cli_checks_the_threshold_value(image):
    line = one_error_line(run_main("--pipeline", "instance_segmentation", "--input", image, "--threshold", "2"), 2)
    assert "--threshold 2 is not a score between 0 and 1" in line


def test_pipeline_cli_passes_threshold_to_the_instance_pipeline(image, tmp_path, monkeypatch):
    from paddlex_train import cli
    from paddlex_train.pipelines import pipeline as pipeline_module

    seen = {}

    class Fake:
        name = "instance_segmentation"

        def predict(self, inputs, **options):
            return iter(())

    def fake_create(name, **kwargs):
        seen.update(kwargs, name=name)
        return Fake()

    monkeypatch.setattr(pipeline_module, "create_pipeline", fake_create)
    assert cli.main(["--pipeline", "instance_segmentation", "--input", str(image), "--threshold", "0.25",
                     "--save_path", str(tmp_path)]) == 0
    assert seen["threshold"] == 0.25 and "target_size" not in seen


@pytest.mark.parametrize("task, key, value", [("semantic", "threshold", "0.3"), ("instance", "target_size", "64")])
def test_predict_mode_refuses_another_tasks_option(image, tmp_path, task, key, value):
    proc = run_main("-c", CONFIGS[task], "-o", "Global.mode=predict", "-o", "Global.device=cpu",
                    "-o", f"Global.output={tmp_path}", "-o", f"Predict.model_dir={tmp_path / 'm'}",
                    "-o", f"Predict.input={image}", "-o", f"Predict.{key}={value}", env=ENV)
    assert f"Predict.{key} does not apply to {PIPELINE[task]}" in one_error_line(proc, 2)
    assert read_result(tmp_path, "predict")["err_type"] == "ConfigError"


def _predict_failure(task, tmp_path, *overrides):
    out = tmp_path / task
    proc = run_main("-c", CONFIGS[task], "-o", "Global.mode=predict", "-o", "Global.device=cpu",
                    "-o", f"Global.output={out}", *[a for o in overrides for a in ("-o", o)], env=ENV)
    one_error_line(proc)
    return proc.returncode, read_result(out, "predict")["err_type"]


@pytest.mark.parametrize("case", ["missing model_dir", "model_dir not set", "input not set", "missing input"])
def test_same_invalid_predict_input_fails_alike_in_both_tasks(image, tmp_path, case):
    model_dir = tmp_path / "no_such_model"
    overrides = {"missing model_dir": [f"Predict.model_dir={model_dir}", f"Predict.input={image}"],
                 "model_dir not set": ["Predict.model_dir=null", f"Predict.input={image}"],
                 "input not set": [f"Predict.model_dir={model_dir}", "Predict.input=null"],
                 "missing input": [f"Predict.model_dir={image.parent}", f"Predict.input={tmp_path / 'x.png'}"]}
    results = {task: _predict_failure(task, tmp_path, *overrides[case]) for task in CONFIGS}
    assert results["semantic"] == results["instance"], results


def test_same_invalid_pipeline_input_fails_alike_in_both_tasks(tmp_path, image):
    outcomes = {}
    for task, name in PIPELINE.items():
        proc = run_main("--pipeline", name, "--input", image, "--model_dir", tmp_path / "none", env=ENV)
        one_error_line(proc)
        outcomes[task] = proc.returncode
    assert outcomes["semantic"] == outcomes["instance"], outcomes


def test_create_pipeline_refuses_unknown_keywords_with_did_you_mean():
    from paddlex_train import create_pipeline

    with pytest.raises(ConfigError, match="Did you mean model_dir"):
        create_pipeline("semantic_segmentation", model_dri="x")
    with pytest.raises(ConfigError, match="target_size does not apply to instance_segmentation"):
        create_pipeline("instance_segmentation", target_size=64)
    with pytest.raises(ConfigError, match="config must be a dict"):
        create_pipeline("semantic_segmentation", config="x.yaml")
    with pytest.raises(ConfigError, match="Did you mean model_dir"):
        create_pipeline(config={"pipeline_name": "semantic_segmentation",
                                "SubModules": {"SemanticSegmentation": {"modeldir": "x"}}})


def test_create_pipeline_config_takes_precedence_over_the_yaml(seg_model, image):
    from paddlex_train import create_pipeline

    config = {"pipeline_name": "semantic_segmentation",
              "SubModules": {"SemanticSegmentation": {"model_dir": str(seg_model), "batch_size": 2, "target_size": 64}}}
    pipe = create_pipeline(config=config, device="cpu")
    assert pipe.settings["model_name"] == "PP-LiteSeg-T"  # from the YAML
    assert (pipe.settings["batch_size"], pipe.settings["target_size"]) == (2, 64)  # from config
    (res,) = pipe.predict(str(image))
    assert res["pred"].shape[1:] == (32, 40)
    named = create_pipeline("semantic_segmentation", config={"SubModules": {"SemanticSegmentation": {
        "model_dir": str(seg_model)}}}, device="cpu", batch_size=3)
    assert named.batch_size == 3  # keyword arguments override both


def test_use_hpip_without_an_onnx_model_says_so_and_uses_paddle(seg_model, caplog):
    from paddlex_train import create_pipeline
    from paddlex_train.inference.engines import choose_engine
    from paddlex_train.inference.model_config import read_inference_dir

    said = []
    model = read_inference_dir(seg_model)
    assert choose_engine(True, warn=said.append, model=model) == "paddle" and "ONNX Runtime" in said[0]
    assert choose_engine(False, warn=said.append, model=model) == "paddle" and len(said) == 1
    caplog.set_level(logging.WARNING)
    pipe = create_pipeline("semantic_segmentation", device="cpu", use_hpip=True, model_dir=str(seg_model))
    assert pipe.engine == "paddle" and "needs an inference.onnx" in caplog.text


def test_predictors_declare_the_same_options_as_their_tasks():
    from paddlex_train.inference.base import PREDICTORS
    from paddlex_train.tasks import TASKS
    import importlib

    for task, target in PREDICTORS.items():
        module, _, name = target.partition(":")
        assert getattr(importlib.import_module(module), name).task_options == TASKS.get(task).predict_options


def test_python_api_refuses_another_tasks_option(seg_model, image):
    from paddlex_train import create_model

    with pytest.raises(ConfigError, match="threshold does not apply to semantic_segmentation"):
        create_model("PP-LiteSeg-T", model_dir=str(seg_model), device="cpu", threshold=0.5)
    model = create_model("PP-LiteSeg-T", model_dir=str(seg_model), device="cpu")
    with pytest.raises(ConfigError, match="threshold does not apply to semantic_segmentation"):
        list(model.predict(str(image), threshold=0.5))
