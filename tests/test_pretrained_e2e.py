"""Issue 12.4 / 11.7 through main.py with the YAMLs as shipped: the default pretrained URL (PaddleX's host, pointed
at a loopback server by PADDLEX_TRAIN_OFFICIAL_URL_BASE) loads a backbone-only file into the backbone, a
whole-model file loads whole (heads of another class count skipped), train.log says which; offline stops before any
work with one line; a 2-process launch downloads once."""
import numpy as np
import pytest

from conftest import INST_CONFIG_DIR, SEG_CONFIG_DIR, one_error_line, read_result, run_main
from inst_helpers import coco_set
from official_helpers import backbone_only, inst_state, save, seg_state
from predict_fixtures import LoopbackServer
from seg_helpers import data  # noqa: F401 (a fixture)

SEG = SEG_CONFIG_DIR / "PP-LiteSeg-T.yaml"
BACKBONE_FILE = "PP-LiteSeg-T_backbone_imagenet_pretrained.pdparams"
ENV = {"OMP_NUM_THREADS": "1"}


def seg_train(data, out, *extra):
    """The documented train command: mode, data, output, class count, plus small-run keys; no pretrain key."""
    args = ["-c", SEG, "-o", "Global.mode=train", "-o", "Global.device=cpu", "-o", f"Global.dataset_dir={data}",
            "-o", f"Global.output={out}", "-o", "Train.num_classes=4", "-o", "Train.epochs_iters=1",
            "-o", "Train.input_shape=[64,64]", "-o", "Train.batch_size=2", "-o", "Train.log_interval=1"]
    return args + [x for e in extra for x in ("-o", e)]


@pytest.fixture(scope="module")
def www(module_tmp):
    """Loopback server with PP-LiteSeg-T files in PaddleX's two layouts (19 Cityscapes classes, random)."""
    root = module_tmp("www")
    state = seg_state("PP-LiteSeg-T", 19)
    save(state, root / "PP-LiteSeg-T_pretrained.pdparams")
    save(backbone_only(state), root / BACKBONE_FILE)
    server = LoopbackServer(root)
    yield server, state
    server.close()


def _env(server, tmp_path, **more):
    return {**ENV, "PADDLEX_TRAIN_OFFICIAL_URL_BASE": server.url + "/",
            "PADDLEX_TRAIN_CACHE": str(tmp_path / "cache"), **more}


def _corr(a, b):
    return float(np.corrcoef(np.ravel(a), np.ravel(b))[0, 1])


@pytest.mark.slow
def test_yaml_default_backbone_file_loads_into_the_backbone(www, data, tmp_path):
    server, state = www
    out = tmp_path / "out"
    # a tiny learning rate (a training key) so that the weights after the one step still show where they came from
    proc = run_main(*seg_train(data, out, "Train.learning_rate=1e-9"), env=_env(server, tmp_path))
    assert proc.returncode == 0, proc.stderr[-2000:]
    n_backbone = sum(k.startswith("backbone.") for k in state)
    log = (out / "train.log").read_text()
    assert (f"(backbone only) into model.backbone: {n_backbone} of {n_backbone} backbone tensors; the other "
            f"{len(state) - n_backbone} model tensors keep their initialisation") in log
    assert server.hits[f"/{BACKBONE_FILE}"] == 1
    from paddlex_train.paddle_env import import_paddle

    trained = import_paddle().load(str(out / "best_model" / "model.pdparams"))
    key = next(k for k in state if k.startswith("backbone.") and k.endswith("conv.weight"))
    assert _corr(trained[key].numpy(), state[key]) > 0.99, "the backbone starts from the file"


@pytest.mark.slow
def test_whole_model_file_skips_the_19_class_heads(www, data, tmp_path):
    server, _ = www
    out = tmp_path / "out"
    proc = run_main(*seg_train(data, out, f"Train.pretrain_weight_path={server.url}/PP-LiteSeg-T_pretrained.pdparams"),
                    env=_env(server, tmp_path))
    assert proc.returncode == 0, proc.stderr[-2000:]
    log = (out / "train.log").read_text()
    assert "PP-LiteSeg-T_pretrained.pdparams (whole model) into the model: " in log
    assert "of another shape, skipped (class-dependent head?)" in log


