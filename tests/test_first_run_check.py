"""Issue 12.1: a user's first check_dataset on their own data, with the YAML as shipped (Train.num_classes: 2).

check_dataset reports the data's class count and never fails because of Train.num_classes; a configured value
that cannot hold the label ids is a warning (result JSON + console) naming the value to set.
"""
from conftest import SEG_CONFIG_DIR, read_result, run_main, shared_data
from test_seg_check_helpers import make_dataset

CONFIG = SEG_CONFIG_DIR / "PP-LiteSeg-T.yaml"


def _check(dataset, output):
    """The documented command: only mode, dataset_dir (and output/device, so the test writes into tmp)."""
    return run_main("-c", CONFIG, "-o", "Global.mode=check_dataset", "-o", f"Global.dataset_dir={dataset}",
                    "-o", f"Global.output={output}", "-o", "Global.device=cpu")


def test_camvid_check_passes_and_names_the_class_count(tmp_path):
    root = shared_data("camvid_subset")
    proc = _check(root, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    result = read_result(tmp_path / "out", "check_dataset")
    assert result["done_flag"] is True and result["check_pass"] is True
    assert result["attributes"]["num_classes"] == 12 and result["attributes"]["max_label_id"] == 11
    warning = [w for w in result["attributes"]["warnings"] if "Train.num_classes" in w]
    assert len(warning) == 1
    assert "label ids 2-11 are >= Train.num_classes=2" in warning[0]
    assert "-o Train.num_classes=12" in warning[0]
    assert "-o Train.num_classes=12" in proc.stdout + proc.stderr  # on the console too
    assert not (tmp_path / "out/check_dataset/problems.txt").exists()


def test_enough_classes_gives_no_warning(tmp_path):
    root = make_dataset(tmp_path / "d", ids=(0, 1))
    proc = _check(root, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    result = read_result(tmp_path / "out", "check_dataset")
    assert not [w for w in result["attributes"]["warnings"] if "Train.num_classes" in w]


def test_real_label_problems_still_fail_without_num_classes(tmp_path):
    """The doctor's findings (here 0/255 masks and ids from 1) fail as before, key or no key."""
    binary = make_dataset(tmp_path / "bin", ids=(0, 255))
    proc = _check(binary, tmp_path / "out1")
    assert proc.returncode == 1 and "only 0 and 255" in read_result(tmp_path / "out1", "check_dataset")["err_msg"]
    shifted = make_dataset(tmp_path / "one", ids=(1, 2, 3))
    proc = _check(shifted, tmp_path / "out2")
    assert proc.returncode == 1
    assert "no label contains id 0" in read_result(tmp_path / "out2", "check_dataset")["err_msg"]


def test_many_real_classes_are_not_noise_with_the_default_key(tmp_path):
    """40 real classes with the YAML's num_classes=2: reported, not mistaken for interpolation noise."""
    root = make_dataset(tmp_path / "many", size=(80, 24), ids=tuple(range(40)))
    proc = _check(root, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert read_result(tmp_path / "out", "check_dataset")["attributes"]["num_classes"] == 40


def test_a_check_into_a_training_output_keeps_the_training_config(tmp_path):
    """Only train writes config.yaml (evaluate/export read the trained model's settings from it, the report shows it);
    every other mode writes <mode>_config.yaml beside it instead of overwriting the training run's."""
    root = make_dataset(tmp_path / "d", ids=(0, 1))
    out = tmp_path / "out"
    out.mkdir()
    (out / "config.yaml").write_text("Global: {model: PP-LiteSeg-T}\nTrain: {input_shape: [1, 3, 64, 64]}\n")
    before = (out / "config.yaml").read_bytes()
    proc = _check(root, out)
    assert proc.returncode == 0, proc.stderr
    assert (out / "config.yaml").read_bytes() == before
    assert "check_dataset" in (out / "check_dataset_config.yaml").read_text()
