"""Mask-RT-DETR training side on small synthetic tensors: matcher, loss, denoising groups."""
import itertools

import numpy as np
import pytest

import paddlex_train.backends.paddledet  # noqa: F401  (paddle + ppdet loaded the project's way)
import paddle
from paddlex_train.backends.paddledet.models.mask_rtdetr.denoising import get_denoising_training_group
from paddlex_train.backends.paddledet.models.mask_rtdetr.loss import MaskDINOLoss, mask_iou_binary
from paddlex_train.backends.paddledet.models.mask_rtdetr.matcher import MaskHungarianMatcher

NUM_CLASSES = 3
H = W = 32  # padded input; masks are predicted at stride 4 (8 x 8)


def _gt():
    """Two images: two GT squares in the first, one in the second (normalised cxcywh, class, full-res masks)."""
    boxes = [np.array([[0.25, 0.25, 0.5, 0.5], [0.75, 0.625, 0.5, 0.75]], "float32"),
             np.array([[0.5, 0.5, 0.5, 0.5]], "float32")]
    classes = [np.array([[1], [2]], "int64"), np.array([[0]], "int64")]
    masks = []
    for bx in boxes:
        m = np.zeros([len(bx), H, W], "float32")
        for k, (cx, cy, w, h) in enumerate(bx):
            m[k, int((cy - h / 2) * H):int((cy + h / 2) * H), int((cx - w / 2) * W):int((cx + w / 2) * W)] = 1
        masks.append(m)
    t = paddle.to_tensor
    return [t(b) for b in boxes], [t(c) for c in classes], [t(m) for m in masks]


