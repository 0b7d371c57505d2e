"""Pipelines: main.py --pipeline / --get_pipeline_config, YAML < CLI flags < predict(target_size), clear errors."""
import json
import os

import pytest
import yaml

from conftest import one_error_line, read_result, run_main
from predict_fixtures import build_seg_model, make_images

os.environ.setdefault("OMP_NUM_THREADS", "1")
ENV = {"OMP_NUM_THREADS": "1"}


@pytest.fixture(scope="module")
def model_dir(module_tmp):
    return build_seg_model(module_tmp("m") / "inference")


def test_pipeline_cli_with_model_dir_flag(model_dir, tmp_path):
    img = make_images(tmp_path, n=1)[0]
    out = tmp_path / "output"
    proc = run_main("--pipeline", "semantic_segmentation", "--input", img, "--device", "cpu", "--save_path", out,
                    "--target_size", "-1", "--model_dir", model_dir, env=ENV)
    assert proc.returncode == 0, proc.stderr
    assert "'pred': '...'" in proc.stdout
    for suffix in ("_res.json", "_res.png", "_overlay.png", "_label.png"):
        assert (out / f"img0{suffix}").is_file()
    assert read_result(out, "predict")["done_flag"] is True


def test_get_pipeline_config_then_run_it(model_dir, tmp_path):
    proc = run_main("--get_pipeline_config", "semantic_segmentation", "--save_path", tmp_path / "my_path")
    assert proc.returncode == 0, proc.stderr
    cfg_path = tmp_path / "my_path" / "semantic_segmentation.yaml"
    cfg = yaml.safe_load(cfg_path.read_text())
    assert cfg["SubModules"]["SemanticSegmentation"]["model_name"] == "PP-LiteSeg-T"
    cfg["SubModules"]["SemanticSegmentation"]["model_dir"] = str(model_dir)
    cfg_path.write_text(yaml.safe_dump(cfg))
    img = make_images(tmp_path, n=1)[0]
    proc = run_main("--pipeline", cfg_path, "--input", img, "--device", "cpu", "--save_path", tmp_path / "o", env=ENV)
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "o" / "img0_res.json").read_text())["res"]["input_path"] == str(img)
    # asking again keeps the edited copy as .bak
    again = run_main("--get_pipeline_config", "semantic_segmentation", "--save_path", tmp_path / "my_path")
    assert again.returncode == 0
    assert (tmp_path / "my_path" / "semantic_segmentation.yaml.bak").is_file()


def test_pipeline_errors_are_one_line(tmp_path):
    img = make_images(tmp_path, n=1)[0]
    # no model_dir = the official model (issue 20); offline here (a closed loopback port as the model host)
    offline = {"PADDLEX_TRAIN_OFFICIAL_URL_BASE": "http://127.0.0.1:9/", "PADDLEX_TRAIN_CACHE": str(tmp_path / "c")}
    line = one_error_line(run_main("--pipeline", "semantic_segmentation", "--input", img, "--device", "cpu",
                                   "--save_path", tmp_path / "o", env=offline), 1)
    assert "No model_dir given for PP-LiteSeg-T" in line and "--download_weights PP-LiteSeg-T" in line
    assert read_result(tmp_path / "o", "predict")["done_flag"] is False
    assert "Did you mean semantic_segmentation" in one_error_line(run_main("--pipeline", "semantic_segmentaton",
                                                                           "--input", img), 2)
    # the built-in instance pipeline YAML names no model_dir either
    assert "No model_dir" in one_error_line(run_main("--pipeline", "instance_segmentation", "--input", img,
                                                     env=offline))
    assert "--target_size" in one_error_line(run_main("--pipeline", "semantic_segmentation", "--input", img,
                                                      "--target_size", "0,x"), 2)
    assert "--pipeline only" in one_error_line(run_main("--input", img), 2)
    bad = tmp_path / "bad.yaml"
    bad.write_text("pipeline_name: semantic_segmentation\nSubModules:\n  SemanticSegmentation:\n    modeldir: x\n")
    assert "Did you mean model_dir" in one_error_line(run_main("--pipeline", bad, "--input", img), 2)


def test_pipeline_target_size_precedence(model_dir, tmp_path):
    from paddlex_train import create_pipeline

    img = make_images(tmp_path, n=1, size=(40, 32))[0]
    cfg = tmp_path / "p.yaml"
    cfg.write_text(yaml.safe_dump({"pipeline_name": "semantic_segmentation", "SubModules": {"SemanticSegmentation": {
        "model_name": "PP-LiteSeg-T", "model_dir": str(model_dir), "batch_size": 2, "target_size": 160}}}))
    pipe = create_pipeline(str(cfg), device="cpu")
    seen, run = [], pipe.model.engine.run
    pipe.model.engine.run = lambda inputs: seen.append(inputs[0].shape[2:]) or run(inputs)
    (res,) = pipe.predict(str(img))
    assert tuple(seen[-1]) == (128, 160) and res["pred"].shape == (1, 32, 40)  # YAML target_size
    list(pipe.predict(str(img), target_size=-1))
    assert tuple(seen[-1]) == (32, 40)  # predict() argument wins
    pipe2 = create_pipeline(str(cfg), device="cpu", target_size=-1)  # what --target_size does
    seen2, run2 = [], pipe2.model.engine.run
    pipe2.model.engine.run = lambda inputs: seen2.append(inputs[0].shape[2:]) or run2(inputs)
    list(pipe2.predict(str(img)))
    assert tuple(seen2[-1]) == (32, 40)
