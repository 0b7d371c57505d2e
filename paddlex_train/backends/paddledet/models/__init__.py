"""Models ppdet 2.6 lacks, written for this project; importing registers them with ppdet."""
from . import ppyoloe_seg  # noqa: F401
from . import mask_rtdetr  # noqa: F401
