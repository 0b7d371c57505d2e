"""Shared fixtures: repository paths, the shared real data, tiny generated data sets, a CLI runner."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"
SEG_CONFIG_DIR = REPO / "configs" / "modules" / "semantic_segmentation"
INST_CONFIG_DIR = REPO / "configs" / "modules" / "instance_segmentation"

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: end-to-end tests that train models (deselect with -m 'not slow')")


def shared_data(name):
    """Path of a data set in ../shared/data, skipping the test when the folder is absent."""
    path = SHARED_DATA / name
    if not path.exists():
        pytest.skip(f"shared data set {name} is not available")
    return path


def run_main(*args, cwd=None, env=None, timeout=600):
    """Run `python main.py ARGS` in a subprocess; returns CompletedProcess with text output."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([sys.executable, str(REPO / "main.py"), *map(str, args)], cwd=cwd or REPO,
                          env=full_env, capture_output=True, text=True, timeout=timeout)


def one_error_line(proc, code=None):
    """Assert a clean failure of a main.py run and return its single `Error:` line.

    Clean = exit code `code` (any non-zero when None), no traceback anywhere, exactly one line starting with
    'Error:' on stderr.
    """
    if code is None:
        assert proc.returncode != 0, proc.stdout + proc.stderr
    else:
        assert proc.returncode == code, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    errors = [line for line in proc.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, proc.stderr
    return errors[0]


def read_result(output_dir, mode):
    """Load `<output>/<mode>_result.json`."""
    return json.loads((Path(output_dir) / f"{mode}_result.json").read_text(encoding="utf-8"))


@pytest.fixture
def seg_config():
    """Path of the PP-LiteSeg-T module YAML."""
    return SEG_CONFIG_DIR / "PP-LiteSeg-T.yaml"


@pytest.fixture
def tiny_seg_dataset(tmp_path):
    """A seeded 8-pair SegDataset of 32x32 images (4 classes)."""
    from dataset_tools.synthetic_seg import generate

    return generate(tmp_path / "seg_data", num=8, size=32, seed=0, val_fraction=0.25)
