"""Issue 11 item 6: one meaning per config key. Train/Export.input_shape are height first for both tasks (stored
as [1, 3, H, W], which both backends read the same way), and keys whose unit depends on the task say so in the
schema and the generated README key table."""
import logging

import pytest

from conftest import INST_CONFIG_DIR, SEG_CONFIG_DIR
from paddlex_train.config import load_config
from paddlex_train.config.doc import key_table_markdown
from paddlex_train.config.schema import SCHEMA
from paddlex_train.errors import ConfigError

SEG = SEG_CONFIG_DIR / "PP-LiteSeg-T.yaml"
INST = INST_CONFIG_DIR / "MaskRCNN-ResNet50-FPN.yaml"


@pytest.mark.parametrize("config", [SEG, INST], ids=["semantic", "instance"])
def test_two_number_input_shape_is_height_first_for_both_tasks(config):
    cfg = load_config(config, ["Train.input_shape=[32,64]", "Export.input_shape=[48,80]"])
    assert cfg["Train"]["input_shape"] == [1, 3, 32, 64]
    assert cfg["Export"]["input_shape"] == [1, 3, 48, 80]


def test_nchw_input_shape_is_kept():
    assert load_config(SEG, ["Train.input_shape=[1,3,32,64]"])["Train"]["input_shape"] == [1, 3, 32, 64]


def test_non_square_shape_announces_its_reading(caplog):
    caplog.set_level(logging.WARNING)
    load_config(SEG, ["Train.input_shape=[32,64]"])
    assert "read as height 32, width 64" in caplog.text
    caplog.clear()
    load_config(SEG, ["Train.input_shape=[64,64]"])
    assert "read as" not in caplog.text


@pytest.mark.parametrize("shape, words", [
    ("[512]", "[height, width] or [1, 3, height, width]"),
    ("[1,2,3]", "[height, width] or [1, 3, height, width]"),
    ("[512,512,1,3]", "[N, 3, height, width]"),
])
def test_other_shape_forms_are_refused(shape, words):
    with pytest.raises(ConfigError) as e:
        load_config(INST, [f"Train.input_shape={shape}"])
    assert words in e.value.one_line() and "Train.input_shape" in e.value.one_line()


def test_semantic_backend_gets_width_and_height_right():
    """The PaddleSeg crop is [w, h]: a height-32, width-64 request must become crop_size [64, 32]."""
    from paddlex_train.backends.paddleseg.archs import build_suite_config

    shape = load_config(SEG, ["Train.input_shape=[32,64]"])["Train"]["input_shape"]
    suite, _ = build_suite_config("PP-LiteSeg-T", ".", 2, input_shape=shape)
    crops = [t["crop_size"] for t in suite["train_dataset"]["transforms"] if "crop_size" in t]
    assert crops == [[64, 32]]


def test_instance_backend_gets_height_and_width_right():
    from paddlex_train.backends.paddledet.config import target_size_from

    shape = load_config(INST, ["Train.input_shape=[32,64]"])["Train"]["input_shape"]
    assert target_size_from({"input_shape": shape}) == [32, 64]


def test_task_dependent_units_are_in_the_schema_and_the_key_table():
    train = SCHEMA["Train"]
    assert train["epochs_iters"].units == {"semantic_segmentation": "iterations",
                                           "instance_segmentation": "epochs"}
    assert train["eval_interval"].units == train["epochs_iters"].units
    table = key_table_markdown()
    for key in ("Train.epochs_iters", "Train.eval_interval"):
        row = next(line for line in table.splitlines() if f"`{key}`" in line)
        assert "semantic: iterations; instance: epochs" in row, row
    row = next(line for line in table.splitlines() if "`Train.input_shape`" in line)
    assert "height first for both tasks" in row
