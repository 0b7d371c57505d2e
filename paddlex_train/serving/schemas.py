"""Wire schemas, field for field those of PaddleX 3.7.2 (`paddlex/inference/serving/schemas/*`).

Requests are validated with these models (pydantic's default `extra="ignore"`: unknown keys are dropped, as in
PaddleX). Results are built by serving/wire.py as JSON directly (for speed); the result models below document them
in the OpenAPI page and are what tests validate answers against.
"""
from typing import List, Literal, Optional, Tuple, Union

from pydantic import BaseModel

from .tiling_fields import SlideWindowField, TTAField

SEMANTIC_ENDPOINT = "/semantic-segmentation"
INSTANCE_ENDPOINT = "/instance-segmentation"


class SemanticRequest(BaseModel):
    """POST /semantic-segmentation body."""

    image: str  # base64 of the image file's bytes, or an http(s) URL
    targetSize: Optional[Union[int, Tuple[int, int]]] = None  # noqa: N815 (wire name)
    visualize: Optional[bool] = None
    slideWindow: Optional[SlideWindowField] = None  # noqa: N815 (extension, issue 19; PaddleX ignores it)
    tta: Optional[TTAField] = None  # extension, issue 19


class SemanticResult(BaseModel):
    """`result` of /semantic-segmentation: class ids row-major at the original size, size [H, W]."""

    labelMap: List[int]  # noqa: N815
    size: Tuple[int, int]
    image: Optional[str] = None  # base64 JPEG of the pseudo-colour label map; absent when visualize is off


class InstanceRequest(BaseModel):
    """POST /instance-segmentation body."""

    image: str
    threshold: Optional[float] = None
    visualize: Optional[bool] = None


class Mask(BaseModel):
    """pycocotools compressed RLE counts of the mask cropped to the rounded box; size [h, w] of that crop."""

    rleResult: str  # noqa: N815
    size: Tuple[int, int]


class Instance(BaseModel):
    """One instance: box [xmin, ymin, xmax, ymax] in original-image pixels."""

    bbox: Tuple[float, float, float, float]
    categoryId: int  # noqa: N815
    categoryName: str  # noqa: N815
    score: float
    mask: Mask


class InstanceResult(BaseModel):
    """`result` of /instance-segmentation."""

    instances: List[Instance]
    image: Optional[str] = None


class SemanticResponse(BaseModel):
    """Success envelope of /semantic-segmentation."""

    logId: str  # noqa: N815
    result: SemanticResult
    errorCode: Literal[0] = 0  # noqa: N815
    errorMsg: Literal["Success"] = "Success"  # noqa: N815


class InstanceResponse(BaseModel):
    """Success envelope of /instance-segmentation."""

    logId: str  # noqa: N815
    result: InstanceResult
    errorCode: Literal[0] = 0  # noqa: N815
    errorMsg: Literal["Success"] = "Success"  # noqa: N815


class ErrorResponse(BaseModel):
    """Envelope of every error (and of /health): errorCode is the HTTP status (0 for health)."""

    logId: str  # noqa: N815
    errorCode: int  # noqa: N815
    errorMsg: str  # noqa: N815
