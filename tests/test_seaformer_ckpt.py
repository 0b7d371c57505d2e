"""Loading PaddleSeg/PaddleX SeaFormer checkpoints (the develop port's key names) into our SeaFormer."""
import numpy as np
import pytest

paddle = pytest.importorskip("paddle")
pytest.importorskip("paddleseg")

from paddlex_train.backends.paddleseg import models as _models  # noqa: E402,F401
from paddlex_train.backends.paddleseg.models import seaformer_ckpt as ck  # noqa: E402
from paddlex_train.errors import BackendError  # noqa: E402
from paddleseg.cvlibs import manager  # noqa: E402

BN = ("weight", "bias", "_mean", "_variance")
# Written from PaddleSeg develop's seaformer.py / seaformer_seg.py (layers.ConvBN everywhere), not from our map.
SPOT_CHECK_TINY = [
    "backbone.smb1.stem_block.0._conv.weight",
    "backbone.smb1.stem_block.0._batch_norm._variance",
    "backbone.smb1.layer1.conv.0._conv.weight",  # t=1: depthwise first
    "backbone.smb1.layer1.conv.2._batch_norm.bias",
    "backbone.smb1.layer2.conv.4._conv.weight",  # t=4: expand, dw, linear
    "backbone.smb5.layer1.conv.2._batch_norm._mean",
    "backbone.trans1.transformer_blocks.0.attn.to_q._conv.weight",
    "backbone.trans1.transformer_blocks.0.attn.proj.1._batch_norm.weight",
    "backbone.trans1.transformer_blocks.1.attn.proj_encode_row.1._conv.weight",
    "backbone.trans2.transformer_blocks.1.attn.proj_encode_column.1._batch_norm.bias",
    "backbone.trans2.transformer_blocks.0.attn.pos_emb_rowq.pos_embed",
    "backbone.trans2.transformer_blocks.0.attn.pos_emb_columnk.pos_embed",
    "backbone.trans1.transformer_blocks.0.attn.dwconv._conv.weight",
    "backbone.trans1.transformer_blocks.0.attn.pwconv._batch_norm._variance",
    "backbone.trans1.transformer_blocks.1.mlp.fc1._conv.weight",
    "backbone.trans1.transformer_blocks.1.mlp.dwconv.bias",
    "backbone.trans2.transformer_blocks.1.mlp.fc2._batch_norm.weight",
    "fuse1.local_embedding._conv.weight",
    "fuse2.global_act._batch_norm._mean",
    "linear_fuse._conv.weight",
    "linear_fuse._batch_norm.bias",
    "cls_seg.weight",
    "cls_seg.bias",
]


def _conv_bn(prefix):
    return [f"{prefix}._conv.weight"] + [f"{prefix}._batch_norm.{leaf}" for leaf in BN]


def port_names_tiny():
    """Every key of a PaddleSeg-port SeaFormer_tiny checkpoint, enumerated from the port's structure."""
    expansions = [[1, 4, 3], [3, 3], [3, 3], [3], [6]]  # t of each MV2 row, per stack
    names = _conv_bn("backbone.smb1.stem_block.0")
    for i, ts in enumerate(expansions, 1):
        for j, t in enumerate(ts, 1):
            for n in ([0, 2] if t == 1 else [0, 2, 4]):
                names += _conv_bn(f"backbone.smb{i}.layer{j}.conv.{n}")
    for i in (1, 2):
        for j in (0, 1):
            blk = f"backbone.trans{i}.transformer_blocks.{j}"
            for proj in ("to_q", "to_k", "to_v", "proj.1", "proj_encode_row.1"):
                names += _conv_bn(f"{blk}.attn.{proj}")
            names += [f"{blk}.attn.pos_emb_row{qk}.pos_embed" for qk in "qk"] + _conv_bn(
                f"{blk}.attn.proj_encode_column.1")
            names += [f"{blk}.attn.pos_emb_column{qk}.pos_embed" for qk in "qk"]
            names += _conv_bn(f"{blk}.attn.dwconv") + _conv_bn(f"{blk}.attn.pwconv")
            names += _conv_bn(f"{blk}.mlp.fc1") + [f"{blk}.mlp.dwconv.weight", f"{blk}.mlp.dwconv.bias"]
            names += _conv_bn(f"{blk}.mlp.fc2")
    for i in (1, 2):
        names += _conv_bn(f"fuse{i}.local_embedding") + _conv_bn(f"fuse{i}.global_act")
    return names + _conv_bn("linear_fuse") + ["cls_seg.weight", "cls_seg.bias"]


def build(variant="tiny", num_classes=150, **kwargs):
    backbone = manager.BACKBONES[f"SeaFormer_{variant}"]()
    return manager.MODELS["SeaFormerSeg"](num_classes=num_classes, backbone=backbone, **kwargs)


def port_checkpoint(model):
    """A state dict as PaddleSeg's port would save it, made from `model` (values perturbed so loading shows)."""
    paddle.seed(1)
    out = {}
    for key, value in model.state_dict().items():
        arr = value.numpy() + np.random.RandomState(len(key)).normal(0, 0.05, value.shape).astype("float32")
        out[ck.to_port_name(key)] = np.abs(arr) if key.endswith("_variance") else arr
    return out


def test_our_names_map_onto_exactly_the_port_names():
    keys = list(build().state_dict())
    expected = port_names_tiny()
    assert len(expected) == len(set(expected)) == len(keys)
    assert set(SPOT_CHECK_TINY) <= set(expected)
    assert sorted(ck.to_port_name(k) for k in keys) == sorted(expected)
    assert all(ck.from_port_name(ck.to_port_name(k)) == k for k in keys)
    backbone = [ck.to_port_name(k) for k in keys if k.startswith("backbone.")]
    assert backbone == [k for k in expected if k.startswith("backbone.")], "one-to-one in registration order"


