"""inference.load_model: the one model loader behind create_model, the pipelines and predict mode. Without a
model_dir, a catalogued model comes from paddlex_train.official (issue 20) when that module exists."""
import sys
import types

import pytest

from predict_fixtures import build_seg_model, make_images
from paddlex_train.errors import ConfigError


@pytest.fixture(scope="module")
def seg_model(module_tmp):
    return build_seg_model(module_tmp("m") / "inference")


def test_no_model_dir_asks_the_official_resolver(seg_model, tmp_path, monkeypatch):
    from paddlex_train import create_model, create_pipeline

    calls = []
    fake = types.ModuleType("paddlex_train.official")

    def resolve(model_name, device=None, log=None):
        calls.append((model_name, device))
        return seg_model

    fake.resolve_official_model_dir = resolve
    monkeypatch.setitem(sys.modules, "paddlex_train.official", fake)
    img = make_images(tmp_path, n=1)[0]
    (res,) = create_model("PP-LiteSeg-T", device="cpu").predict(str(img))
    assert res["pred"].shape == (1, 32, 40)
    pipe = create_pipeline("semantic_segmentation", device="cpu")
    assert pipe.model.model_name == "PP-LiteSeg-T"
    assert calls == [("PP-LiteSeg-T", "cpu"), ("PP-LiteSeg-T", "cpu")]


def test_unknown_model_and_directory_as_name():
    from paddlex_train.inference import load_model

    with pytest.raises(ConfigError, match="Did you mean PP-LiteSeg-T"):
        load_model("PP-LiteSeg-TT")


def test_a_directory_given_as_the_name_is_the_model_dir(seg_model):
    from paddlex_train.inference import load_model

    assert load_model(str(seg_model), device="cpu").model_name == "PP-LiteSeg-T"
