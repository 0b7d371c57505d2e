"""Sliding-window / TTA prediction with exported models (issue 19): the predictor, create_model, predict(), the
pipeline CLI, and the one-line errors for models and tasks that cannot do it."""
import json
import os

import numpy as np
import pytest
import yaml

from conftest import one_error_line, run_main
from predict_fixtures import build_seg_model

os.environ.setdefault("OMP_NUM_THREADS", "1")
RADIUS = 2  # two 3x3 convolutions


def build_logits_model(out_dir, outputs="ids+logits", **options):
    """A tiny 4-class net with a logits output (see predict_fixtures.build_seg_model for the options)."""
    return build_seg_model(out_dir, num_classes=4, outputs=outputs, **options)


@pytest.fixture(scope="module")
def logits_dir(module_tmp):
    return build_logits_model(module_tmp("logits") / "inference")


@pytest.fixture(scope="module")
def image():
    return np.random.default_rng(1).integers(0, 256, (50, 70, 3), dtype=np.uint8)


def _pred(model, bgr, **options):
    (res,) = model.predict(bgr, **options)
    return res


def test_window_over_the_whole_image_is_exact_and_windows_agree_within_the_receptive_field(logits_dir, image):
    from paddlex_train import create_model
    from paddlex_train.inference.tiling import window_starts

    bgr = image[:, :, ::-1].copy()
    model = create_model("PP-LiteSeg-T", model_dir=logits_dir, device="cpu")
    plain = _pred(model, bgr)["pred"][0]
    for crop in ([70, 50], [128, 128]):
        res = _pred(model, bgr, slide_window={"crop_size": crop, "stride": crop})
        assert np.array_equal(res["pred"][0], plain)
        assert res["slide_window"] == {"crop_size": crop, "stride": crop} and res["tta"] is None
    window = {"crop_size": [32, 24], "stride": [16, 12]}
    got = _pred(model, bgr, slide_window=window)["pred"][0]
    safe = np.ones(plain.shape, bool)  # pixels >= RADIUS inside every covering window (or at the image border)
    for axis, (length, crop, stride) in enumerate(((50, 24, 12), (70, 32, 16))):
        bad = np.zeros(length, bool)
        for start in window_starts(length, crop, stride):
            for edge in (start, start + crop - 1):
                if 0 < edge < length - 1:
                    bad[max(0, edge - RADIUS + 1):edge + RADIUS] = True
        safe &= ~(bad[:, None] if axis == 0 else bad[None, :])
    assert safe.sum() > 200
    assert np.array_equal(got[safe], plain[safe])


def test_flip_tta_of_a_symmetric_image_equals_no_tta(module_tmp):
    from paddlex_train import create_model

    logits_dir = build_logits_model(module_tmp("sym") / "inference", symmetric=True)
    rng = np.random.default_rng(2)
    quarter = rng.integers(0, 256, (20, 24, 3), dtype=np.uint8)
    half = np.concatenate([quarter, quarter[:, ::-1]], axis=1)
    sym = np.ascontiguousarray(np.concatenate([half, half[::-1]], axis=0))
    model = create_model("PP-LiteSeg-T", model_dir=logits_dir, device="cpu",
                         tta={"flip_horizontal": True, "flip_vertical": True})
    plain = create_model("PP-LiteSeg-T", model_dir=logits_dir, device="cpu")
    res = _pred(model, sym)
    assert np.array_equal(res["pred"][0], _pred(plain, sym)["pred"][0])
    assert res["tta"] == {"flip_horizontal": True, "flip_vertical": True, "scales": [1.0]}
    scaled = _pred(plain, sym, tta={"scales": [0.75, 1.0, 1.25]}, slide_window={"crop_size": [32, 32],
                                                                                "stride": [24, 24]})
    assert scaled["pred"].shape == (1, 40, 48)


def test_fixed_input_models_pad_their_windows(module_tmp, image):
    from paddlex_train import create_model
    from paddlex_train.errors import ConfigError

    fixed = build_logits_model(module_tmp("fixed") / "inference", input_shape=[1, 3, 32, 32])
    model = create_model("PP-LiteSeg-T", model_dir=fixed, device="cpu")
    res = _pred(model, image[:, :, ::-1].copy(), slide_window={"crop_size": [32, 32], "stride": [24, 24]})
    assert res["pred"].shape == (1, 50, 70)
    with pytest.raises(ConfigError) as err:
        _pred(model, image, tta={"scales": [0.5, 1.0]})
    assert "cannot run rescaled windows" in str(err.value)


