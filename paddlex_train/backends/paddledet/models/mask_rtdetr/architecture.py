"""MaskDETR: the Mask-RT-DETR architecture (backbone -> MaskHybridEncoder neck -> MaskRTDETR -> MaskDINOHead).

Named MaskDETR (ppdet 2.6 already registers a box-only DETR); the exporter maps it to `arch: DETR` in
inference.yml as PaddleX's file has it. Eval/export outputs: bbox [100, 6], bbox_num, mask int32 [100, H0, W0].
"""
import paddle
from ppdet.core.workspace import register
from ppdet.modeling.architectures.meta_arch import BaseArch

from ..wiring import create_chain


@register
class MaskDETR(BaseArch):
    """Mask-RT-DETR; `post_process` is MaskDETRPostProcess."""

    __category__ = "architecture"
    __inject__ = ["post_process"]

    def __init__(self, backbone, neck, transformer, detr_head, post_process="MaskDETRPostProcess"):
        super().__init__()
        self.backbone = backbone
        self.neck = neck
        self.transformer = transformer
        self.detr_head = detr_head
        self.post_process = post_process

    @classmethod
    def from_config(cls, cfg, *args, **kwargs):
        return create_chain(cfg, ("backbone", "neck", "transformer"), ("detr_head",))

    def _forward(self):
        body = self.backbone(self.inputs)
        feats = self.neck(body)
        out = self.transformer(feats, None, self.inputs if self.training else None)
        if self.training:
            return self.detr_head(out, body, self.inputs)
        preds = self.detr_head(out, body)
        return self.post_process(preds, self.inputs["im_shape"], self.inputs["scale_factor"])

    def get_loss(self):
        return self._forward()

    def get_pred(self):
        bbox, bbox_num, mask = self._forward()
        return {"bbox": bbox, "bbox_num": bbox_num, "mask": mask}
