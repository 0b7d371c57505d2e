"""Serving settings: the pipeline YAML's `Serving:` section (PaddleX keeps `visualize` there) plus our limits.

Every limit has a default that suits a single CPU or GPU box; a pipeline YAML may change any of them:

    Serving:
      visualize: false          # default for requests that do not say (PaddleX's AppConfig.visualize)
      max_body_bytes: 33554432  # whole request body
      max_queue: 16             # requests waiting for the model, per worker; more -> 503 + Retry-After

The command line's `--allow-private-urls` sets `allow_private_urls: true`.
"""
from dataclasses import dataclass, fields, replace
from pathlib import Path

import yaml

from ..errors import ConfigError
from ..registry import did_you_mean

MB = 1024 * 1024


@dataclass(frozen=True)
class ServingSettings:
    """Limits and defaults of one server (all workers share them).

    Attributes:
        visualize: return the `image` field when a request does not say (PaddleX's default is true).
        max_body_bytes: largest request body accepted (413 above it).
        max_image_bytes: largest image file (after base64 decoding or download).
        max_image_pixels: largest width x height, read from the image header before decoding.
        max_queue: requests that may wait for the model per worker; one more gets 503 + Retry-After.
        request_timeout: seconds a request may take in all (body, download, queue, inference); then 503.
        url_timeout: seconds a URL download may take in all (connect, redirects, body).
        max_redirects: redirects followed for a URL input (each one re-checked).
        allow_private_urls: allow URLs resolving to loopback/private/link-local/metadata addresses.
        jpeg_quality: quality of the returned visualisation JPEG (PIL's default, as PaddleX).
    """

    visualize: bool = True
    max_body_bytes: int = 32 * MB
    max_image_bytes: int = 20 * MB
    max_image_pixels: int = 36_000_000
    max_queue: int = 16
    request_timeout: float = 60.0
    url_timeout: float = 10.0
    max_redirects: int = 5
    allow_private_urls: bool = False
    jpeg_quality: int = 75

    def public(self):
        """The limits as a JSON-ready dict (for the readiness answer)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


# PaddleX's AppConfig keys that the segmentation apps ignore (images are always inline base64 there too).
_IGNORED_PADDLEX_KEYS = ("return_urls", "extra")
_POSITIVE = {"max_body_bytes", "max_image_bytes", "max_image_pixels", "request_timeout", "url_timeout",
             "jpeg_quality"}


def _check(name, value, where):
    kind = {f.name: f.type for f in fields(ServingSettings)}[name]
    if kind is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: Serving.{name}={value!r} must be true or false.")
        return value
    number = kind
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and (number is float or value == int(value))
    if not ok:
        raise ConfigError(f"{where}: Serving.{name}={value!r} must be a{'n integer' if number is int else ' number'}.")
    value = number(value)
    if (name in _POSITIVE and value <= 0) or value < 0 or (name == "jpeg_quality" and value > 100):
        raise ConfigError(f"{where}: Serving.{name}={value!r} is out of range.",
                          hint="jpeg_quality is 1..100" if name == "jpeg_quality" else
                          f"Serving.{name} must be {'> 0' if name in _POSITIVE else '>= 0'}")
    return value


def settings_from_mapping(section, where="pipeline config"):
    """ServingSettings from a `Serving:` mapping (None = defaults); ConfigError names a bad key or value."""
    if section is None:
        return ServingSettings()
    if not isinstance(section, dict):
        raise ConfigError(f"{where}: Serving must be a mapping of settings, not {type(section).__name__}.")
    known = [f.name for f in fields(ServingSettings)]
    values = {}
    for key, value in section.items():
        if key in _IGNORED_PADDLEX_KEYS:
            continue
        if key not in known:
            raise ConfigError(f"{where}: unknown key Serving.{key}.{did_you_mean(key, known)}",
                              hint=f"keys: {', '.join(known)}")
        values[key] = _check(key, value, where)
    return ServingSettings(**values)


def read_serving_section(pipeline):
    """The `Serving:` section of a pipeline YAML path (None for built-in names or YAMLs without one)."""
    text = str(pipeline)
    if not text.lower().endswith((".yaml", ".yml")) or not Path(text).is_file():
        return None  # built-in pipeline names have no Serving section; a bad path is reported by the pipeline
    try:
        data = yaml.safe_load(Path(text).read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError):
        return None  # the pipeline loader reports the YAML error with its line
    return data.get("Serving") if isinstance(data, dict) else None


def load_settings(pipeline, allow_private_urls=False):
    """Settings for `pipeline` (name or YAML path), with the command line's --allow-private-urls applied."""
    settings = settings_from_mapping(read_serving_section(pipeline), where=str(pipeline))
    if allow_private_urls:
        settings = replace(settings, allow_private_urls=True)
    return settings