def test_an_ids_only_export_names_the_fix(module_tmp, image):
    from paddlex_train import create_model
    from paddlex_train.errors import ConfigError

    old = build_seg_model(module_tmp("old") / "inference")
    model = create_model("PP-LiteSeg-T", model_dir=old, device="cpu")
    with pytest.raises(ConfigError) as err:
        _pred(model, image, tta={"flip_horizontal": True})
    assert err.value.one_line() == (
        f"{old} was exported with class ids only (no Deploy.logits_output in inference.yml), so "
        "slide_window/tta cannot average its logits. Hint: re-export it with this version (-o Global.mode=export) "
        "to get the logits output")


def test_pipeline_cli_flags(logits_dir, module_tmp, image):
    from PIL import Image

    folder = module_tmp("cli")
    Image.fromarray(image).save(folder / "a.png")
    out = folder / "out"
    proc = run_main("--pipeline", "semantic_segmentation", "--model_dir", logits_dir, "--input", folder / "a.png",
                    "--device", "cpu", "--slide_window", "32,32,24,24", "--tta", "flip_horizontal,1.0",
                    "--save_path", out)
    assert proc.returncode == 0, proc.stderr
    saved = json.loads((out / "a_res.json").read_text())["res"]
    assert saved["slide_window"] == {"crop_size": [32, 32], "stride": [24, 24]}
    assert saved["tta"] == {"flip_horizontal": True, "flip_vertical": False, "scales": [1.0]}
    assert json.loads((out / "predict_result.json").read_text())["done_flag"] is True


@pytest.mark.parametrize("args, message", [
    (("--pipeline", "semantic_segmentation", "--slide_window", "512,512,600,600"),
     "Error: --slide_window.stride=[600, 600] is larger than crop_size=[512, 512]: windows would leave gaps. "
     "Hint: use a stride <= crop_size (e.g. 3/4 of it for overlap)"),
    (("--pipeline", "semantic_segmentation", "--tta", "flip,0.5"),
     "Error: --tta flip,0.5: 'flip' is neither a flip nor a scale. Hint: e.g. --tta flip_horizontal,0.75,1.0,1.25 "
     "(flip_horizontal, flip_vertical and scales)"),
    (("--pipeline", "instance_segmentation", "--slide_window", "512,512"),
     "Error: --slide_window does not apply to instance_segmentation (it is an option of semantic_segmentation). "
     "Hint: instance_segmentation takes: threshold"),
])
def test_cli_mistakes(args, message, tmp_path):
    proc = run_main(*args, "--input", tmp_path / "x.png", "--device", "cpu")
    assert one_error_line(proc, 2) == message


def test_pipeline_yaml_and_create_pipeline_take_the_options(logits_dir, module_tmp, image):
    from paddlex_train import create_pipeline
    from paddlex_train.pipelines.runner import builtin_config_path

    shipped = yaml.safe_load(builtin_config_path("semantic_segmentation").read_text())
    sub = shipped["SubModules"]["SemanticSegmentation"]
    assert sub["slide_window"] is None and sub["tta"] is None  # off by default, but there to edit
    sub.update(model_dir=str(logits_dir), slide_window={"crop_size": [32, 32], "stride": [24, 24]})
    path = module_tmp("pipe") / "seg.yaml"
    path.write_text(yaml.safe_dump(shipped))
    (res,) = create_pipeline(str(path), device="cpu").predict(image[:, :, ::-1].copy())
    assert res["slide_window"] == {"crop_size": [32, 32], "stride": [24, 24]} and res["tta"] is None
    (res,) = create_pipeline("semantic_segmentation", device="cpu", model_dir=str(logits_dir),
                             tta={"flip_vertical": True}).predict(image[:, :, ::-1].copy())
    assert res["tta"] == {"flip_horizontal": False, "flip_vertical": True, "scales": [1.0]}


def test_a_paddleseg_export_with_output_op_none_slides_too(module_tmp, image):
    from paddlex_train import create_model

    scores = build_logits_model(module_tmp("none") / "inference", outputs="logits")
    model = create_model("PP-LiteSeg-T", model_dir=scores, device="cpu")
    bgr = image[:, :, ::-1].copy()
    plain = _pred(model, bgr)["pred"][0]
    assert np.array_equal(_pred(model, bgr, slide_window={"crop_size": [70, 50], "stride": [70, 50]})["pred"][0],
                          plain)
