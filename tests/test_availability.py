"""Issue 11 item 4: one source of "which model supports which mode". The catalog lists each backend's
architecture files by path (no paddle), and TaskSpec, create_model, the pipelines and the errors read it."""
import subprocess
import sys

import pytest

from conftest import REPO
from paddlex_train import catalog as cat
from paddlex_train.errors import ConfigError, UnsupportedError


@pytest.fixture
def only_maskrcnn(tmp_path, monkeypatch):
    """The instance backend implements MaskRCNN-ResNet50 only (a stand-in archs folder)."""
    (tmp_path / "paddledet" / "archs").mkdir(parents=True)
    (tmp_path / "paddledet" / "archs" / "MaskRCNN-ResNet50.yml").write_text("architecture: MaskRCNN\n")
    monkeypatch.setattr(cat, "BACKENDS_ROOT", tmp_path)
    cat.catalog.cache_clear()
    yield
    monkeypatch.undo()
    cat.catalog.cache_clear()


def test_availability_follows_the_architecture_files(only_maskrcnn):
    assert cat.available_models("instance_segmentation") == ["MaskRCNN-ResNet50"]
    assert cat.catalog()["SOLOv2"].available is False
    assert cat.supports("SOLOv2", "check_dataset") and not cat.supports("SOLOv2", "train")


@pytest.mark.parametrize("mode", ["train", "evaluate", "export", "predict"])
def test_task_spec_refuses_an_unimplemented_model_before_importing_its_runner(only_maskrcnn, mode):
    from paddlex_train.tasks import TASKS

    with pytest.raises(UnsupportedError) as e:
        TASKS.get("instance_segmentation").runner_class(mode, "SOLOv2")
    line = e.value.one_line()
    assert "Model 'SOLOv2' is not available yet" in line and "SOLOv2.yml" in line
    assert "available instance_segmentation models: MaskRCNN-ResNet50" in line
    assert TASKS.get("instance_segmentation").runner_class("check_dataset", "SOLOv2").__name__


def test_create_model_without_model_dir_names_the_missing_implementation(only_maskrcnn):
    from paddlex_train import create_model

    with pytest.raises(ConfigError) as e:
        create_model("SOLOv2")
    assert "No model_dir given for SOLOv2" in e.value.one_line() and "not available yet" in e.value.one_line()


def test_task_spec_and_catalog_give_one_answer():
    from paddlex_train.tasks import TASKS

    for name in TASKS.names():
        spec = TASKS.get(name)
        files = sorted(p.stem for p in cat.BACKENDS[name].arch_dir.glob(f"*{cat.BACKENDS[name].suffix}"))
        assert spec.available_models() == files == cat.available_models(name)
        assert set(files) <= set(cat.models_of(name)), "every architecture file names a catalogued model"


def test_availability_and_help_load_no_paddle():
    code = ("import sys\n"
            "from paddlex_train.catalog import available_models\n"
            "from paddlex_train.tasks import TASKS\n"
            "from paddlex_train.cli import build_parser\n"
            "assert available_models() and TASKS.get('instance_segmentation').available_models()\n"
            "build_parser().format_help()\n"
            "assert 'paddle' not in sys.modules\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


# The layers that decide or report what is available. (Inside a backend, a model package may probe its own
# optional submodules; vis/ probes the optional matplotlib: dependencies, not model availability.)
DECIDING = ["catalog.py", "api.py", "cli.py", "engine.py", "tasks", "inference", "pipelines", "config"]


def test_no_find_spec_or_arch_required_for_availability():
    hits = []
    for part in DECIDING:
        root = REPO / "paddlex_train" / part
        for path in sorted([root] if root.is_file() else root.rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if "ArchRequired" in line or "find_spec" in line:
                    hits.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert not hits, hits


def test_arch_required_mixin_is_gone():
    assert not [p for p in (REPO / "paddlex_train").rglob("*.py") if "ArchRequired" in p.read_text(encoding="utf-8")]
