"""Set-up shared by the instance-segmentation end-to-end tests that run main.py with a shipped module YAML
(tests/test_inst_train_e2e.py, test_ppyoloe_seg_e2e.py, test_mask_rtdetr_e2e.py): the command line, a run that
must succeed (seg_helpers.run_ok, one thread per process), the 6-image data set, the one-epoch training run and
the two-process CPU launch."""
import pytest

from conftest import INST_CONFIG_DIR, read_result
from inst_helpers import coco_set
from seg_helpers import run_ok


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """The seeded 6-image 64 px synthetic COCO set (generated once per session); import it as a fixture."""
    return coco_set(tmp_path_factory, num=6, name="coco64x6")


def args_for(model, *model_keys):
    """`args(data, out, mode, *extra)` -> main.py arguments for `model`'s shipped YAML in `mode`.

    Every run is on the CPU, 3 classes, 64 px, logs each iteration and starts from random init (pretrained-weight
    URLs may become YAML defaults); `model_keys` are the model's own `-o KEY=VALUE` settings, `extra` raw
    arguments appended last (so an `-o` there overrides the model's keys).
    """
    cfg = INST_CONFIG_DIR / f"{model}.yaml"

    def args(data, out, mode, *extra):
        keys = [f"Global.mode={mode}", "Global.device=cpu", f"Global.dataset_dir={data}", f"Global.output={out}",
                "Train.num_classes=3", "Train.input_shape=[64,64]", *model_keys, "Train.log_interval=1",
                "Train.pretrain_weight_path=null"]
        return ["-c", cfg, *[part for key in keys for part in ("-o", key)], *extra]

    return args


def train_one_epoch(args, data, out, timeout=900):
    """Train one epoch into `out` (must succeed); returns `out`."""
    run_ok(*args(data, out, "train", "-o", "Train.epochs_iters=1"), timeout=timeout)
    return out


def train_two_processes(args, data, out, timeout=900):
    """Train one epoch with `Global.device=cpu:0,1` (one image per process) into `out`; asserts it finished
    with a best model and returns `out`."""
    run_ok(*args(data, out, "train", "-o", "Train.epochs_iters=1", "-o", "Global.device=cpu:0,1",
                 "-o", "Train.batch_size=1"), timeout=timeout)
    assert (out / "best_model" / "best_model.pdparams").is_file()
    assert read_result(out, "train")["done_flag"] is True
    return out
