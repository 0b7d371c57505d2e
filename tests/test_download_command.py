"""Issue 12.4: `python main.py --download_weights <Model>|all` pre-fills the cache with a model's pretrained
(YAML default) and official weights; a later offline run finds them there."""
import pytest

from conftest import one_error_line, run_main
from predict_fixtures import LoopbackServer


@pytest.fixture
def host(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    for name in ("PP-LiteSeg-T_backbone_imagenet_pretrained", "PP-LiteSeg-T_pretrained", "SOLOv2_pretrained"):
        (root / f"{name}.pdparams").write_bytes(name.encode() * 100)
    server = LoopbackServer(root)
    yield server
    server.close()


def test_prefetch_then_offline(host, tmp_path, monkeypatch):
    env = {"PADDLEX_TRAIN_OFFICIAL_URL_BASE": host.url + "/", "PADDLEX_TRAIN_CACHE": str(tmp_path / "cache")}
    proc = run_main("--download_weights", "PP-LiteSeg-T,SOLOv2", env=env)
    assert proc.returncode == 0, proc.stderr
    assert "3 file(s) in the cache" in proc.stdout  # SOLOv2's pretrained and official weights are one file
    assert sorted(host.hits) == ["/PP-LiteSeg-T_backbone_imagenet_pretrained.pdparams",
                                 "/PP-LiteSeg-T_pretrained.pdparams", "/SOLOv2_pretrained.pdparams"]
    host.close()  # offline from here on: both kinds of weights come from the cache
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    from paddlex_train.config import load_config
    from paddlex_train.official import fetch_official_weights
    from paddlex_train.training.weights import prefetch_pretrained

    config = load_config("configs/modules/semantic_segmentation/PP-LiteSeg-T.yaml")
    assert prefetch_pretrained(config["Train"], "PP-LiteSeg-T").read_bytes().startswith(b"PP-LiteSeg-T_backbone")
    assert fetch_official_weights("PP-LiteSeg-T").read_bytes().startswith(b"PP-LiteSeg-T_pretrained")


def test_unknown_model_and_stray_arguments(tmp_path):
    assert "Did you mean PP-LiteSeg-T?" in one_error_line(run_main("--download_weights", "PP-LiteSeg-X"), 2)
    assert "takes only model names" in one_error_line(run_main("--download_weights", "all", "-c", "x.yaml"), 2)


def test_offline_download_names_the_url(tmp_path):
    env = {"PADDLEX_TRAIN_OFFICIAL_URL_BASE": "http://127.0.0.1:9/", "PADDLEX_TRAIN_CACHE": str(tmp_path / "c")}
    line = one_error_line(run_main("--download_weights", "PP-LiteSeg-T", env=env), 1)
    assert "http://127.0.0.1:9/PP-LiteSeg-T_backbone_imagenet_pretrained.pdparams" in line
