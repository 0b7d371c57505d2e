"""Render the config schema as the README's Markdown key table (a test keeps README.md in sync)."""
from .schema import SCHEMA


def _rows(schema, prefix=""):
    for name, spec in schema.items():
        path = prefix + name
        if isinstance(spec, dict):
            yield from _rows(spec, path + ".")
        else:
            names = ["float"] if float in spec.types else [t.__name__ for t in spec.types]
            types = "/".join(names) + ("/null" if spec.nullable else "")
            default = "(required)" if spec.default is None and not spec.nullable else repr(spec.default)
            yield f"| `{path}` | {types} | `{default}` | {spec.doc} |"


def key_table_markdown():
    """The key table as Markdown lines (header included)."""
    header = ["| key | type | schema default | meaning |", "|---|---|---|---|"]
    return "\n".join(header + list(_rows(SCHEMA)))


if __name__ == "__main__":
    print(key_table_markdown())
