"""Fixtures shared by the instance prediction and serving tests (tests/test_inst_predict_api.py,
test_serving_instance.py): the 3-image synthetic COCO set and an exported untrained Mask R-CNN with score
thresholds 0 (so it outputs instances). Import the fixtures by name into the test module."""
import pytest

from inst_helpers import coco_set, export_untrained

MODEL = "MaskRCNN-ResNet50-FPN"


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """The seeded 3-image 64 px synthetic COCO set (generated once per session)."""
    return coco_set(tmp_path_factory)


@pytest.fixture(scope="module")
def model_dir(data, module_tmp):
    """The inference directory of an untrained MODEL exported on `data` (removed with the module)."""
    return export_untrained(data, module_tmp("inst_export"), MODEL)
