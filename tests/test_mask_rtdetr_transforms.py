"""Mask-RT-DETR data operators: gt_segm stays aligned with the boxes through the recipe's train pipeline."""
import numpy as np
import pytest

import paddlex_train.backends.paddledet  # noqa: F401  (registers the project's operators)
from paddlex_train.backends.paddledet.config import _set_resize
from paddlex_train.backends.paddledet.models.mask_rtdetr import transforms
from ppdet.data import transform as T

READER = "paddlex_train/backends/paddledet/archs/_base_/mask_rtdetr_reader.yml"


def _sample(h=48, w=64):
    """Decoded-image sample with two rectangles as polygons (x1, y1, x2, y2 = 4,6,20,30 and 30,10,60,40)."""
    rects = [(4, 6, 20, 30), (30, 10, 60, 40)]
    image = np.random.RandomState(0).randint(0, 255, (h, w, 3)).astype(np.uint8)
    polys = [[[x1, y1, x2, y1, x2, y2, x1, y2]] for x1, y1, x2, y2 in rects]
    return {"image": image, "im_shape": np.array([h, w], "float32"), "scale_factor": np.array([1.0, 1.0], "float32"),
            "gt_bbox": np.array(rects, "float32"), "gt_class": np.array([[0], [1]], "int32"),
            "is_crowd": np.zeros([2, 1], "int32"), "gt_poly": polys}


def _assert_aligned(sample, tol=1.5):
    """Each mask's tight box equals its gt_bbox (within the rasterisation tolerance); counts and sizes agree."""
    segm, boxes = sample["gt_segm"], sample["gt_bbox"]
    assert segm.shape[0] == len(boxes) == len(sample["gt_class"])
    assert segm.shape[1:] == sample["image"].shape[:2]
    for mask, box in zip(segm, boxes):
        ys, xs = np.nonzero(mask)
        tight = np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], "float32")
        np.testing.assert_allclose(tight, box, atol=tol)


def test_operators_are_registered_for_reader_configs():
    for name in ("RandomDistortWithProb", "RandomCropWithProb", "RandomExpandSegm"):
        assert getattr(T, name) is getattr(transforms, name)
    transforms.register()  # idempotent


@pytest.mark.parametrize("seed", range(6))
def test_expand_crop_flip_keep_masks_on_their_boxes(seed):
    np.random.seed(seed)
    sample = T.Poly2Mask(del_poly=True)(_sample())
    _assert_aligned(sample)
    sample = transforms.RandomExpandSegm(ratio=3.0, prob=1.0)(sample)
    assert sample["image"].shape[0] > 48
    _assert_aligned(sample)
    sample = transforms.RandomCropWithProb(prob=1.0)(sample)
    # a crop clips boxes to the crop window; the masks are cut by the same window
    _assert_aligned(sample)
    sample = T.RandomFlip(prob=1.0)(sample)
    _assert_aligned(sample)
    sample = T.BatchRandomResize(target_size=[[32, 32]], keep_ratio=False, random_size=True)([sample])[0]
    _assert_aligned(sample, tol=2.5)


def test_prob_zero_leaves_the_sample_alone():
    sample = T.Poly2Mask(del_poly=True)(_sample())
    image = sample["image"].copy()
    for op in (transforms.RandomDistortWithProb(prob=0.0), transforms.RandomCropWithProb(prob=0.0),
               transforms.RandomExpandSegm(prob=0.0)):
        sample = op(sample)
    np.testing.assert_array_equal(sample["image"], image)
    distorted = transforms.RandomDistortWithProb(prob=1.0, hue=[-18, 18, 0.0], saturation=[.5, 1.5, 0.0],
                                                  contrast=[.5, 1.5, 0.0], brightness=[.5, 1.5, 0.0])
    assert not np.array_equal(distorted(dict(sample, image=image.copy()))["image"], image)


def test_reader_train_pipeline_gives_normalised_cxcywh_and_aligned_masks():
    """The shipped TrainReader ops, end to end on one sample: boxes normalised cxcywh, masks at the input size."""
    import yaml

    reader = yaml.safe_load(open(READER))["TrainReader"]
    _set_resize(reader, [64, 64])  # what Train.input_shape does
    assert reader["batch_transforms"][0]["BatchRandomResize"]["target_size"] == [[64, 64]]
    np.random.seed(3)
    sample = _sample()
    for op in reader["sample_transforms"][1:]:  # Decode needs a file; the sample is already decoded
        (name, kwargs), = op.items()
        sample = getattr(T, name)(**kwargs)(sample)
    batch = [sample]
    for op in reader["batch_transforms"]:
        (name, kwargs), = op.items()
        batch = getattr(T, name)(**kwargs)(batch)
    out = batch[0]
    assert out["image"].shape == (3, 64, 64) and out["image"].max() <= 1.0
    assert out["gt_segm"].shape[1:] == (64, 64) and len(out["gt_segm"]) == len(out["gt_bbox"])
    cx, cy, w, h = out["gt_bbox"].T
    xyxy = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1) * 64
    _assert_aligned(dict(out, gt_bbox=xyxy, image=out["image"].transpose(1, 2, 0)), tol=2.5)
