"""PP-YOLOE-seg architecture: CSPResNet + CustomCSPPAN + PPYOLOESegHead, returning boxes and masks."""
import paddle
from ppdet.core.workspace import register
from ppdet.modeling.architectures.meta_arch import BaseArch

from ..wiring import create_chain


@register
class PPYOLOESeg(BaseArch):
    """Single-stage instance segmentation (PaddleDetection's `PPYOLOE` with `with_mask: True`).

    Train: the head's loss dict. Eval/export: {'bbox' (N, 6), 'bbox_num' (1,), 'mask' (N, H0, W0) int32} of the
    batch's first image (inference and evaluation run one image at a time).
    """

    __category__ = 'architecture'

    def __init__(self, backbone='CSPResNet', neck='CustomCSPPAN', yolo_head='PPYOLOESegHead'):
        super().__init__()
        self.backbone = backbone
        self.neck = neck
        self.yolo_head = yolo_head

    @classmethod
    def from_config(cls, cfg, *args, **kwargs):
        return create_chain(cfg, ('backbone', 'neck', 'yolo_head'))

    def _forward(self):
        neck_feats = self.neck(self.backbone(self.inputs))
        if self.training:
            return self.yolo_head(neck_feats, self.inputs)
        head_outs = self.yolo_head(neck_feats)
        input_hw = paddle.shape(self.inputs['image'])[2:4]
        bbox, bbox_num, mask = self.yolo_head.post_process(head_outs, self.inputs['im_shape'],
                                                           self.inputs['scale_factor'], input_hw)
        return {'bbox': bbox, 'bbox_num': bbox_num, 'mask': mask}

    def get_loss(self):
        return self._forward()

    def get_pred(self):
        return self._forward()

    def get_loss_keys(self):
        return ['loss_cls', 'loss_iou', 'loss_dfl', 'loss_mask']