def _perfect_outputs(gt_bbox, gt_class, gt_mask, num_queries=5, order=(3, 0, 4)):
    """Predictions equal to the GT placed at the query slots `order` (image 0 gets two, image 1 one)."""
    boxes = np.tile(np.array([0.5, 0.5, 0.1, 0.1], "float32"), [2, num_queries, 1])
    logits = np.full([2, num_queries, NUM_CLASSES], -10.0, "float32")
    masks = np.full([2, num_queries, H // 4, W // 4], -50.0, "float32")
    slots = [list(order[:2]), list(order[2:])]
    for b in range(2):
        for g, q in enumerate(slots[b]):
            boxes[b, q] = gt_bbox[b][g].numpy()
            logits[b, q, int(gt_class[b][g])] = 10.0
            masks[b, q] = np.where(gt_mask[b][g].numpy()[::4, ::4] > 0, 50.0, -50.0)  # sharp edges
    return paddle.to_tensor(boxes), paddle.to_tensor(logits), paddle.to_tensor(masks), slots


def _loss(**kw):
    kw.setdefault("num_sample_points", 256)
    return MaskDINOLoss(num_classes=NUM_CLASSES, matcher=MaskHungarianMatcher(num_sample_points=256), **kw)


def test_matcher_returns_the_minimum_cost_assignment():
    paddle.seed(0)
    matcher = MaskHungarianMatcher(num_sample_points=256)
    boxes = paddle.rand([1, 4, 4]) * 0.5 + 0.25
    logits = paddle.randn([1, 4, NUM_CLASSES])
    gt_bbox = [paddle.rand([3, 4]) * 0.5 + 0.25]
    gt_class = [paddle.to_tensor([[0], [2], [1]], dtype="int64")]
    cost = matcher.cost_matrix(boxes[0], logits[0], gt_bbox[0], gt_class[0]).numpy()
    (rows, cols), = matcher(boxes, logits, gt_bbox, gt_class)
    best = min(sum(cost[q, g] for g, q in enumerate(p)) for p in itertools.permutations(range(4), 3))
    assert len(rows) == 3 and sorted(cols.numpy().tolist()) == [0, 1, 2]
    assert cost[rows.numpy(), cols.numpy()].sum() == pytest.approx(best, rel=1e-6)


def test_matcher_hand_case_where_greedy_fails():
    """Query 0 is closest to both GTs; greedy would give it GT 0 and leave GT 1 badly matched."""
    matcher = MaskHungarianMatcher(matcher_coeff={"class": 0, "giou": 0}, num_sample_points=16)
    boxes = paddle.to_tensor([[[0.50, 0.5, 0.2, 0.2], [0.30, 0.5, 0.2, 0.2], [0.9, 0.9, 0.2, 0.2]]])
    gt_bbox = [paddle.to_tensor([[0.45, 0.5, 0.2, 0.2], [0.62, 0.5, 0.2, 0.2]])]
    (rows, cols), = matcher(boxes, paddle.zeros([1, 3, NUM_CLASSES]), gt_bbox, [paddle.to_tensor([[0], [0]])])
    assert dict(zip(cols.numpy().tolist(), rows.numpy().tolist())) == {0: 1, 1: 0}


def test_perfect_predictions_match_identity_and_cost_nothing():
    paddle.seed(1)
    gt_bbox, gt_class, gt_mask = _gt()
    boxes, logits, masks, slots = _perfect_outputs(gt_bbox, gt_class, gt_mask)
    match = MaskHungarianMatcher(num_sample_points=256)(boxes, logits, gt_bbox, gt_class, masks, gt_mask)
    for b, (rows, cols) in enumerate(match):
        assert dict(zip(cols.numpy().tolist(), rows.numpy().tolist())) == dict(enumerate(slots[b]))
    stack = lambda x: paddle.stack([x, x])  # noqa: E731  (two identical outputs: one aux, one last)
    # Uniform points: the GT is read bilinearly at full resolution, so points on an edge are half-on and the
    # PointRend uncertain sampling (which seeks edges) cannot reach 0 even for a perfect mask.
    loss_fn = _loss(important_sample_ratio=0.0)
    losses = loss_fn(stack(boxes), stack(logits), gt_bbox, gt_class, stack(masks), gt_mask)
    inverted = loss_fn(stack(boxes), stack(logits), gt_bbox, gt_class, stack(-masks), gt_mask)
    for name in ("loss_bbox", "loss_giou", "loss_bbox_aux", "loss_giou_aux"):
        assert float(losses[name]) < 1e-5, name
    assert float(losses["loss_dice"]) < 0.05 * float(inverted["loss_dice"])
    assert float(losses["loss_mask"]) < 0.02 * float(inverted["loss_mask"])
    assert float(losses["loss_class"]) < 1e-3  # VFL target = mask IoU ~ 1 and the score is ~ 1


def test_mask_iou_target_is_one_for_a_perfect_mask_and_small_for_a_disjoint_one():
    gt = paddle.zeros([2, 32, 32])
    gt[:, :16, :16] = 1
    good = paddle.full([1, 8, 8], -10.0)
    good[:, :4, :4] = 10.0
    bad = paddle.full([1, 8, 8], -10.0)
    bad[:, 4:, 4:] = 10.0
    iou = mask_iou_binary(paddle.concat([good, bad]), gt).numpy()
    assert iou[0] == pytest.approx(1.0, abs=0.05) and iou[1] < 0.01


def _random_outputs(layers=3, queries=6, seed=0):
    paddle.seed(seed)
    boxes = paddle.nn.functional.sigmoid(paddle.randn([layers, 2, queries, 4]))
    logits = paddle.randn([layers, 2, queries, NUM_CLASSES])
    masks = paddle.randn([layers, 2, queries, H // 4, W // 4])
    return boxes, logits, masks


def test_loss_names_gradients_and_denoising_terms():
    gt_bbox, gt_class, gt_mask = _gt()
    boxes, logits, masks = _random_outputs()
    for t in (boxes, logits, masks):
        t.stop_gradient = False
    embed = paddle.randn([NUM_CLASSES, 8])
    _, _, _, dn_meta = get_denoising_training_group({"gt_class": gt_class, "gt_bbox": gt_bbox}, NUM_CLASSES, 6,
                                                    embed, num_denoising=6)
    ndn = dn_meta["dn_num_split"][0]
    dn_boxes, dn_logits, dn_masks = _random_outputs(layers=2, queries=ndn, seed=3)
    losses = _loss()(boxes, logits, gt_bbox, gt_class, masks, gt_mask, dn_boxes, dn_logits, dn_masks, dn_meta)
    base = [f"loss_{n}" for n in ("class", "bbox", "giou", "mask", "dice")]
    expected = {k + s for k in base for s in ("", "_aux", "_dn", "_aux_dn")}
    assert set(losses) == expected
    total = paddle.add_n(list(losses.values()))
    total.backward()
    for t in (boxes, logits, masks):
        assert t.grad is not None and np.isfinite(t.grad.numpy()).all()
        assert np.abs(t.grad.numpy()).sum() > 0


def test_batch_without_any_gt_gives_finite_loss_and_images_without_gt_are_skipped():
    boxes, logits, masks = _random_outputs()
    logits.stop_gradient = False
    empty = ([paddle.zeros([0, 4]), paddle.zeros([0, 4])], [paddle.zeros([0, 1], "int64")] * 2,
             [paddle.zeros([0, H, W])] * 2)
    losses = _loss()(boxes, logits, empty[0], empty[1], masks, empty[2])
    total = paddle.add_n(list(losses.values()))
    total.backward()
    assert np.isfinite(float(total)) and float(losses["loss_bbox"]) == 0.0 and float(losses["loss_class"]) > 0
    assert get_denoising_training_group({"gt_class": empty[1], "gt_bbox": empty[0]}, NUM_CLASSES, 6,
                                        paddle.randn([NUM_CLASSES, 8])) == (None, None, None, None)
    gt_bbox, gt_class, gt_mask = _gt()
    losses = _loss()(boxes, logits, [gt_bbox[0], empty[0][0]], [gt_class[0], empty[1][0]], masks,
                     [gt_mask[0], empty[2][0]])
    assert all(np.isfinite(float(v)) for v in losses.values())


def test_optimising_free_predictions_lowers_the_loss():
    """Free query parameters trained against fixed GT: matching + losses must pull them onto the GT."""
    gt_bbox, gt_class, gt_mask = _gt()
    paddle.seed(2)
    box_logit = paddle.create_parameter([1, 2, 6, 4], "float32",
                                        default_initializer=paddle.nn.initializer.Normal(0, 1))
    logits = paddle.create_parameter([1, 2, 6, NUM_CLASSES], "float32",
                                     default_initializer=paddle.nn.initializer.Constant(-2.0))
    masks = paddle.create_parameter([1, 2, 6, H // 4, W // 4], "float32",
                                    default_initializer=paddle.nn.initializer.Normal(0, 1))
    opt = paddle.optimizer.Adam(0.2, parameters=[box_logit, logits, masks])
    loss_fn = _loss()
    history = []
    for _ in range(60):
        losses = loss_fn(paddle.nn.functional.sigmoid(box_logit), logits, gt_bbox, gt_class, masks, gt_mask)
        total = paddle.add_n(list(losses.values()))
        history.append(float(total))
        total.backward()
        opt.step()
        opt.clear_grad()
    assert history[-1] < 0.3 * history[0], history


def test_denoising_groups_shapes_indices_and_attention_mask():
    paddle.seed(0)
    gt_bbox, gt_class, _ = _gt()
    embed = paddle.randn([NUM_CLASSES, 8])
    q_class, q_box, mask, meta = get_denoising_training_group({"gt_class": gt_class, "gt_bbox": gt_bbox},
                                                              NUM_CLASSES, 5, embed, num_denoising=7)
    groups, max_gt = 3, 2  # 7 // 2 groups of max_gt queries, non-contrastive: no negative copies
    ndn = groups * max_gt
    assert meta["dn_num_group"] == groups and meta["dn_num_split"] == [ndn, 5]
    assert q_class.shape == [2, ndn, 8] and q_box.shape == [2, ndn, 4] and mask.shape == [ndn + 5, ndn + 5]
    assert meta["dn_positive_idx"][0].numpy().tolist() == [0, 1, 2, 3, 4, 5]
    assert meta["dn_positive_idx"][1].numpy().tolist() == [0, 2, 4]
    # image 1's padding slots use the all-zero "no class" row
    assert np.abs(q_class[1, 1].numpy()).sum() == 0
    m = mask.numpy()
    assert not m[:2, :2].any() and m[:2, 2:ndn].all() and not m[:2, ndn:].any()  # group 0: own group + matching
    assert m[ndn:, :ndn].all() and not m[ndn:, ndn:].any()  # matching queries never see denoising queries
    assert m[2:4, :2].all() and m[2:4, 4:ndn].all() and not m[2:4, 2:4].any()
    boxes = paddle.nn.functional.sigmoid(q_box).numpy()
    assert ((boxes > 0) & (boxes < 1)).all()


def test_denoising_noise_stays_near_the_gt_and_flips_some_labels():
    paddle.seed(0)
    box = paddle.to_tensor([[0.5, 0.5, 0.2, 0.2]])
    embed = paddle.eye(NUM_CLASSES)
    q_class, q_box, _, meta = get_denoising_training_group(
        {"gt_class": [paddle.to_tensor([[1]])], "gt_bbox": [box]}, NUM_CLASSES, 4, embed, num_denoising=400)
    boxes = paddle.nn.functional.sigmoid(q_box)[0].numpy()
    assert meta["dn_num_group"] == 400
    # corners move by at most half the box size: centre within 0.1, size at most doubled
    assert np.abs(boxes[:, :2] - 0.5).max() <= 0.1 + 1e-4 and boxes[:, 2:].max() <= 0.4 + 1e-4
    flipped = (q_class[0].numpy().argmax(-1) != 1).mean()
    assert 0.1 < flipped < 0.3  # ratio 0.5 -> a quarter of the labels redrawn, 2/3 of those change
    none = get_denoising_training_group({"gt_class": [paddle.to_tensor([[1]])], "gt_bbox": [box]},
                                        NUM_CLASSES, 4, embed, num_denoising=0)
    assert none == (None, None, None, None)


def test_shared_point_sampling_equals_grid_sample_and_cost_equals_elementwise_bce():
    from paddlex_train.backends.paddledet.models.mask_rtdetr.matcher import (_mask_costs, sample_points,
                                                                             sample_shared_points)
    paddle.seed(0)
    masks = paddle.randn([5, 7, 9])
    coords = paddle.rand([50, 2]) * 1.2 - 0.1  # some points beyond the border: zero padding
    expected = sample_points(masks, coords.unsqueeze(0).tile([5, 1, 1]))
    np.testing.assert_allclose(sample_shared_points(masks, coords).numpy().T, expected.numpy(), atol=1e-5)
    gt = (paddle.rand([2, 28, 36]) > 0.5).astype("float32")
    paddle.seed(1)
    bce, _ = _mask_costs(masks, gt, 64)
    paddle.seed(1)
    pts = paddle.rand([64, 2])
    x, t = sample_shared_points(masks, pts).t(), sample_shared_points(gt, pts).t()
    ref = paddle.nn.functional.binary_cross_entropy_with_logits(
        x.unsqueeze(1).tile([1, 2, 1]), t.unsqueeze(0).tile([5, 1, 1]), reduction="none").mean(-1)
    np.testing.assert_allclose(bce.numpy(), ref.numpy(), rtol=1e-4, atol=1e-5)
