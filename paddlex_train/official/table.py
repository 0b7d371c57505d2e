"""One table: each catalogued model's official trained weights (PaddleX 3.7.2's `Export.weight_path`) and the label
set they were trained on.

PaddleX publishes them as `<PADDLEX_MODEL_HOST><Model>_pretrained.pdparams` (see
../shared/reference/paddlex_pretrained.md), in the suites' own layouts: whole PaddleSeg / ppdet models. Point the
host at a mirror or a loopback server with PADDLEX_TRAIN_OFFICIAL_URL_BASE (utils/download.effective_url).
"""
from dataclasses import dataclass

from ..utils.download import PADDLEX_MODEL_HOST
from .labels import LABEL_SETS

_BY_LABEL_SET = {
    "Cityscapes": ("PP-LiteSeg-T", "PP-LiteSeg-B", "SegFormer-B0", "SegFormer-B1", "SegFormer-B2", "SegFormer-B3",
                   "SegFormer-B4", "SegFormer-B5", "Deeplabv3-R50", "Deeplabv3-R101", "Deeplabv3_Plus-R50",
                   "Deeplabv3_Plus-R101", "OCRNet_HRNet-W18", "OCRNet_HRNet-W48"),
    "ADE20K": ("SeaFormer_tiny", "SeaFormer_small", "SeaFormer_base", "SeaFormer_large", "MaskFormer_tiny",
               "MaskFormer_small"),
    "COCO": ("MaskRCNN-ResNet50", "MaskRCNN-ResNet50-FPN", "MaskRCNN-ResNet50-vd-FPN", "MaskRCNN-ResNet101-FPN",
             "MaskRCNN-ResNet101-vd-FPN", "MaskRCNN-ResNeXt101-vd-FPN", "Cascade-MaskRCNN-ResNet50-FPN",
             "Cascade-MaskRCNN-ResNet50-vd-SSLDv2-FPN", "Mask-RT-DETR-S", "Mask-RT-DETR-M", "Mask-RT-DETR-L",
             "Mask-RT-DETR-X", "Mask-RT-DETR-H", "PP-YOLOE_seg-S", "SOLOv2"),
}


@dataclass(frozen=True)
class OfficialModel:
    """A model's official trained weights: the URL (PaddleX's host), the label set's name and its class names."""

    name: str
    url: str
    label_set: str
    labels: tuple

    @property
    def num_classes(self):
        return len(self.labels)


OFFICIAL = {model: OfficialModel(model, f"{PADDLEX_MODEL_HOST}{model}_pretrained.pdparams", label_set,
                                 LABEL_SETS[label_set])
            for label_set, models in _BY_LABEL_SET.items() for model in models}


def official_model(name):
    """The OfficialModel of `name`, or None when PaddleX publishes no trained weights for it."""
    return OFFICIAL.get(name)
