"""Command-line text of --slide_window and --tta -> the mappings of Predict.slide_window / Predict.tta.

    --slide_window 512,512,384,384     crop w,h then stride w,h (or 512,512: stride = crop, no overlap)
    --slide_window "{crop_size: [512, 512], stride: [384, 384]}"
    --tta flip_horizontal,0.75,1.0,1.25  flip_horizontal / flip_vertical words and scale numbers, in any order
    --tta "{flip_horizontal: true, scales: [0.75, 1.0, 1.25]}"
"""
import yaml

from ..errors import ConfigError
from .tiling import parse_slide_window, parse_tta

SLIDE_HINT = "e.g. --slide_window 512,512,384,384 (crop w,h then stride w,h)"
TTA_HINT = "e.g. --tta flip_horizontal,0.75,1.0,1.25 (flip_horizontal, flip_vertical and scales)"


def _parse_flag(text, flag, from_list, check):
    """`flag`'s text -> its checked mapping, or None for "", "none" or "null". Text starting with "{" is read as
    a YAML mapping, other text by `from_list(stripped text, text)`; `check(value, flag)` raises ConfigError."""
    if text is None or str(text).strip().lower() in ("", "none", "null"):
        return None
    raw = str(text).strip()
    value = yaml.safe_load(raw) if raw.startswith("{") else from_list(raw, text)
    check(value, flag)
    return value


def _window_from_list(raw, text):
    try:
        numbers = [int(v) for v in raw.split(",")]
    except ValueError:
        raise ConfigError(f"--slide_window {text} is not a window.", hint=SLIDE_HINT) from None
    if len(numbers) not in (2, 4):
        raise ConfigError(f"--slide_window {text} needs 2 or 4 numbers.", hint=SLIDE_HINT)
    return {"crop_size": numbers[:2], "stride": numbers[2:] or numbers[:2]}


def _tta_from_list(raw, text):
    value = {"flip_horizontal": False, "flip_vertical": False, "scales": []}
    for token in (t.strip() for t in raw.split(",") if t.strip()):
        if token in ("flip_horizontal", "flip_vertical"):
            value[token] = True
            continue
        try:
            value["scales"].append(float(token))
        except ValueError:
            raise ConfigError(f"--tta {text}: {token!r} is neither a flip nor a scale.", hint=TTA_HINT) from None
    value["scales"] = value["scales"] or [1.0]
    return value


def parse_slide_window_flag(text):
    """`--slide_window` text -> {crop_size, stride} (checked), or None."""
    return _parse_flag(text, "--slide_window", _window_from_list, parse_slide_window)


def parse_tta_flag(text):
    """`--tta` text -> {flip_horizontal, flip_vertical, scales} (checked), or None."""
    return _parse_flag(text, "--tta", _tta_from_list, parse_tta)
