"""SeaFormer backbone + segmentation model: sizes, FLOPs, shapes, initialisation and the training recipe."""
import math

import pytest
import yaml

from conftest import REPO

paddle = pytest.importorskip("paddle")
pytest.importorskip("paddleseg")

from paddlex_train.backends.paddleseg import models as _models  # noqa: E402,F401  (registers SeaFormer)
from paddleseg.cvlibs import manager  # noqa: E402

ARCH_DIR = REPO / "paddlex_train" / "backends" / "paddleseg" / "archs"
VARIANTS = ["tiny", "small", "base", "large"]
# Published (SeaFormer README / PaddleSeg port) params and FLOPs at 512x512, 150 classes; trainable tensors only.
PUBLISHED_PARAMS_M = {"tiny": 1.67, "small": 3.99, "base": 8.61, "large": 13.95}
PUBLISHED_FLOPS_G = {"tiny": 0.6, "small": 1.1, "base": 1.8, "large": 6.5}
# The same FLOPs counted with paddle.flops on PaddleSeg's port (fact sheet); published values are these rounded.
COUNTED_FLOPS_G = {"tiny": 0.60, "small": 1.07, "base": 1.81, "large": 6.47}
HEAD_PARAMS_M = {"tiny": 0.047, "small": 0.077, "base": 0.120, "large": 0.226}
FEAT_CHANNELS = {"tiny": [32, 128, 160], "small": [48, 160, 192], "base": [64, 192, 256],
                 "large": [128, 192, 256, 320]}


def build(variant, num_classes=150, **kwargs):
    backbone = manager.BACKBONES[f"SeaFormer_{variant}"]()
    return manager.MODELS["SeaFormerSeg"](num_classes=num_classes, backbone=backbone, **kwargs)


def trainable(layer):
    return sum(int(p.numel()) for p in layer.parameters() if not p.stop_gradient)


@pytest.mark.parametrize("variant", VARIANTS)
def test_params_and_flops_match_published(variant, capsys):
    model = build(variant)
    model.eval()
    params = trainable(model) / 1e6
    assert params == pytest.approx(PUBLISHED_PARAMS_M[variant], rel=0.02)
    assert trainable(model.decode_head) / 1e6 == pytest.approx(HEAD_PARAMS_M[variant], rel=0.02)
    flops = paddle.flops(model, [1, 3, 512, 512], print_detail=False) / 1e9
    capsys.readouterr()  # paddle.flops prints a table
    assert flops == pytest.approx(COUNTED_FLOPS_G[variant], rel=0.02)
    assert round(flops, 1) == PUBLISHED_FLOPS_G[variant]


@pytest.mark.parametrize("variant", ["tiny", "large"])
def test_feature_pyramid_and_output_size_at_odd_input(variant):
    model = build(variant, num_classes=5)
    model.eval()
    x = paddle.rand([1, 3, 70, 90])  # not a multiple of 64: every stride-2 stage rounds up
    feats = model.backbone(x)
    assert [f.shape[1] for f in feats] == FEAT_CHANNELS[variant]
    assert feats[0].shape[2:] == [9, 12]  # 1/8
    assert feats[-1].shape[2:] == [2, 2]  # 1/64
    assert model(x)[0].shape == [1, 5, 70, 90]


def test_initialisation_follows_original_scheme():
    model = build("tiny")
    stem = model.backbone.smb1.stem_block[0].c.weight
    assert float(stem.std()) == pytest.approx(math.sqrt(2.0 / (3 * 3 * 16)), rel=0.15)  # PaddleSeg port: ~144
    attn = model.backbone.trans1.transformer_blocks[0].attn
    for name in ("proj", "proj_encode_row", "proj_encode_column"):
        assert float(getattr(attn, name)[1].bn.weight.abs().max()) == 0.0, f"{name}: zero-gamma start"
    assert float(attn.to_q.bn.weight.min()) == 1.0 and float(attn.pwconv.bn.weight.min()) == 1.0
    assert float(attn.pos_emb_rowq.pos_embed.std()) == pytest.approx(1.0, rel=0.2)
    cls = model.decode_head.tail.conv_seg
    assert float(cls.weight.std()) == pytest.approx(0.01, rel=0.1) and float(cls.bias.abs().max()) == 0.0
    # With the zero gamma the axial context is 0, so the gate starts neutral: output = 0.5 x detail branch.
    model.eval()
    x = paddle.rand([1, 128, 8, 8])
    qkv = paddle.concat([attn.to_q(x), attn.to_k(x), attn.to_v(x)], axis=1)
    detail = attn.pwconv(attn.act(attn.dwconv(qkv)))
    assert float((attn(x) - 0.5 * detail).abs().max()) < 1e-6