@pytest.mark.parametrize("variant", ["small", "large"])
def test_mapping_is_a_bijection_for_other_variants(variant):
    keys = list(build(variant).state_dict())
    port = [ck.to_port_name(k) for k in keys]
    assert len(set(port)) == len(keys)
    assert all(("._conv." in k or "._batch_norm." in k or "pos_embed" in k or "mlp.dwconv" in k
                or k.startswith("cls_seg.")) for k in port)
    assert [ck.from_port_name(k) for k in port] == keys


def test_port_checkpoint_file_loads_without_missing_or_unexpected_keys(tmp_path):
    source = build()
    ckpt = port_checkpoint(source)
    path = tmp_path / "model.pdparams"
    paddle.save(ckpt, str(path))
    target = build()
    report = ck.load_weights(target, str(path))
    assert report == {"loaded": len(ckpt), "skipped": 0, "ignored": 0, "source": str(path)}
    state = target.state_dict()
    for port_key, value in ckpt.items():
        np.testing.assert_array_equal(state[ck.from_port_name(port_key)].numpy(), value)
    # The same file through the constructor (PaddleSeg config: model.pretrained) and the generic-loader hook.
    again = build(pretrained=str(path))
    np.testing.assert_array_equal(again.state_dict()["decode_head.tail.conv_seg.weight"].numpy(),
                                  ckpt["cls_seg.weight"])
    converted = again.convert_state_dict(paddle.load(str(path)))
    assert sorted(converted) == sorted(state)
    target.eval(), again.eval()
    x = paddle.rand([1, 3, 64, 96])
    np.testing.assert_allclose(target(x)[0].numpy(), again(x)[0].numpy(), atol=1e-5)


def test_backbone_only_port_file_loads_into_the_backbone(tmp_path):
    ckpt = port_checkpoint(build())
    backbone_only = {k[len("backbone."):]: v for k, v in ckpt.items() if k.startswith("backbone.")}
    backbone_only["head.l.weight"] = np.zeros([160, 1000], "float32")  # an ImageNet classifier is ignored
    path = tmp_path / "seaformer_tiny_imagenet_pretrained.pdparams"
    paddle.save(backbone_only, str(path))
    backbone = manager.BACKBONES["SeaFormer_tiny"](pretrained=str(path))
    key = "smb3.layer2.conv.0.c.weight"
    np.testing.assert_array_equal(backbone.state_dict()[key].numpy(), backbone_only["smb3.layer2.conv.0._conv.weight"])
    report = ck.load_weights(manager.BACKBONES["SeaFormer_tiny"](), str(path), part="backbone")
    assert report["ignored"] == 1 and report["skipped"] == 0
    hooked = build().convert_state_dict(backbone_only)
    assert "backbone.smb1.stem_block.0.c.weight" in hooked and "head.l.weight" in hooked


def test_other_class_count_skips_only_the_classifier():
    ckpt = port_checkpoint(build(num_classes=150))
    target = build(num_classes=4)
    before = target.decode_head.tail.conv_seg.weight.numpy().copy()
    report = ck.load_weights(target, ckpt)
    assert report["skipped"] == 2
    np.testing.assert_array_equal(target.decode_head.tail.conv_seg.weight.numpy(), before)
    np.testing.assert_array_equal(target.decode_head.fuse2.global_act.conv.weight.numpy(),
                                  ckpt["fuse2.global_act._conv.weight"])


def test_wrong_variant_or_missing_keys_is_a_clear_error(tmp_path):
    small = port_checkpoint(build("small"))
    with pytest.raises(BackendError, match="same SeaFormer variant"):
        ck.load_weights(build("tiny"), small)
    tiny = port_checkpoint(build("tiny"))
    del tiny["backbone.trans2.transformer_blocks.1.mlp.fc2._conv.weight"]
    with pytest.raises(BackendError, match="1 missing key"):
        ck.load_weights(build("tiny"), tiny)
    with pytest.raises(BackendError, match="not found"):
        ck.load_weights(build("tiny"), str(tmp_path / "nope.pdparams"))


def test_weights_by_url_come_through_the_shared_download_cache(tmp_path, monkeypatch):
    from predict_fixtures import LoopbackServer

    served = tmp_path / "served"
    served.mkdir()
    ckpt = port_checkpoint(build())
    paddle.save(ckpt, str(served / "SeaFormer_tiny_pretrained.pdparams"))
    monkeypatch.setenv("PADDLEX_TRAIN_CACHE", str(tmp_path / "cache"))
    server = LoopbackServer(served)
    try:
        report = ck.load_weights(build(), f"{server.url}/SeaFormer_tiny_pretrained.pdparams")
    finally:
        server.close()
    assert report["loaded"] == len(ckpt) and report["source"].startswith(str(tmp_path / "cache"))


def test_generic_weight_loader_converts_port_names(tmp_path):
    """Train.pretrain_weight_path / Evaluate.weight_path go through modeling.load_weights: a port-named file must
    load completely there too (the convert_state_dict hook)."""
    from paddlex_train.backends.paddleseg.modeling import load_weights

    ckpt = port_checkpoint(build())
    path = tmp_path / "model.pdparams"
    paddle.save(ckpt, str(path))
    report = load_weights(build(), path, log=lambda msg: None)
    assert len(report["matched"]) == len(ckpt)
    assert not report["missing"] and not report["unexpected"]
