"""Issue 18 items 1-2: main.py --paddle2onnx, Export.format=onnx|both, and ONNX directories predicting on
onnxruntime through create_model, predict mode and the pipeline command, with use_hpip picking onnxruntime.

PP-LiteSeg-T random-init weights (bench/onnx_models.py): one fixed 128x128 export (both formats) and one dynamic
export, which paddle2onnx refuses (adaptive pooling). Cost: about 2 min on 2 cores.
"""
import sys

import numpy as np
import pytest

from conftest import REPO, SEG_CONFIG_DIR, one_error_line, read_result, run_main

sys.path.insert(0, str(REPO / "bench"))
import onnx_models  # noqa: E402

MODEL = "PP-LiteSeg-T"
ENV = {"OMP_NUM_THREADS": "1"}
REFUSED = ("Error: PP-LiteSeg-T cannot be converted to ONNX: op pool2d (Adaptive only support static input shape). "
           "Hint: export with a fixed input size (-o Export.input_shape=[512,512]) and convert that")


def test_paddle2onnx_log_lines_name_the_op():
    from paddlex_train.onnx_export import conversion_problem

    log = "[Paddle2ONNX] Start\n[ERROR][Paddle2ONNX] [pool2d: pool2d_4.tmp_0] Adaptive only support static input shape."
    assert conversion_problem(log) == ("pool2d", "Adaptive only support static input shape")
    log = "There's 1 ops are not supported yet\n=========== roi_align_v9 ===========\n"
    assert conversion_problem(log) == ("roi_align_v9", "paddle2onnx has no converter for this op")
    log = ("[Paddle2ONNX] Oops, there are some operators not supported yet, including distribute_fpn_proposals,"
           "while,\n[ERROR] Due to the unsupported operators, the conversion is aborted.")
    assert conversion_problem(log) == ("distribute_fpn_proposals, while", "paddle2onnx has no converter for these ops")
    log = "[ERROR] Cannot found attribute fp32_values in op: set_value\n"
    assert conversion_problem(log) == ("set_value", "paddle2onnx does not know its attribute fp32_values")
    assert conversion_problem("[Paddle2ONNX] PaddlePaddle model is exported as ONNX format now.") is None


def test_paddle2onnx_usage_mistakes_are_one_line(tmp_path):
    line = one_error_line(run_main("--paddle2onnx", "--paddle_model_dir", tmp_path), code=2)
    assert "--paddle2onnx needs --paddle_model_dir and --onnx_model_dir." in line
    line = one_error_line(run_main("--paddle2onnx", "--paddle_model_dir", tmp_path, "--onnx_model_dir",
                                   tmp_path / "o", "--opset_version", "3"), code=2)
    assert "--opset_version=3 must be an int from 7 to 19." in line
    line = one_error_line(run_main("--paddle2onnx", "--paddle_model_dir", tmp_path / "nope", "--onnx_model_dir",
                                   tmp_path / "o"))
    assert f"--paddle_model_dir {tmp_path / 'nope'} does not exist." in line


@pytest.fixture(scope="module")
def weights(module_tmp):
    return onnx_models.random_weights(MODEL, module_tmp("onnx_weights"))


@pytest.fixture(scope="module")
def both(weights, module_tmp):
    out = module_tmp("onnx_both")
    proc = onnx_models.export(MODEL, weights, out, input_shape=(128, 128), fmt="both")
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out


def _images():
    rng = np.random.default_rng(1)
    return [rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for h, w in ((100, 140), (64, 64), (150, 90))]


def _labels(model_dir, **kwargs):
    from paddlex_train import create_model

    predictor = create_model(MODEL, model_dir=str(model_dir), device="cpu", **kwargs)
    return type(predictor.engine).__name__, [np.asarray(r["pred"]) for r in predictor.predict(_images())]


@pytest.mark.slow
def test_export_format_both_writes_onnx_beside_paddle_and_reports_onnx_parity(both):
    result = read_result(both, "export")
    assert result["format"] == "both" and result["onnx_model"] == "inference.onnx"
    assert result["pdmodel"] == "inference.pdmodel" and (both / "inference.onnx").is_file()
    parity = result["parity"]
    assert parity["onnx_vs_paddle"]["pixel_agreement"] >= 0.999 and parity["passed"] is True
    assert parity["onnx_vs_dygraph"]["pixel_agreement"] >= 0.999


@pytest.mark.slow
def test_use_hpip_picks_onnxruntime_and_agrees_with_paddle_inference(both):
    paddle_engine, paddle_maps = _labels(both)
    onnx_engine, onnx_maps = _labels(both, use_hpip=True)
    assert (paddle_engine, onnx_engine) == ("StaticEngine", "OnnxEngine")
    same = sum(int((a == b).sum()) for a, b in zip(paddle_maps, onnx_maps))
    assert same / sum(a.size for a in paddle_maps) >= 0.999


