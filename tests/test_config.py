"""Config loading, strict validation and -o overrides."""
import pytest

from paddlex_train.config import load_config
from paddlex_train.config.overrides import apply_overrides, parse_scalar, split_override
from paddlex_train.errors import ConfigError


@pytest.mark.parametrize("text,expected", [
    ("None", None), ("none", None), ("null", None), ("", None), ("~", None),
    ("True", True), ("true", True), ("False", False), ("false", False),
    ("10", 10), ("-1", -1), ("0.5", 0.5), ("1e-3", 1e-3), ("2.5E-4", 2.5e-4),
    ("[512, 512]", [512, 512]), ("[1,3,512,512]", [1, 3, 512, 512]),
    ("gpu:0,1", "gpu:0,1"), ("0,1", "0,1"), ("output/x", "output/x"), ("LabelMe", "LabelMe"),
    ("no", "no"), ("on", "on"), ("one", "one"), ("id", "id"), ("2*3", "2*3"), ("__import__('os')", "__import__('os')"),
])
def test_parse_scalar_is_yaml_not_eval(text, expected):
    assert parse_scalar(text) == expected
    assert type(parse_scalar(text)) is type(expected)


def test_override_sets_nested_and_list_index():
    cfg = {"Train": {"input_shape": [512, 512]}}
    apply_overrides(cfg, ["Train.input_shape.1=256", "CheckDataset.split.train_percent=80"])
    assert cfg["Train"]["input_shape"] == [512, 256]
    assert cfg["CheckDataset"]["split"]["train_percent"] == 80


def test_value_may_contain_equals():
    assert split_override("Global.output=a=b") == (["Global", "output"], "a=b")


@pytest.mark.parametrize("item,fragment", [
    ("Global.mode", "-o Global.mode="),
    ("global.mode=train", "-o Global.mode=train"),
    ("Global.mode =train", "-o Global.mode=train"),
    ("=train", "no key"),
    ("Global..mode=train", "empty part"),
])
def test_malformed_override_shows_correct_form(item, fragment):
    with pytest.raises(ConfigError) as e:
        apply_overrides({}, [item])
    assert fragment in e.value.one_line()


def test_unknown_key_suggests_closest(seg_config):
    with pytest.raises(ConfigError) as e:
        load_config(seg_config, ["Trian.epochs_iters=3"])
    assert "Did you mean Train.epochs_iters?" in e.value.one_line()
    with pytest.raises(ConfigError) as e:
        load_config(seg_config, ["Train.epoch_iters=3"])
    assert "Train.epochs_iters" in e.value.one_line()


@pytest.mark.parametrize("override,fragment", [
    ("Train.batch_size=-2", "must be > 0"),
    ("Train.batch_size=two", "wrong type"),
    ("Train.batch_size=True", "not a boolean"),
    ("Global.mode=fly", "must be one of"),
    ("CheckDataset.split.train_percent=120", "between 0 and 100"),
    ("Train.learning_rate=0", "must be > 0"),
    ("Train.num_classes=null", "may not be null"),
    ("Export.input_shape=[1,3,-5,5]", "positive ints"),
    ("Predict.target_size=[1,2,3]", "[w, h]"),
    ("Global.model=PP-LiteSeg-X", "Did you mean PP-LiteSeg-T"),
])
def test_bad_values_are_config_errors(seg_config, override, fragment):
    with pytest.raises(ConfigError) as e:
        load_config(seg_config, [override])
    assert fragment in e.value.one_line()


def test_split_percents_must_sum_to_100(seg_config):
    with pytest.raises(ConfigError, match="must be 100"):
        load_config(seg_config, ["CheckDataset.split.enable=True", "CheckDataset.split.train_percent=70",
                                 "CheckDataset.split.val_percent=20"])


def test_types_are_coerced(seg_config):
    cfg = load_config(seg_config, ["Train.learning_rate=1", "Global.output=2024", "Train.epochs_iters=3.0",
                                   "Train.resume_path=None", "Predict.target_size=-1"])
    assert cfg.get("Train.learning_rate") == 1.0 and isinstance(cfg.get("Train.learning_rate"), float)
    assert cfg.get("Global.output") == "2024"
    assert cfg.get("Train.epochs_iters") == 3
    assert cfg.get("Train.resume_path") is None
    assert cfg.get("Predict.target_size") == -1
    assert cfg.module == "semantic_segmentation"


def test_defaults_fill_omitted_keys(tmp_path):
    path = tmp_path / "min.yaml"
    path.write_text("Global:\n  model: SOLOv2\n")
    cfg = load_config(path)
    assert cfg.get("Train.batch_size") == 2 and cfg.get("Global.device") == "gpu:0"
    assert cfg.module == "instance_segmentation"


@pytest.mark.parametrize("text,fragment", [
    ("Global: [\n", "not valid YAML at line"),
    ("- a\n- b\n", "must hold a mapping"),
    ("Global:\n  model: SOLOv2\nExtra: 1\n", "Unknown config key Extra"),
])
def test_bad_yaml_files(tmp_path, text, fragment):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as e:
        load_config(path)
    assert fragment in e.value.one_line() and "bad.yaml" in e.value.one_line()


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.yaml")
