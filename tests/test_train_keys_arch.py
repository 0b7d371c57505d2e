"""Issue 17: Train.basic_config_path (a user's PaddleSeg config replaces the shipped architecture; module keys
still apply) and Train.dy2st (semantic training through paddle.jit.to_static)."""
import pytest
import yaml

from conftest import SEG_CONFIG_DIR, one_error_line, read_result, run_main
from seg_helpers import ARCH_DIR, data, run_ok, seg_args  # noqa: F401 (data is a fixture)

MODEL = "PP-LiteSeg-T"
TINY = ("Train.input_shape=[64,64]", "Train.batch_size=1", "Train.log_interval=1", "Train.epochs_iters=2",
        "Train.eval_interval=2")


def _user_config(folder, **model):
    """A PaddleSeg config as a user writes one: a _base_ file with the published architecture and a child that
    changes the model's arguments."""
    (folder / "base.yml").write_text((ARCH_DIR / f"{MODEL}.yaml").read_text())
    path = folder / "my_liteseg.yml"
    path.write_text(yaml.safe_dump({"_base_": "base.yml", "model": model, "batch_size": 16, "iters": 160000}))
    return path


def _shapes(path):
    from paddlex_train.paddle_env import import_paddle

    return {k: tuple(v.shape) for k, v in import_paddle().load(str(path)).items()}


@pytest.mark.slow
def test_user_config_changes_the_built_model(data, tmp_path):
    user = _user_config(tmp_path, arm_out_chs=[32, 64, 96])  # shipped: [32, 64, 128]
    out = tmp_path / "out"
    run_ok(*seg_args(MODEL, "train", data, out, *TINY, f"Train.basic_config_path={user}"))
    assert read_result(out, "train")["done_flag"] is True
    used = yaml.safe_load((out / "paddleseg.yml").read_text())
    assert used["model"]["arm_out_chs"] == [32, 64, 96] and used["model"]["backbone"] == {"type": "STDC1"}
    # module keys on top of the user's file: iterations, batch size and classes come from the module config
    assert (used["iters"], used["batch_size"], used["model"]["num_classes"]) == (2, 1, 4)
    shapes = _shapes(out / "best_model" / "model.pdparams")
    # the deepest ARM's output conv has arm_out_chs[-1] filters: 128 with the shipped architecture
    assert shapes["ppseg_head.arm_list.1.conv_x._conv.weight"] == (96, 512, 3, 3)
    assert (out / "best_model" / "inference" / "inference.pdmodel").is_file()


def test_user_config_must_build_a_segmentation_model(data, tmp_path):
    bad = tmp_path / "det.yml"
    bad.write_text(yaml.safe_dump({"architecture": "MaskRCNN", "MaskRCNN": {"backbone": "ResNet"}}))
    proc = run_main(*seg_args(MODEL, "train", data, tmp_path / "o1", *TINY, f"Train.basic_config_path={bad}"))
    assert one_error_line(proc, 2) == (f"Error: Train.basic_config_path={bad} is a PaddleDetection config; semantic "
                                       f"segmentation models need a PaddleSeg config (with a `model` section).")
    typo = _user_config(tmp_path, type="PPLiteSge")
    proc = run_main(*seg_args(MODEL, "train", data, tmp_path / "o2", *TINY, f"Train.basic_config_path={typo}"))
    assert ("model type 'PPLiteSge' is not a PaddleSeg segmentation model. Did you mean PPLiteSeg?"
            in one_error_line(proc, 2))
    missing = tmp_path / "nope.yml"
    proc = run_main(*seg_args(MODEL, "train", data, tmp_path / "o3", *TINY, f"Train.basic_config_path={missing}"))
    assert one_error_line(proc, 2) == (f"Error: Train.basic_config_path={missing} does not exist. Hint: give the "
                                       f"path of your PaddleSeg model config (.yml)")
    wrong_arg = _user_config(tmp_path, arm_out_chs=[32, 64])  # three ARM stages need three channel counts
    proc = run_main(*seg_args(MODEL, "train", data, tmp_path / "o4", *TINY, f"Train.basic_config_path={wrong_arg}"))
    assert f"Train.basic_config_path={wrong_arg}: PaddleSeg could not build its model" in one_error_line(proc, 2)


@pytest.mark.slow
def test_dy2st_trains_through_to_static(data, tmp_path):
    out = tmp_path / "out"
    run_ok(*seg_args(MODEL, "train", data, out, *TINY, "Train.dy2st=True"))
    assert "training through paddle.jit.to_static" in (out / "train.log").read_text()
    assert read_result(out, "train")["done_flag"] is True


def test_dy2st_conversion_failure_names_the_model(tmp_path):
    from dataset_tools.synthetic_seg import generate
    from paddlex_train.backends.paddleseg.session import SegTrainSession
    from paddlex_train.config.loader import load_config
    from paddlex_train.errors import UnsupportedError

    data = generate(tmp_path / "data", num=4, size=32, seed=0, val_fraction=0.25)
    config = load_config(SEG_CONFIG_DIR / f"{MODEL}.yaml", [
        "Global.mode=train", "Global.device=cpu", f"Global.dataset_dir={data}", f"Global.output={tmp_path}/o",
        "Train.num_classes=4", "Train.input_shape=[32,32]", "Train.batch_size=1", "Train.epochs_iters=2",
        "Train.pretrain_weight_path=null", "Train.dy2st=True"])
    (tmp_path / "o").mkdir()
    session = SegTrainSession(config, tmp_path / "o", lambda m: None)

    def unconvertible(images):  # what paddle raises for Python control flow it cannot translate
        raise TypeError("dygraph-only construct")

    session.net = unconvertible
    try:
        with pytest.raises(UnsupportedError) as e:
            session.run_unit(1)
    finally:
        session.close()
    assert e.value.one_line() == ("Train.dy2st=True is not supported for PP-LiteSeg-T: paddle.jit.to_static could "
                                  "not convert its forward (TypeError). Hint: set -o Train.dy2st=False")