def test_offline_stops_before_any_work(data, tmp_path):
    out = tmp_path / "out"
    proc = run_main(*seg_train(data, out), env={**ENV, "PADDLEX_TRAIN_OFFICIAL_URL_BASE": "http://127.0.0.1:9/",
                                                "PADDLEX_TRAIN_CACHE": str(tmp_path / "cache")})
    line = one_error_line(proc, 1)
    assert line.startswith("Error: Train.pretrain_weight_path: Could not download pretrained weights from "
                           f"http://127.0.0.1:9/{BACKBONE_FILE}: ")
    assert "python main.py --download_weights PP-LiteSeg-T" in line
    assert line.endswith("or -o Train.pretrain_weight_path=null to train from scratch")
    assert read_result(out, "train")["done_flag"] is False
    assert not (out / "paddleseg.yml").exists() and not (out / "train.log").exists(), "no model was built"


def test_file_of_another_model_is_refused(data, tmp_path):
    path = save({"encoder.block.weight": np.zeros((4, 4), "float32")}, tmp_path / "other.pdparams")
    proc = run_main(*seg_train(data, tmp_path / "out", f"Train.pretrain_weight_path={path}"), env=ENV)
    assert f"Train.pretrain_weight_path={path}: none of its tensors fit PP-LiteSeg-T" in one_error_line(proc, 2)


@pytest.mark.slow
def test_two_processes_download_once(www, data, tmp_path):
    """Issue 11.7: the parent fetches the URL before the relaunch; both ranks take it from the cache."""
    server, _ = www
    before = server.hits[f"/{BACKBONE_FILE}"]
    out = tmp_path / "out"
    proc = run_main(*seg_train(data, out, "Global.device=cpu:0,1", "Train.epochs_iters=2", "Train.eval_interval=2",
                               "Train.batch_size=1"), env=_env(server, tmp_path))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert server.hits[f"/{BACKBONE_FILE}"] == before + 1


@pytest.mark.slow
def test_instance_default_is_a_whole_coco_model(tmp_path_factory, tmp_path):
    """MaskRCNN-ResNet50-FPN's default: a whole 80-class COCO model; training 3 classes skips the class heads."""
    root = tmp_path / "www"
    state = inst_state("MaskRCNN-ResNet50-FPN", 80)
    save(state, root / "MaskRCNN-ResNet50-FPN_pretrained.pdparams")
    server = LoopbackServer(root)
    data = coco_set(tmp_path_factory, num=6, name="coco64x6")
    out = tmp_path / "out"
    try:
        proc = run_main("-c", INST_CONFIG_DIR / "MaskRCNN-ResNet50-FPN.yaml", "-o", "Global.mode=train",
                        "-o", "Global.device=cpu", "-o", f"Global.dataset_dir={data}", "-o", f"Global.output={out}",
                        "-o", "Train.num_classes=3", "-o", "Train.epochs_iters=1", "-o", "Train.input_shape=[64,64]",
                        "-o", "Train.batch_size=2", "-o", "Train.learning_rate=0.0005", "-o", "Train.warmup_steps=1",
                        env=_env(server, tmp_path), timeout=900)
    finally:
        server.close()
    assert proc.returncode == 0, proc.stderr[-2000:]
    log = (out / "train.log").read_text()
    assert "MaskRCNN-ResNet50-FPN_pretrained.pdparams (whole model) into the model: " in log
    assert "of another shape, skipped (class-dependent head?): " in log and "bbox_head.bbox_score.weight" in log


@pytest.mark.slow
def test_ppdet_model_takes_a_backbone_only_file_too():
    """The same loader serves ppdet: a ResNet backbone file (keys without `backbone.`) goes into model.backbone."""
    from official_helpers import inst_state as build_state

    from paddlex_train.backends.paddledet.config import DetSettings, build_config
    from paddlex_train.paddle_env import import_paddle
    from paddlex_train.training.weights import load_pretrained
    from ppdet.core.workspace import create

    paddle = import_paddle()
    source = backbone_only(build_state("MaskRCNN-ResNet50-FPN", 80, seed=1))
    cfg = build_config("MaskRCNN-ResNet50-FPN", ".", DetSettings(num_classes=3))
    model = create(cfg.architecture)
    lines = []
    plan = load_pretrained(model, {k: paddle.to_tensor(v) for k, v in source.items()}, "r50.pdparams", lines.append,
                           "MaskRCNN-ResNet50-FPN")
    assert plan["layout"] == "backbone only" and len(plan["report"]["matched"]) == len(source)
    assert lines[0].startswith(f"Loaded pretrained weights r50.pdparams (backbone only) into model.backbone: "
                               f"{len(source)} of {len(source)} backbone tensors")
    key = next(iter(source))
    np.testing.assert_array_equal(model.state_dict()[f"backbone.{key}"].numpy(), source[key])