def test_dropout_zero_and_drop_path_schedule():
    model = build("base", num_classes=3, dropout_ratio=0.0)
    model.train()
    assert model(paddle.rand([2, 3, 64, 64]))[0].shape == [2, 3, 64, 64]
    rates = [blk.drop_path.drop_prob if hasattr(blk.drop_path, "drop_prob") else 0.0
             for blk in model.backbone.trans1.transformer_blocks]
    assert rates == pytest.approx([0.0, 0.1 / 3, 0.2 / 3, 0.1])


def _arch(variant):
    return yaml.safe_load((ARCH_DIR / f"SeaFormer_{variant}.yaml").read_text())


@pytest.mark.parametrize("variant", VARIANTS)
def test_arch_file_holds_the_published_recipe(variant):
    arch = _arch(variant)
    assert arch["model"]["type"] == "SeaFormerSeg" and arch["model"]["backbone"]["type"] == f"SeaFormer_{variant}"
    opt, lr = arch["optimizer"], arch["lr_scheduler"]
    assert (opt["type"], opt["weight_decay"], opt["beta1"], opt["beta2"]) == ("AdamW", 0.01, 0.9, 0.999)
    assert lr == {"type": "PolynomialDecay", "learning_rate": 0.00025, "end_lr": 0, "power": 1.0,
                  "warmup_iters": 1500, "warmup_start_lr": 1.0e-06}
    assert arch["loss"] == {"types": [{"type": "CrossEntropyLoss"}], "coef": [1]}
    crop = [t for t in arch["train_dataset"]["transforms"] if t["type"] == "RandomPaddingCrop"]
    assert crop[0]["crop_size"] == [512, 512]
    assert arch["val_dataset"]["transforms"] == [{"type": "Normalize", "mean": [0.5] * 3, "std": [0.5] * 3}]
    module = yaml.safe_load((REPO / "configs/modules/semantic_segmentation" / f"SeaFormer_{variant}.yaml").read_text())
    assert module["Train"]["learning_rate"] == 0.00025 and module["Train"]["warmup_steps"] == 1500


def test_optimizer_param_groups_really_match():
    """pos-emb and BN without weight decay, the head (module `decode_head`) at 10x lr, the rest default."""
    model = build("tiny", num_classes=4)
    cfg = dict(_arch("tiny")["optimizer"])
    opt = manager.OPTIMIZERS[cfg.pop("type")](**cfg)(model, 0.00025)
    group_of = {}
    for index, group in enumerate(opt._param_groups):
        for p in group["params"]:
            group_of[p.name] = (group.get("learning_rate", 1.0), group.get("weight_decay", 0.01), index)
    names = {name: p.name for name, p in model.named_parameters() if not p.stop_gradient}
    assert len(group_of) == len(names)
    for name, pname in names.items():
        lr_mult, decay, _ = group_of[pname]
        if name.startswith("decode_head."):
            assert lr_mult == 10.0, name
        elif "pos_emb" in name or ".bn." in name:
            assert (lr_mult, decay) == (1.0, 0.0), name
        else:
            assert (lr_mult, decay) == (1.0, 0.01), name
    assert sum(1 for n in names if n.startswith("decode_head.")) == 17  # 2 fusions x 2 ConvBN, tail ConvBN, cls
    assert sum(1 for n in names if "pos_emb" in n) == 16  # 4 tables x 2 blocks x 2 stages


def test_one_training_step_lowers_the_loss_on_a_fixed_batch():
    paddle.seed(0)
    model = build("tiny", num_classes=3)
    model.train()
    opt = paddle.optimizer.AdamW(learning_rate=1e-3, parameters=model.parameters(), weight_decay=0.01)
    x = paddle.rand([2, 3, 64, 64])
    y = (x[:, 0] > 0.5).astype("int64")
    losses = []
    for _ in range(4):
        loss = paddle.nn.functional.cross_entropy(model(x)[0], y.unsqueeze(1), axis=1)
        loss.backward()
        opt.step()
        opt.clear_grad()
        losses.append(float(loss))
    assert all(math.isfinite(v) for v in losses) and losses[-1] < losses[0]
