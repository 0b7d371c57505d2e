"""The `slideWindow` and `tta` request fields of /semantic-segmentation (issue 19), an extension of PaddleX's
schema: PaddleX servers and clients ignore unknown keys, so a client may always send them.

    "slideWindow": {"cropSize": [w, h], "stride": [w, h]}
    "tta": {"flipHorizontal": true, "flipVertical": false, "scales": [0.75, 1.0, 1.25]}
"""
from typing import List, Optional, Tuple

from pydantic import BaseModel

from ..errors import ConfigError
from .envelope import ApiError


class SlideWindowField(BaseModel):
    """Sliding-window inference: window size and step in pixels, width first."""

    cropSize: Tuple[int, int]  # noqa: N815 (wire name)
    stride: Tuple[int, int]


class TTAField(BaseModel):
    """Test-time augmentation: flips and scales whose logits are averaged."""

    flipHorizontal: bool = False  # noqa: N815
    flipVertical: bool = False  # noqa: N815
    scales: Optional[List[float]] = None


def tiling_request_options(slide_window, tta):
    """{slide_window, tta} predictor options from the request fields (absent ones left out); ApiError 422 if bad."""
    from ..inference.tiling import parse_slide_window, parse_tta

    options = {}
    if slide_window is not None:
        value = {"crop_size": list(slide_window.cropSize), "stride": list(slide_window.stride)}
        options["slide_window"] = _checked(parse_slide_window, value, "body.slideWindow")
    if tta is not None:
        value = {"flip_horizontal": tta.flipHorizontal, "flip_vertical": tta.flipVertical,
                 "scales": [1.0] if tta.scales is None else list(tta.scales)}
        options["tta"] = _checked(parse_tta, value, "body.tta")
    return options


def _checked(parse, value, field):
    try:
        parse(value, field.replace("body.", ""))
    except ConfigError as error:
        raise ApiError(422, field, "value_error", error.one_line()) from None
    return value