@pytest.fixture(scope="module")
def onnx_dir(both, module_tmp):
    out = module_tmp("onnx_converted")
    (both / "paddle_only").mkdir(exist_ok=True)
    for name in ("inference.pdmodel", "inference.pdiparams", "inference.yml"):
        (both / "paddle_only" / name).write_bytes((both / name).read_bytes())
    proc = run_main("--paddle2onnx", "--paddle_model_dir", both / "paddle_only", "--onnx_model_dir", out,
                    "--opset_version", "11")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"Done: ONNX model written to {out / 'inference.onnx'}" in proc.stdout
    return out


@pytest.mark.slow
def test_paddle2onnx_writes_onnx_and_the_same_inference_yml(onnx_dir, both):
    assert sorted(p.name for p in onnx_dir.iterdir()) == ["inference.onnx", "inference.yml"]
    assert (onnx_dir / "inference.yml").read_bytes() == (both / "inference.yml").read_bytes()
    engine, onnx_maps = _labels(onnx_dir)
    _, paddle_maps = _labels(both)
    assert engine == "OnnxEngine"
    assert all(a.shape == b.shape for a, b in zip(onnx_maps, paddle_maps))
    assert sum(int((a == b).sum()) for a, b in zip(paddle_maps, onnx_maps)) / sum(a.size for a in paddle_maps) > .999


@pytest.mark.slow
def test_predict_mode_and_pipeline_command_run_an_onnx_directory(onnx_dir, tmp_path):
    import cv2

    image = tmp_path / "in.png"
    cv2.imwrite(str(image), _images()[0])
    proc = run_main("-c", SEG_CONFIG_DIR / f"{MODEL}.yaml", "-o", "Global.mode=predict", "-o", "Global.device=cpu",
                    "-o", f"Global.output={tmp_path / 'pred'}", "-o", f"Predict.model_dir={onnx_dir}",
                    "-o", f"Predict.input={image}", env=ENV)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert read_result(tmp_path / "pred", "predict")["done_flag"] is True
    proc = run_main("--pipeline", "semantic_segmentation", "--model_dir", onnx_dir, "--input", image,
                    "--device", "cpu", "--save_path", tmp_path / "pipe", env=ENV)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert any(p.suffix == ".png" for p in (tmp_path / "pipe").iterdir())


@pytest.mark.slow
def test_export_format_onnx_keeps_only_onnx_and_yml(weights, tmp_path):
    proc = onnx_models.export(MODEL, weights, tmp_path, input_shape=(128, 128), fmt="onnx",
                              extra=("-o", "Export.parity_images=2"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = read_result(tmp_path, "export")
    assert result["pdmodel"] is None and result["onnx_model"] == "inference.onnx"
    assert not (tmp_path / "inference.pdmodel").exists() and (tmp_path / "inference.yml").is_file()
    assert _labels(tmp_path)[0] == "OnnxEngine"


@pytest.mark.slow
def test_a_model_that_does_not_convert_fails_naming_model_and_op_and_writes_nothing(weights, tmp_path):
    proc = onnx_models.export(MODEL, weights, tmp_path / "dyn", fmt="paddle", extra=("-o", "Export.parity_images=1"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = tmp_path / "onnx"
    line = one_error_line(run_main("--paddle2onnx", "--paddle_model_dir", tmp_path / "dyn", "--onnx_model_dir", out),
                          code=1)
    assert line == REFUSED
    assert list(out.iterdir()) == []  # no inference.onnx, no temporary file
    proc = onnx_models.export(MODEL, weights, tmp_path / "fmt", fmt="both")
    assert one_error_line(proc, code=1) == REFUSED
    assert read_result(tmp_path / "fmt", "export")["done_flag"] is False
    assert not (tmp_path / "fmt" / "inference.onnx").exists()


@pytest.mark.slow
def test_serving_answers_from_an_onnx_directory_like_create_model(onnx_dir):
    import base64
    import io

    from fastapi.testclient import TestClient
    from PIL import Image

    from paddlex_train import create_model, create_pipeline
    from paddlex_train.serving.app import Service, create_app
    from paddlex_train.serving.settings import ServingSettings

    pipeline = create_pipeline("semantic_segmentation", device="cpu", model_dir=str(onnx_dir))
    assert pipeline.engine == "onnxruntime"
    image = _images()[0]
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG")
    c = TestClient(create_app(Service(pipeline, "semantic_segmentation", ServingSettings(), {})))
    body = c.post("/semantic-segmentation", json={"image": base64.b64encode(buf.getvalue()).decode(),
                                                  "visualize": False}).json()
    assert body["errorCode"] == 0, body
    expected = next(iter(create_model(MODEL, model_dir=str(onnx_dir), device="cpu").predict(image[:, :, ::-1])))
    assert body["result"]["labelMap"] == np.asarray(expected["pred"]).reshape(-1).tolist()
