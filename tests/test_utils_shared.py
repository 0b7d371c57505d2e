"""Shared utilities: downloads against a loopback server, palette, path safety, backups."""
import http.server

import numpy as np
import pytest

from predict_fixtures import serve_handler
from paddlex_train.errors import DatasetError, PxtError
from paddlex_train.utils.download import download, fetch_cached
from paddlex_train.utils.fs import backup, safe_join, write_text_keeping_backup
from paddlex_train.vis.palette import label_palette, overlay, palette_image, pseudo_colour


@pytest.fixture
def http_server():
    """A loopback HTTP server serving /small (10 bytes), /big (2 MB); other paths 404."""
    bodies = {"/small": b"0123456789", "/big": b"x" * (2 << 20)}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = bodies.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    with serve_handler(Handler) as port:
        yield f"http://127.0.0.1:{port}"


def test_download_ok_and_cached(http_server, tmp_path):
    path = fetch_cached(http_server + "/small", cache_dir=tmp_path)
    assert path.read_bytes() == b"0123456789"
    assert fetch_cached(http_server + "/small", cache_dir=tmp_path) == path


def test_download_errors(http_server, tmp_path):
    with pytest.raises(PxtError, match="HTTP 404"):
        download(http_server + "/missing", tmp_path / "m")
    with pytest.raises(PxtError, match="larger than the limit"):
        download(http_server + "/big", tmp_path / "b", max_bytes=1000)
    with pytest.raises(PxtError, match="Could not download"):
        download("http://127.0.0.1:9/x", tmp_path / "c", timeout=2)
    assert not list(tmp_path.iterdir())


def test_palette_matches_paddlex():
    pal = label_palette()
    assert tuple(pal[0]) == (128, 0, 0) and tuple(pal[1]) == (0, 128, 0) and tuple(pal[255]) == (0, 0, 0)
    lbl = np.array([[0, 1], [2, 255]], dtype=np.uint8)
    assert np.asarray(pseudo_colour(lbl))[0, 0].tolist() == [128, 0, 0]
    assert np.array_equal(np.asarray(palette_image(lbl)), lbl)
    assert overlay(np.zeros((2, 2, 3), np.uint8), lbl).size == (2, 2)


def test_safe_join_and_backup(tmp_path):
    assert safe_join(tmp_path, "a\\b.png") == (tmp_path / "a" / "b.png").resolve()
    with pytest.raises(DatasetError, match="outside the data set"):
        safe_join(tmp_path, "../x.png", source="train.txt:3")
    f = tmp_path / "t.txt"
    f.write_text("old")
    write_text_keeping_backup(f, "new")
    assert f.read_text() == "new" and (tmp_path / "t.txt.bak").read_text() == "old"
    f2 = tmp_path / "u.txt"
    f2.write_text("1")
    backup(f2)
    f2.write_text("2")
    backup(f2)
    assert (tmp_path / "u.txt.bak").read_text() == "1" and (tmp_path / "u.txt.bak.1").read_text() == "2"
