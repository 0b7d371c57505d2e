"""DETR post-processing with masks (fact sheet §1.8): top-100 query x class pairs by sigmoid score, boxes in
original-image pixels, masks resized from stride 4 straight to the original size and thresholded at 0.5.

Outputs ppdet's layout: bbox [100, 6] (class, score, x1, y1, x2, y2), bbox_num [1] int32, mask int32 [100, H0, W0].
One image per batch (the exported model takes batch 1; eval runs batch 1).
"""
import paddle
import paddle.nn.functional as F
from ppdet.core.workspace import register

from .boxes import cxcywh_to_xyxy


@register
class MaskDETRPostProcess(object):
    """Decode (boxes, logits, masks) of the last decoder layer for one image; no score threshold in the graph."""

    __shared__ = ["num_classes"]

    def __init__(self, num_classes=80, num_top_queries=100, mask_threshold=0.5):
        self.num_classes = num_classes
        self.num_top_queries = num_top_queries
        self.mask_threshold = mask_threshold

    def __call__(self, head_out, im_shape, scale_factor):
        boxes, logits, masks = head_out  # [B, Q, 4], [B, Q, C], [B, Q, h, w]; B = 1
        origin = paddle.floor(im_shape / scale_factor + 0.5)  # [B, 2] (h, w)
        img_h, img_w = origin[0, 0:1], origin[0, 1:2]
        size = paddle.concat([img_w, img_h, img_w, img_h])
        boxes = cxcywh_to_xyxy(boxes[0]) * size  # [Q, 4]
        top = min(self.num_top_queries, logits.shape[1] * logits.shape[2])  # tiny test configs have fewer pairs
        scores, index = paddle.topk(F.sigmoid(logits[0]).flatten(), top)
        labels = index % self.num_classes
        query = index // self.num_classes
        boxes = paddle.gather(boxes, query)
        masks = paddle.gather(masks[0], query).unsqueeze(0)  # [1, K, h, w]
        masks = F.interpolate(masks, size=[img_h.astype("int32"), img_w.astype("int32")], mode="bilinear",
                              align_corners=False)[0]
        masks = (F.sigmoid(masks) > self.mask_threshold).astype("int32")
        bbox = paddle.concat([labels.astype("float32").unsqueeze(-1), scores.unsqueeze(-1), boxes], -1)
        bbox_num = paddle.full([1], top, dtype="int32")
        return bbox, bbox_num, masks
