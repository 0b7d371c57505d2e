"""PP-YOLOE_seg-S: parameter layout equals the official checkpoints' (manifest.json), and the mask arithmetic."""
import json

import numpy as np
import pytest

from conftest import REPO

MANIFEST = REPO.parent / "shared" / "reference" / "instance_refs" / "PP-YOLOE_seg-S" / "manifest.json"


@pytest.fixture(scope="module")
def model():
    import paddlex_train.backends.paddledet  # noqa: F401  (registers the model with ppdet)
    from paddlex_train.backends.paddledet.config import load_arch
    from ppdet.core.workspace import create

    cfg = load_arch("PP-YOLOE_seg-S")
    cfg["num_classes"] = 80
    return create(cfg.architecture)


@pytest.mark.skipif(not MANIFEST.is_file(), reason="shared reference manifest not available")
def test_state_dict_equals_manifest(model):
    ref = {k: v["shape"] for k, v in json.loads(MANIFEST.read_text()).items()}
    mine = {k: list(v.shape) for k, v in model.state_dict().items()}
    assert sorted(set(ref) - set(mine)) == [] and sorted(set(mine) - set(ref)) == []
    assert {k: s for k, s in mine.items() if ref[k] != s} == {}


def test_nine_million_parameters(model):
    total = sum(int(np.prod(v.shape)) for v in model.state_dict().values())
    assert total == 9018547  # 9.02 M, as PaddleDetection's model (fact sheet §2)


def test_crop_keeps_pixels_inside_box_only():
    import paddle

    from paddlex_train.backends.paddledet.models.ppyoloe_seg.mask_ops import crop_to_boxes

    masks = paddle.ones([1, 4, 6])
    out = crop_to_boxes(masks, paddle.to_tensor([[1.0, 1.5, 3.0, 4.0]])).numpy()[0]
    expected = np.zeros((4, 6))
    expected[2:4, 1:3] = 1  # columns 1, 2 (< 3); rows 2, 3 (>= 1.5)
    np.testing.assert_array_equal(out, expected)


def test_mask_loss_is_box_mean_bce():
    """Perfectly confident right predictions cost ~0; a zero logit costs log 2 per in-box pixel, whatever the box."""
    import paddle

    from paddlex_train.backends.paddledet.models.ppyoloe_seg.mask_ops import image_mask_loss

    protos = paddle.zeros([2, 8, 8])
    gt = paddle.zeros([1, 8, 8])
    for box, area in (([0.0, 0.0, 8.0, 8.0], 1.0), ([2.0, 2.0, 6.0, 4.0], 8 / 64)):
        loss = image_mask_loss(paddle.zeros([1, 2]), protos, gt, paddle.to_tensor([box]), paddle.to_tensor([area]))
        assert float(loss) == pytest.approx(np.log(2), rel=1e-5)


def test_pad_gt_segm_pads_masks_to_batch_max():
    import paddlex_train.backends.paddledet  # noqa: F401
    from paddlex_train.backends.paddledet.models.ppyoloe_seg.pad_gt import PadGTSegm

    image = np.zeros((3, 4, 5), np.float32)
    samples = [{"image": image, "gt_bbox": np.ones((2, 4), np.float32), "gt_class": np.ones((2, 1), np.int32),
                "gt_segm": np.ones((2, 4, 5), np.uint8)},
               {"image": image, "gt_bbox": np.zeros((0, 4), np.float32), "gt_class": np.zeros((0, 1), np.int32),
                "gt_segm": np.zeros((0,), np.uint8)}]
    out = PadGTSegm()(samples)
    assert out[0]["gt_segm"].shape == (2, 4, 5) and out[0]["gt_segm"].sum() == 40
    assert out[1]["gt_segm"].shape == (2, 4, 5) and out[1]["gt_segm"].sum() == 0
    assert out[1]["pad_gt_mask"].sum() == 0 and out[0]["pad_gt_mask"].sum() == 2


def test_no_detection_gives_one_filler_row(model):
    """Nothing above the NMS score threshold: one class -1 / score 0 row with an all-zero mask at the original size
    (ppdet's metrics and our predictor skip class -1)."""
    import paddle

    head = model.yolo_head
    head.eval()
    n = 4
    outs = (paddle.zeros([1, 80, n]), paddle.ones([1, n, 4]), paddle.rand([1, 32, n]), paddle.rand([1, 32, 16, 16]),
            paddle.rand([n, 2]) * 8, paddle.full([n, 1], 8.0))
    bbox, num, mask = head.post_process(outs, paddle.to_tensor([[64.0, 64.0]]), paddle.to_tensor([[2.0, 1.0]]),
                                        paddle.to_tensor([64, 64]))
    assert bbox.numpy().tolist() == [[-1.0, 0.0, 0.0, 0.0, 0.0, 0.0]] and int(num) == 1
    assert mask.shape == [1, 32, 64] and int(mask.sum()) == 0
