"""PP-YOLOE_seg-S on ppdet 2.6: the instance head, its architecture and the PadGT variant with masks.

Importing registers `PPYOLOESeg`, `PPYOLOESegHead` and the `PadGTSegm` batch operator with ppdet.
"""
from . import arch, head, pad_gt  # noqa: F401

pad_gt.register()
