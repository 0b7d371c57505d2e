"""The Python API: lazy import, create_model, every input kind, target_size precedence, result methods."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from conftest import REPO
from predict_fixtures import LoopbackServer, build_seg_model, make_images, reference_predict

os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.fixture(scope="module")
def model_dir(module_tmp):
    return build_seg_model(module_tmp("m") / "inference")


@pytest.fixture(scope="module")
def resize_model_dir(module_tmp):
    """A model whose inference.yml carries a Resize to 320x320 (the lowest-priority target size)."""
    tfs = [{"type": "Resize", "target_size": [320, 320]}, {"type": "Normalize", "mean": [0.5] * 3, "std": [0.5] * 3}]
    return build_seg_model(module_tmp("r") / "inference", transforms=tfs)


@pytest.fixture(scope="module")
def images(module_tmp):
    return make_images(module_tmp("imgs"), n=3, size=(40, 32))


def _rgb(path):
    return np.asarray(Image.open(path).convert("RGB"))


def test_import_is_lazy():
    code = ("import sys, paddlex_train; f = paddlex_train.create_model; import paddlex_train.api;"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('paddle', 'paddleseg', 'ppdet')))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip() == "[]", proc.stderr


def test_every_input_kind(model_dir, images, tmp_path, monkeypatch):
    from paddlex_train import create_model

    model = create_model("PP-LiteSeg-T", model_dir=model_dir, device="cpu")
    expected = [reference_predict(model_dir, _rgb(p)) for p in images]
    by_path = [r["pred"][0] for r in model.predict(str(images[0]))]
    np.testing.assert_array_equal(by_path[0], expected[0])
    by_dir = list(model.predict(images[0].parent, batch_size=2))
    assert [r["input_path"] for r in by_dir] == [str(p) for p in images]
    for r, e in zip(by_dir, expected):
        np.testing.assert_array_equal(r["pred"][0], e)
    bgr = _rgb(images[1])[:, :, ::-1].copy()  # ndarray inputs are BGR, as cv2.imread returns them
    mixed = list(model.predict([str(images[2]), bgr], batch_size=2))
    np.testing.assert_array_equal(mixed[0]["pred"][0], expected[2])
    np.testing.assert_array_equal(mixed[1]["pred"][0], expected[1])
    assert mixed[1]["input_path"] is None and mixed[1].basename == "ndarray_1"
    srv = LoopbackServer(images[0].parent)
    try:
        monkeypatch.setenv("PADDLEX_TRAIN_CACHE", str(tmp_path / "cache"))
        (res,) = list(model.predict(f"{srv.url}/{images[0].name}"))
        assert list((tmp_path / "cache" / "inputs").glob("*/*"))  # the URL input went to the cache named by the env
    finally:
        srv.close()
    np.testing.assert_array_equal(res["pred"][0], expected[0])
    assert res.basename == images[0].stem


def _spy_sizes(model):
    """Record the (h, w) of every batch the engine receives."""
    seen, run = [], model.engine.run

    def spy(inputs):
        seen.append(tuple(inputs[0].shape[2:]))
        return run(inputs)

    model.engine.run = spy
    return seen


def test_target_size_precedence(resize_model_dir, images):
    from paddlex_train import create_model

    # 40x32 image. Deploy Resize [320,320] -> fit keeping ratio -> 320x256.
    model = create_model("PP-LiteSeg-T", model_dir=resize_model_dir, device="cpu")
    seen = _spy_sizes(model)
    (r,) = model.predict(str(images[0]))
    assert seen[-1] == (256, 320) and r["pred"].shape == (1, 32, 40)  # pred always at the input's size
    # create_model(target_size) beats the YAML: 160 -> 160x128.
    model = create_model("PP-LiteSeg-T", model_dir=resize_model_dir, device="cpu", target_size=160)
    seen = _spy_sizes(model)
    list(model.predict(str(images[0])))
    assert seen[-1] == (128, 160)
    # predict(target_size) beats create_model: -1 = original resolution; [64, 32] -> ratio kept, rounded up to /32.
    list(model.predict(str(images[0]), target_size=-1))
    assert seen[-1] == (32, 40)
    list(model.predict(str(images[0]), target_size=[64, 32]))
    assert seen[-1] == (32, 64)
    # None falls through to the lower-priority setting.
    list(model.predict(str(images[0]), target_size=None))
    assert seen[-1] == (128, 160)


def test_fixed_input_shape_is_resized_to_and_back(tmp_path, images):
    from paddlex_train import create_model

    fixed = build_seg_model(tmp_path / "fixed", input_shape=[1, 3, 48, 48])
    model = create_model(None, model_dir=fixed, device="cpu", target_size=-1)
    seen = _spy_sizes(model)
    results = list(model.predict(images[0].parent, batch_size=3))
    assert seen == [(48, 48)] * 3 and all(r["pred"].shape == (1, 32, 40) for r in results)


def test_bad_target_size_and_missing_model_dir(model_dir, monkeypatch, tmp_path):
    from paddlex_train import create_model
    from paddlex_train.errors import ConfigError, PxtError

    with pytest.raises(ConfigError, match="target size"):
        create_model("PP-LiteSeg-T", model_dir=model_dir, device="cpu", target_size=[1, 2, 3])
    # no model_dir = the official model (issue 20); offline here (a closed loopback port as the model host)
    monkeypatch.setenv("PADDLEX_TRAIN_OFFICIAL_URL_BASE", "http://127.0.0.1:9/")
    monkeypatch.setenv("PADDLEX_TRAIN_CACHE", str(tmp_path / "cache"))
    with pytest.raises(PxtError, match="No model_dir given for PP-LiteSeg-T") as info:
        create_model("PP-LiteSeg-T")
    assert "--download_weights PP-LiteSeg-T" in info.value.one_line() and "\n" not in info.value.one_line()
    with pytest.raises(ConfigError, match="Did you mean PP-LiteSeg-T"):
        create_model("PP-LiteSeg-X", model_dir=model_dir)


def test_result_methods(model_dir, images, tmp_path, capsys):
    from paddlex_train import create_model

    (res,) = create_model("PP-LiteSeg-T", model_dir=model_dir, device="cpu").predict(str(images[0]))
    res.print()
    printed = json.loads(capsys.readouterr().out)
    assert printed == {"res": {"input_path": str(images[0]), "page_index": None, "pred": "...", "label_names": None}}
    assert res.json["res"]["pred"] == res["pred"].tolist()
    assert set(res.img) == {"res"} and isinstance(res.img["res"], Image.Image)
    assert res.save_to_json(tmp_path / "d") == tmp_path / "d" / "img0_res.json"
    assert res.save_to_img(tmp_path / "d") == tmp_path / "d" / "img0_res.png"
    assert res.save_to_json(tmp_path / "f" / "x.json").is_file()
    assert res.save_to_img(tmp_path / "f" / "x.jpg").is_file()
    assert json.loads((tmp_path / "f" / "x.json").read_text()) == res.json
    assert Image.open(tmp_path / "d" / "img0_res.png").size == (40, 32)


def test_onednn_failure_falls_back_once(model_dir, images, monkeypatch):
    from paddlex_train import create_model
    from paddlex_train.inference.engine import StaticEngine

    monkeypatch.setenv("PXT_MKLDNN", "1")
    model = create_model("PP-LiteSeg-T", model_dir=model_dir, device="cpu")
    assert model.engine.use_mkldnn
    real = StaticEngine._run_once

    def flaky(self, inputs, *outputs):  # outputs: the indices to copy out (semantic: the ids only)
        if self.use_mkldnn:
            raise RuntimeError("(Unimplemented) no oneDNN kernel")
        return real(self, inputs, *outputs)

    monkeypatch.setattr(StaticEngine, "_run_once", flaky)
    (res,) = model.predict(str(images[0]))
    assert not model.engine.use_mkldnn
    np.testing.assert_array_equal(res["pred"][0], reference_predict(model_dir, _rgb(images[0])))


def test_deploy_resize_by_short_and_unknown_transform(tmp_path, images):
    from paddlex_train import create_model
    from paddlex_train.errors import ConfigError

    tfs = [{"type": "ResizeByShort", "short_size": 64}, {"type": "Normalize"}]
    model = create_model(None, model_dir=build_seg_model(tmp_path / "short", transforms=tfs), device="cpu")
    seen = _spy_sizes(model)
    (res,) = model.predict(str(images[0]))  # 40x32 -> short side 64 -> 80x64
    assert seen == [(64, 80)] and res["pred"].shape == (1, 32, 40)
    bad = build_seg_model(tmp_path / "bad", transforms=[{"type": "Padding", "target_size": [64, 64]}])
    with pytest.raises(ConfigError, match=r"Deploy.transforms\[0\] has unsupported type 'Padding'"):
        create_model(None, model_dir=bad, device="cpu")


def test_create_model_accepts_a_directory_as_name(model_dir, images):
    from paddlex_train import create_model

    model = create_model(str(model_dir), device="cpu")  # PaddleX's create_model(model_dir) form
    assert model.model_name == "PP-LiteSeg-T"
    (res,) = model.predict(images[0])
    np.testing.assert_array_equal(res["pred"][0], reference_predict(model_dir, _rgb(images[0])))


def test_checkpoint_dir_instead_of_inference_dir_names_the_right_one(model_dir):
    from paddlex_train import create_model
    from paddlex_train.errors import PxtError

    with pytest.raises(PxtError, match="set it to .*inference"):
        create_model("PP-LiteSeg-T", model_dir=model_dir.parent, device="cpu")
