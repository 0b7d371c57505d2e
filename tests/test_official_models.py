"""Issue 20: no model_dir means the official model. Locally made random weights in each family's layout (with the
official class count) are served from a loopback server that PADDLEX_TRAIN_OFFICIAL_URL_BASE points the official
table at; the first call downloads and exports once into the cache, the second reuses it; offline is one line."""
import os
import time

import pytest

from conftest import one_error_line, read_result, run_main
from official_helpers import inst_state, save, seg_state
from predict_fixtures import LoopbackServer, make_images

WEIGHTS = {"PP-LiteSeg-T": ("seg", 19), "SeaFormer_tiny": ("seg", 150), "MaskRCNN-ResNet50-FPN": ("inst", 80)}


@pytest.fixture(scope="module")
def official(module_tmp):
    """Loopback 'model host' + a fresh cache, both named in the environment for this module's tests."""
    root = module_tmp("www")
    for model, (kind, classes) in WEIGHTS.items():
        state = seg_state(model, classes) if kind == "seg" else inst_state(model, classes)
        save(state, root / f"{model}_pretrained.pdparams")
    server = LoopbackServer(root)
    env = {"PADDLEX_TRAIN_OFFICIAL_URL_BASE": server.url + "/", "PADDLEX_TRAIN_CACHE": str(module_tmp("cache"))}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    yield server, env
    for key, value in old.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    server.close()


@pytest.fixture(scope="module")
def image(module_tmp):
    return make_images(module_tmp("img"), n=1, size=(64, 48))[0]


def _files(directory):
    return {p.name: (p.stat().st_mtime_ns, p.stat().st_size) for p in directory.iterdir()}


@pytest.mark.slow
@pytest.mark.parametrize("model,labels", [("PP-LiteSeg-T", "CITYSCAPES_19"), ("SeaFormer_tiny", "ADE20K_150")])
def test_create_model_semantic_official(official, image, model, labels):
    from paddlex_train import create_model, official as off

    server, _ = official
    start = time.perf_counter()
    result = next(create_model(model, device="cpu").predict(str(image)))
    first = time.perf_counter() - start
    assert result["label_names"] == list(getattr(off, labels)) and len(result["label_names"]) in (19, 150)
    assert result["pred"].shape == (1, 48, 64)
    directory = off.official_cache_dir(model)
    before = _files(directory)
    start = time.perf_counter()
    again = next(create_model(model, device="cpu").predict(str(image)))
    second = time.perf_counter() - start
    assert (again["pred"] == result["pred"]).all()
    assert server.hits[f"/{model}_pretrained.pdparams"] == 1, "downloaded once"
    assert _files(directory) == before, "not exported again"
    assert second < first / 2, (first, second)


@pytest.mark.slow
def test_create_model_instance_official_has_the_coco_names(official, image):
    from paddlex_train import create_model
    from paddlex_train.inference.model_config import read_inference_dir
    from paddlex_train.official import COCO_80, official_cache_dir

    model = create_model("MaskRCNN-ResNet50-FPN", device="cpu", threshold=0.0)
    result = next(model.predict(str(image)))
    assert read_inference_dir(official_cache_dir("MaskRCNN-ResNet50-FPN")).label_names == list(COCO_80)
    assert {box["label"] for box in result["boxes"]} <= set(COCO_80)


@pytest.mark.slow
def test_pipeline_command_without_model_dir(official, image, tmp_path):
    _, env = official
    out = tmp_path / "out"
    proc = run_main("--pipeline", "semantic_segmentation", "--input", image, "--device", "cpu", "--save_path", out,
                    env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert read_result(out, "predict")["done_flag"] is True
    assert (out / f"{image.stem}_res.json").is_file() or list(out.glob("*_res.*"))


def test_offline_is_one_line(image, tmp_path):
    env = {"PADDLEX_TRAIN_OFFICIAL_URL_BASE": "http://127.0.0.1:9/", "PADDLEX_TRAIN_CACHE": str(tmp_path / "c")}
    proc = run_main("--pipeline", "semantic_segmentation", "--input", image, "--device", "cpu",
                    "--save_path", tmp_path / "o", env=env)
    line = one_error_line(proc, 1)
    assert line.startswith("Error: No model_dir given for PP-LiteSeg-T, and its official weights cannot be fetched: "
                           "Could not download official weights from http://127.0.0.1:9/PP-LiteSeg-T_pretrained.pdparams")
    for part in ("python main.py --download_weights PP-LiteSeg-T", f"copy the folder {tmp_path / 'c'}",
                 "create_model('PP-LiteSeg-T', model_dir=...) / --model_dir"):
        assert part in line
    assert read_result(tmp_path / "o", "predict")["done_flag"] is False
