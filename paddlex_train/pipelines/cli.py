"""The pipeline side of main.py: `--pipeline <name|yaml> --input x` and `--get_pipeline_config <name>`.

Errors propagate to paddlex_train.cli, which alone turns them into exit codes and result files.
"""
from pathlib import Path

import yaml

from ..errors import ConfigError
from ..inference.tiling_flags import parse_slide_window_flag, parse_tta_flag
from ..utils.fs import write_text_keeping_backup
from .runner import builtin_config_path, load_pipeline_config


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


def parse_threshold(text):
    """`--threshold` text -> a float in [0, 1], or None."""
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise ConfigError(f"--threshold {text} is not a score between 0 and 1.", hint="e.g. --threshold 0.5")
    return value


# CLI flag -> parser of its text, for every task option; which of them a pipeline takes is its task's business.
TASK_OPTION_FLAGS = {"target_size": parse_target_size, "threshold": parse_threshold,
                     "slide_window": parse_slide_window_flag, "tta": parse_tta_flag}


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
    from ..inference import predict_and_save
    from .pipeline import create_pipeline

    if args.input is None:
        raise ConfigError("--pipeline needs --input.",
                          hint="e.g. python main.py --pipeline semantic_segmentation --input x.png --device cpu")
    options = {k: parse(getattr(args, k, None)) for k, parse in TASK_OPTION_FLAGS.items()}
    _, spec, _, _ = load_pipeline_config(args.pipeline)
    spec.task.check_predict_options(options, where="--")
    pipeline = create_pipeline(args.pipeline, device=args.device, model_dir=args.model_dir,
                               batch_size=args.batch_size, **{k: v for k, v in options.items() if v is not None})
    entries = predict_and_save(pipeline, args.input, args.save_path, what="--input")
    return {"pipeline": pipeline.name, "num_inputs": len(entries), "results": entries}
