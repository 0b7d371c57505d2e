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
            yield f"| `{path}` | {types} | `{default}` | {spec.doc}{_units(spec)} |"


def _units(spec):
    """' (unit: semantic: iterations; instance: epochs)' for keys whose unit depends on the task."""
    if not spec.units:
        return ""
    parts = [f"{module.replace('_segmentation', '')}: {unit}" for module, unit in spec.units.items()]
    return " (unit: " + "; ".join(parts) + ")"


def key_table_markdown():
    """The key table as Markdown lines (header included)."""
    header = ["| key | type | schema default | meaning |", "|---|---|---|---|"]
    return "\n".join(header + list(_rows(SCHEMA)))


def write_readme_table(readme):
    """Replace the block between `<!-- keys:start -->` and `<!-- keys:end -->` in `readme` with the table."""
    from pathlib import Path

    path = Path(readme)
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    path.write_text(f"{head}{START}{key_table_markdown()}{END}{tail}", encoding="utf-8")


START, END = "<!-- keys:start -->\n", "\n<!-- keys:end -->"

if __name__ == "__main__":
    import sys

    if sys.argv[1:2] == ["--write"]:  # python -m paddlex_train.config.doc --write README.md
        write_readme_table(sys.argv[2] if len(sys.argv) > 2 else "README.md")
    else:
        print(key_table_markdown())
