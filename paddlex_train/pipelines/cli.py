"""The pipeline side of main.py: `--pipeline <name|yaml> --input x` and `--get_pipeline_config <name>`.

Errors propagate to paddlex_train.cli, which alone turns them into exit codes and result files.
"""
from pathlib import Path

import yaml

from ..errors import ConfigError
from ..utils.fs import write_text_keeping_backup
from .runner import builtin_config_path


def parse_target_size(text):
    """`--target_size` text -> -1, an int, [w, h] or None ("-1", "512", "512,256", "[512, 256]", "None")."""
    if text is None:
        return None
    raw = str(text).strip()
    if raw.lower() in ("none", "null", ""):
        return None
    try:
        value = yaml.safe_load(raw if raw.startswith("[") else f"[{raw}]")
    except yaml.YAMLError:
        value = None
    if isinstance(value, list) and value and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        if len(value) == 1 and (value[0] == -1 or value[0] > 0):
            return value[0]
        if len(value) == 2 and all(v > 0 for v in value):
            return value
    raise ConfigError(f"--target_size {text} is not a valid size.",
                      hint="use -1 (original resolution), an int (square) or w,h")


def save_pipeline_config(name, save_path=None):
    """Copy the built-in YAML of pipeline `name` to save_path (a directory -> <dir>/<name>.yaml); returns it."""
    source = builtin_config_path(name)
    target = Path(save_path or ".")
    if target.suffix.lower() not in (".yaml", ".yml"):
        target = target / f"{name}.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    write_text_keeping_backup(target, source.read_text(encoding="utf-8"))  # an existing copy is kept as .bak
    return target


def run_pipeline(args):
    """Run `args.pipeline` on `args.input`; print each result and, with --save_path, save all of them.

    Returns:
        the payload for predict_result.json.
    """
    from ..inference.readers import expand_inputs
    from ..inference.results import UniqueStems
    from ..utils.download import is_url
    from .runner import create_pipeline

    if args.input is None:
        raise ConfigError("--pipeline needs --input.",
                          hint="e.g. python main.py --pipeline semantic_segmentation --input x.png --device cpu")
    pipeline = create_pipeline(args.pipeline, device=args.device, model_dir=args.model_dir,
                               batch_size=args.batch_size, target_size=parse_target_size(args.target_size))
    options = {}
    if args.target_size is not None:
        options["target_size"] = parse_target_size(args.target_size)
    sources = expand_inputs(args.input, what="--input")
    stems = UniqueStems(args.save_path, protected=[s.input_path for s in sources if not is_url(s.input_path)])
    entries = []
    for result in pipeline.predict([s.value for s in sources], **options):
        result.print(format_json=False)
        entry = {"input_path": result["input_path"]}
        if args.save_path:
            written = result.save_all(args.save_path, stem=stems.take(result.basename))
            entry.update({kind: path.name for kind, path in written.items()})
        entries.append(entry)
    if args.save_path:
        print(f"Saved {len(entries)} result(s) to {Path(args.save_path)}/ "
              "(*_res.png pseudo-colour, *_overlay.png, *_label.png class ids, *_res.json)")
    return {"pipeline": pipeline.name, "num_inputs": len(entries), "results": entries}
