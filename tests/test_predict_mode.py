"""Global.mode=predict through main.py: complete outputs per input, pred == the exported model's argmax, collisions,
and one-line errors (missing file, non-image, 404 and oversized URLs, inference dir without inference.yml)."""
import json
import os

import numpy as np
import pytest
from PIL import Image

from conftest import REPO, one_error_line, read_result, run_main
from predict_fixtures import LoopbackServer, build_seg_model, make_images, reference_predict

os.environ.setdefault("OMP_NUM_THREADS", "1")
ENV = {"OMP_NUM_THREADS": "1"}
SEG = "configs/modules/semantic_segmentation/PP-LiteSeg-T.yaml"


@pytest.fixture(scope="module")
def model_dir(module_tmp):
    return build_seg_model(module_tmp("model") / "inference", label_names=["bg", "a", "b"])


def _predict(model_dir, inputs, out, *extra, env=None):
    return run_main("-c", SEG, "-o", "Global.mode=predict", "-o", "Global.device=cpu", "-o", f"Global.output={out}",
                    "-o", f"Predict.model_dir={model_dir}", "-o", f"Predict.input={inputs}", *extra,
                    env={**ENV, **(env or {})})


def _assert_clean_failure(proc, out, *words):
    line = one_error_line(proc)
    assert read_result(out, "predict")["done_flag"] is False
    for word in words:
        assert word in line, line
    return line


def test_directory_of_three_images_writes_three_complete_sets(model_dir, tmp_path):
    paths = make_images(tmp_path / "imgs", n=3, size=(40, 32))
    out = tmp_path / "out"
    proc = _predict(model_dir, tmp_path / "imgs", out)
    assert proc.returncode == 0, proc.stderr
    result = read_result(out, "predict")
    assert result["done_flag"] is True and result["num_inputs"] == 3
    for path in paths:
        stem = path.stem
        for suffix in ("_res.json", "_res.png", "_overlay.png", "_label.png"):
            assert (out / f"{stem}{suffix}").is_file(), stem + suffix
        body = json.loads((out / f"{stem}_res.json").read_text())["res"]
        assert body["input_path"] == str(path) and body["page_index"] is None
        assert body["label_names"] == ["bg", "a", "b"]
        pred = np.array(body["pred"])
        assert pred.shape == (1, 32, 40)
        expected = reference_predict(model_dir, np.asarray(Image.open(path).convert("RGB")))
        np.testing.assert_array_equal(pred[0], expected)
        label = Image.open(out / f"{stem}_label.png")
        assert label.mode == "P"
        np.testing.assert_array_equal(np.asarray(label), expected)
        assert Image.open(out / f"{stem}_overlay.png").size == (40, 32)
        assert Image.open(out / f"{stem}_res.png").mode == "RGB"


def test_same_stem_inputs_do_not_overwrite(model_dir, tmp_path):
    a = make_images(tmp_path / "d1", n=1, prefix="a")[0]
    b = make_images(tmp_path / "d2", n=1, prefix="a", seed=1)[0]
    c = make_images(tmp_path / "d1", n=1, prefix="a", ext=".jpg", seed=2)[0]
    out = tmp_path / "out"
    proc = _predict(model_dir, f"[{a},{b},{c}]", out)
    assert proc.returncode == 0, proc.stderr
    names = [r["json"] for r in read_result(out, "predict")["results"]]
    assert names == ["a0_res.json", "a0_2_res.json", "a0_3_res.json"]
    inputs = [json.loads((out / n).read_text())["res"]["input_path"] for n in names]
    assert inputs == [str(a), str(b), str(c)]


def test_missing_file(model_dir, tmp_path):
    proc = _predict(model_dir, tmp_path / "nope.png", tmp_path / "out")
    _assert_clean_failure(proc, tmp_path / "out", "nope.png", "does not exist")


def test_non_image_file(model_dir, tmp_path):
    bad = tmp_path / "notes.png"
    bad.write_text("not an image")
    proc = _predict(model_dir, bad, tmp_path / "out")
    _assert_clean_failure(proc, tmp_path / "out", "notes.png", "not a readable image")


def test_missing_inference_yml(tmp_path):
    model = build_seg_model(tmp_path / "noyml", with_yml=False)
    img = make_images(tmp_path / "imgs", n=1)[0]
    proc = _predict(model, img, tmp_path / "out")
    _assert_clean_failure(proc, tmp_path / "out", "inference.yml", str(model))


@pytest.fixture
def server(tmp_path):
    make_images(tmp_path / "www", n=1)
    srv = LoopbackServer(tmp_path / "www")
    yield srv
    srv.close()


def test_url_input_and_url_errors(model_dir, tmp_path, server):
    env = {"PADDLEX_TRAIN_CACHE": str(tmp_path / "cache")}
    out = tmp_path / "ok"
    proc = _predict(model_dir, f"{server.url}/img0.png", out, env=env)
    assert proc.returncode == 0, proc.stderr
    assert (out / "img0_res.json").is_file() and (out / "img0_overlay.png").is_file()
    proc = _predict(model_dir, f"{server.url}/missing.png", tmp_path / "e1", env=env)
    _assert_clean_failure(proc, tmp_path / "e1", "HTTP 404", "missing.png")
    proc = _predict(model_dir, f"{server.url}/too_big.png", tmp_path / "e2", env=env)
    _assert_clean_failure(proc, tmp_path / "e2", "larger than the limit")


def test_yaml_target_size_reaches_the_predictor(model_dir, tmp_path, monkeypatch):
    """Predict.target_size (the YAML level) sets the inference size; pred stays at the input's size."""
    from paddlex_train.config import load_config
    from paddlex_train.inference.engine import StaticEngine
    from paddlex_train.tasks import TASKS
    from paddlex_train.tasks.semantic_segmentation.predictor import SegPredictRunner

    seen, run = [], StaticEngine.run
    monkeypatch.setattr(StaticEngine, "run", lambda self, inputs: seen.append(inputs[0].shape[2:]) or run(self, inputs))
    img = make_images(tmp_path / "imgs", n=1, size=(40, 32))[0]
    overrides = [f"Global.output={tmp_path / 'out'}", "Global.mode=predict", "Global.device=cpu",
                 f"Predict.model_dir={model_dir}", f"Predict.input={img}", "Predict.target_size=160"]
    config = load_config(REPO / SEG, overrides)
    payload = SegPredictRunner(config, TASKS.get("semantic_segmentation")).run()
    assert tuple(seen[-1]) == (128, 160) and payload["num_inputs"] == 1
    body = json.loads((tmp_path / "out" / "img0_res.json").read_text())["res"]
    assert np.array(body["pred"]).shape == (1, 32, 40)


def test_outputs_never_replace_an_input(model_dir, tmp_path):
    """Predicting a folder into itself, where an input is called like an output (a_res.png), keeps the input."""
    folder = tmp_path / "imgs"
    a = make_images(folder, n=1, prefix="a")[0]
    victim = folder / "a0_res.png"  # what a0.png's pseudo-colour output would be called
    victim.write_bytes(make_images(tmp_path / "other", n=1, seed=3)[0].read_bytes())
    before = victim.read_bytes()
    proc = _predict(model_dir, folder, folder)
    assert proc.returncode == 0, proc.stderr
    assert victim.read_bytes() == before
    names = [r["json"] for r in read_result(folder, "predict")["results"]]
    assert names == ["a0_2_res.json", "a0_res_res.json"]
    assert json.loads((folder / names[0]).read_text())["res"]["input_path"] == str(a)
