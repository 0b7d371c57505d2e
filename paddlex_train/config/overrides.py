"""`-o Section.key.sub=value` overrides: parsing and applying, strictly and without eval."""
import re

import yaml

from ..errors import ConfigError
from ..registry import did_you_mean
from .schema import SCHEMA

_NULL_WORDS = {"", "none", "null", "~"}
_FLOAT_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def parse_scalar(text):
    """Parse an override value as a YAML scalar or flow list; never evaluates code.

    `None`/`null` -> None, `True/true/False/false` -> bool, `10` -> int, `1e-3` -> float, `[512, 512]` -> list;
    anything else (`gpu:0,1`, paths, `no`) stays a string.
    """
    stripped = text.strip()
    if stripped.lower() in _NULL_WORDS:
        return None
    if _FLOAT_RE.match(stripped) and not re.match(r"^[+-]?\d+$", stripped):
        return float(stripped)
    try:
        value = yaml.safe_load(stripped)
    except yaml.YAMLError:
        return stripped
    if isinstance(value, bool) and stripped.lower() not in ("true", "false"):
        return stripped  # YAML 1.1 would turn yes/no/on/off into booleans; keep the user's word
    if value is None or isinstance(value, (bool, int, float, str, list, dict)):
        return value
    return stripped  # dates and other YAML types stay text


def _usage_example(key="Global.mode", value="train"):
    return f"write it as one word: -o {key}={value}"


def split_override(item):
    """Split 'Section.key=value' into (['Section', 'key'], value) or raise ConfigError showing the right form."""
    if "=" not in item:
        raise ConfigError(f"Override {item!r} has no '='.", hint=_usage_example(item.strip() or "Global.mode"))
    key, value = item.split("=", 1)
    if not key.strip():
        raise ConfigError(f"Override {item!r} has no key before '='.", hint=_usage_example())
    if key != key.strip() or key.strip() != key.replace(" ", ""):
        raise ConfigError(f"Override {item!r} has spaces in its key.", hint=_usage_example(key.strip(), value.strip()))
    parts = key.split(".")
    if any(not p for p in parts):
        raise ConfigError(f"Override key {key!r} has an empty part.", hint="e.g. -o Train.batch_size=4")
    return parts, parse_scalar(value)


def _check_section(parts, item):
    section = parts[0]
    if section in SCHEMA:
        return
    lowered = {s.lower(): s for s in SCHEMA}
    if section.lower() in lowered:
        fixed = ".".join([lowered[section.lower()]] + parts[1:])
        raise ConfigError(f"Override {item!r}: section names are case-sensitive.",
                          hint=f"write -o {fixed}={item.split('=', 1)[1]}")
    full = ".".join(parts)
    from .validate import all_key_paths

    suggestion = did_you_mean(full, all_key_paths()) or did_you_mean(section, SCHEMA)
    raise ConfigError(f"Unknown config key {full} in override {item!r}.{suggestion}",
                      hint=f"sections are {', '.join(SCHEMA)}")


def apply_overrides(config, overrides):
    """Apply each override string to the nested dict `config` in place and return it.

    A numeric key part indexes a list (`Train.input_shape.2=256`). Unknown keys are reported later by validation,
    except an unknown section, which is reported here with the right spelling.
    """
    for item in overrides or []:
        parts, value = split_override(item)
        _check_section(parts, item)
        node = config
        for i, part in enumerate(parts[:-1]):
            if isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
                continue
            if not isinstance(node, dict):
                raise ConfigError(f"Override {item!r}: {'.'.join(parts[:i + 1])} is not a section.")
            if not isinstance(node.get(part), (dict, list)):
                node[part] = {}
            node = node[part]
        last = parts[-1]
        if isinstance(node, list):
            if not (last.isdigit() and int(last) < len(node)):
                raise ConfigError(f"Override {item!r}: index {last} is out of range for a list of {len(node)}.")
            node[int(last)] = value
        else:
            node[last] = value
    return config


def diagnose_stray_args(extra):
    """ConfigError for leftover argv words, which usually mean spaces around '=' in an override."""
    joined = " ".join(extra)
    if "=" in joined:
        key, _, value = joined.partition("=")
        key, value = key.strip().split(" ")[-1], value.strip().split(" ")[0]
        return ConfigError(f"Unexpected words on the command line: {joined!r} (spaces around '=' in an override?).",
                           hint=f"write -o {key or 'Global.mode'}={value or 'train'} with no spaces")
    return ConfigError(f"Unexpected words on the command line: {joined!r}.",
                       hint="pass settings as -o Section.key=value, e.g. -o Global.mode=train")
