"""Shared fixtures: repository paths, the shared real data, tiny generated data sets, a CLI runner."""
import importlib.util
import json
import os
import shutil
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


# Disk the suite may hold in its temporary folder at once. Training runs write checkpoints of 100-700 MB; CI
# machines can have little free disk, so passing tests' folders are removed as they finish (pytest.ini:
# tmp_path_retention_policy = failed), module fixtures remove theirs (module_tmp), and the peak is reported.
DISK_BUDGET_MB = float(os.environ.get("PXT_TEST_DISK_BUDGET_MB", 4096))
_DISK = {"base": None, "peak": 0, "test": ""}


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: end-to-end tests that train models (deselect with -m 'not slow')")


@pytest.fixture(scope="session", autouse=True)
def _isolated_download_cache(tmp_path_factory):
    """Every download (weights or inputs by URL) of the suite goes to its own temporary cache, never to ~/.cache."""
    old = os.environ.get("PADDLEX_TRAIN_CACHE")
    os.environ["PADDLEX_TRAIN_CACHE"] = str(tmp_path_factory.getbasetemp() / "download_cache")
    yield
    if old is None:
        os.environ.pop("PADDLEX_TRAIN_CACHE", None)
    else:
        os.environ["PADDLEX_TRAIN_CACHE"] = old


NET_GUARD_DIR = REPO / "tests" / "net_guard"


@pytest.fixture(scope="session", autouse=True)
def _net_guard_session(tmp_path_factory):
    """No test may reach beyond this machine (see tests/net_guard/sitecustomize.py): installed here and, through
    PYTHONPATH, in every Python subprocess; attempts are logged to one file per session."""
    log = tmp_path_factory.getbasetemp() / "net_guard.log"
    log.touch()
    os.environ["PXT_NET_GUARD_LOG"] = str(log)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(NET_GUARD_DIR), os.environ.get("PYTHONPATH")]))
    spec = importlib.util.spec_from_file_location("pxt_net_guard", NET_GUARD_DIR / "sitecustomize.py")
    guard = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(guard)
    guard.install()
    yield log


@pytest.fixture(autouse=True)
def _no_network(_net_guard_session):
    """Fails the test that tried to resolve or connect to a remote host (itself or in a subprocess)."""
    before = _net_guard_session.stat().st_size
    yield
    with open(_net_guard_session, encoding="utf-8") as f:
        f.seek(before)
        attempts = f.read().strip()
    if attempts:
        pytest.fail(f"the test reached for the network (tests must use the loopback server):\n{attempts}",
                    pytrace=False)


@pytest.fixture(scope="session", autouse=True)
def _disk_meter(tmp_path_factory):
    """Points the disk meter (pytest_runtest_call below) at this session's temporary folder."""
    _DISK["base"] = tmp_path_factory.getbasetemp()


@pytest.fixture(scope="module")
def module_tmp(tmp_path_factory, request):
    """`module_tmp(name)` -> a new folder shared by one test module; removed when the module is done."""
    root = tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1])

    def make(name):
        path = root / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    yield make
    shutil.rmtree(root, ignore_errors=True)


def _tree_mb(root):
    total = 0
    for folder, _, files in os.walk(root):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except OSError:
                pass
    return total / 2**20


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """After each test body (before its folder is removed): record the suite's temporary disk use."""
    yield
    if _DISK["base"] is not None:
        used = _tree_mb(_DISK["base"])
        if used > _DISK["peak"]:
            _DISK["peak"], _DISK["test"] = used, item.nodeid


def pytest_terminal_summary(terminalreporter):
    if _DISK["base"] is None:
        return
    over = _DISK["peak"] > DISK_BUDGET_MB
    terminalreporter.write_line(f"temporary disk peak: {_DISK['peak']:.0f} MB (budget {DISK_BUDGET_MB:.0f} MB) "
                                f"after {_DISK['test']}" + (" -- over budget, the run fails: a test or fixture "
                                                            "keeps large outputs alive" if over else ""),
                                red=over, bold=over)


def pytest_sessionfinish(session, exitstatus):
    """Fail the run when the temporary disk peak is over budget (a leak of training outputs between tests)."""
    if _DISK["peak"] > DISK_BUDGET_MB and exitstatus == 0:
        session.exitstatus = 1


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
