"""Issue 11.7: a URL is downloaded once per run, even by several processes at once; a progress bar on a terminal;
the official-host prefix can be pointed at a mirror (PADDLEX_TRAIN_OFFICIAL_URL_BASE)."""
import os
import subprocess
import sys

import pytest

from conftest import REPO
from predict_fixtures import LoopbackServer

FETCH = """
import sys
from paddlex_train.utils.download import fetch_cached
print(fetch_cached(sys.argv[1], what="pretrained weights"))
"""


@pytest.fixture
def served(tmp_path):
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "w.pdparams").write_bytes(os.urandom(300_000))
    server = LoopbackServer(tmp_path / "www", delay=1.0)  # slow: both processes ask before either finishes
    yield server
    server.close()


def test_two_processes_download_once(served, tmp_path):
    env = dict(os.environ, PADDLEX_TRAIN_CACHE=str(tmp_path / "cache"), PYTHONPATH=os.pathsep.join(
        [str(REPO), os.environ.get("PYTHONPATH", "")]))
    url = f"{served.url}/w.pdparams"
    procs = [subprocess.Popen([sys.executable, "-c", FETCH, url], env=env, stdout=subprocess.PIPE, text=True)
             for _ in range(2)]
    paths = {p.communicate(timeout=60)[0].strip() for p in procs}
    assert all(p.returncode == 0 for p in procs)
    assert len(paths) == 1 and served.hits["/w.pdparams"] == 1
    cached = paths.pop()
    assert open(cached, "rb").read() == (tmp_path / "www" / "w.pdparams").read_bytes()
    assert not list((tmp_path / "cache").rglob("*.part"))


def test_progress_bar_only_when_asked_or_on_a_terminal(served, tmp_path, capsys):
    from paddlex_train.utils.download import download

    download(f"{served.url}/w.pdparams", tmp_path / "a.pdparams", progress=True)
    assert "Downloading a.pdparams" in capsys.readouterr().err
    download(f"{served.url}/w.pdparams", tmp_path / "b.pdparams")  # pytest's stderr is not a terminal
    assert "Downloading" not in capsys.readouterr().err


def test_official_url_base_points_paddlex_urls_at_a_mirror(served, tmp_path, monkeypatch):
    from paddlex_train.utils.download import PADDLEX_MODEL_HOST, effective_url, fetch_cached

    monkeypatch.setenv("PADDLEX_TRAIN_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("PADDLEX_TRAIN_OFFICIAL_URL_BASE", served.url + "/")
    assert effective_url("https://example.org/x") == "https://example.org/x"  # other hosts are left alone
    path = fetch_cached(PADDLEX_MODEL_HOST + "w.pdparams")
    assert path.read_bytes() == (tmp_path / "www" / "w.pdparams").read_bytes()
    assert fetch_cached(PADDLEX_MODEL_HOST + "w.pdparams") == path and served.hits["/w.pdparams"] == 1
