"""The command line. The only place where exceptions become exit codes and failure result files.

Exit codes: 0 success, 1 run failure, 2 usage or config error, 130 interrupted.
"""
import argparse
import sys
import traceback

from .errors import ConfigError, PxtError

USAGE_EXAMPLE = ("python main.py -c configs/modules/semantic_segmentation/PP-LiteSeg-T.yaml "
                 "-o Global.mode=check_dataset -o Global.dataset_dir=./my_data")


class _Parser(argparse.ArgumentParser):
    """argparse that raises ConfigError instead of printing usage and exiting."""

    def error(self, message):
        raise ConfigError(f"Command line: {message}.", hint=f"e.g. {USAGE_EXAMPLE}")


def build_parser():
    """The argument parser of main.py."""
    p = _Parser(prog="main.py", description="Train, evaluate, export and run segmentation models.",
                epilog=f"example: {USAGE_EXAMPLE}")
    p.add_argument("-c", "--config", help="module YAML, e.g. configs/modules/<module>/<Model>.yaml")
    p.add_argument("-o", "--override", action="append", default=[], metavar="Section.key=value",
                   help="override a config key (repeatable)")
    p.add_argument("--debug", action="store_true", help="print tracebacks")
    p.add_argument("--download_weights", metavar="MODEL|all",
                   help="pre-fetch a model's pretrained and official weights into the cache (PADDLEX_TRAIN_CACHE)")
    onnx = p.add_argument_group("ONNX (PaddleX's paddle2onnx command; paddlex_train/onnx_export.py)")
    onnx.add_argument("--paddle2onnx", action="store_true", help="convert an exported model to ONNX")
    onnx.add_argument("--paddle_model_dir", help="exported Paddle inference directory to convert")
    onnx.add_argument("--onnx_model_dir", help="where to write inference.onnx and inference.yml")
    onnx.add_argument("--opset_version", type=int, help="ONNX opset (default 11)")
    pipe = p.add_argument_group("pipelines (PaddleX-style prediction without a module config)")
    pipe.add_argument("--pipeline", help="pipeline name (semantic_segmentation) or a pipeline .yaml")
    pipe.add_argument("--input", help="image path, directory or http(s) URL")
    pipe.add_argument("--device", help="cpu, gpu, gpu:0, ... (default: GPU if available, else CPU)")
    pipe.add_argument("--save_path", help="directory for results (and for --get_pipeline_config)")
    pipe.add_argument("--target_size",
                      help="semantic: -1 (original resolution), an int or w,h (fit inside, keeping the aspect ratio)")
    pipe.add_argument("--threshold", help="instance: minimum score of a kept instance, 0..1 (overrides the YAML)")
    pipe.add_argument("--slide_window", help="semantic: sliding-window inference: crop w,h,stride w,h "
                                             "(e.g. 512,512,384,384)")
    pipe.add_argument("--tta", help="semantic: test-time augmentation: flip_horizontal, flip_vertical and scales "
                                    "(e.g. flip_horizontal,0.75,1.0,1.25)")
    pipe.add_argument("--batch_size", type=int, help="images per inference call (overrides the YAML)")
    pipe.add_argument("--model_dir", help="exported inference directory (overrides the YAML)")
    pipe.add_argument("--get_pipeline_config", metavar="NAME", help="copy a pipeline's YAML to --save_path")
    pipe.add_argument("--serve", action="store_true", help="serve --pipeline over HTTP (python main.py --serve --help)")
    return p


_PIPELINE_ONLY = ("input", "device", "target_size", "threshold", "slide_window", "tta", "batch_size", "model_dir")


def _run_pipeline_command(args):
    """--get_pipeline_config / --pipeline: returns the exit code (errors propagate to main)."""
    from .pipelines.cli import run_pipeline, save_pipeline_config

    if args.config is not None:
        raise ConfigError("Give either -c <module config> or --pipeline/--get_pipeline_config, not both.")
    if args.get_pipeline_config:
        print(f"Pipeline config written to {save_pipeline_config(args.get_pipeline_config, args.save_path)}")
        return 0
    payload = run_pipeline(args)
    if args.save_path:
        from .results import write_success

        print(f"Done: predict result written to {write_success(args.save_path, 'predict', payload)}")
    return 0


def _fail(error, mode, output, debug):
    """Report `error` on stderr, write the failure result, return the exit code."""
    from .results import write_failure

    code = getattr(error, "exit_code", 1)
    if isinstance(error, PxtError):
        line = error.one_line()
    else:
        line = f"Internal error: {type(error).__name__}: {error}".strip()
        if not debug:
            line += " (run again with --debug for the traceback)"
    if debug:
        traceback.print_exc()
    print(f"Error: {line}", file=sys.stderr)
    if mode and output:
        if mode == "train":  # a failing worker of a multi-process run must not overwrite rank 0's result file
            from .training.distributed import rank_output

            output = rank_output(output)
        try:
            path = write_failure(output, mode, error)
            print(f"Result written to {path}", file=sys.stderr)
        except OSError as e:  # an unwritable output dir must not hide the real error
            print(f"(could not write the result file: {e})", file=sys.stderr)
    return code


def main(argv=None):
    """Parse `argv`, run the requested mode, and return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    mode = output = None
    try:
        if "--serve" in argv:  # HTTP serving has its own options (paddlex_train/serving/cli.py)
            from .serving.cli import serve_command

            return serve_command(argv)
        args, extra = build_parser().parse_known_args(argv)
        if args.download_weights:  # fill the download cache for offline machines (paddlex_train/official/prefetch.py)
            if extra or args.config or args.pipeline:
                raise ConfigError("--download_weights takes only model names.", hint="e.g. --download_weights all")
            from .official.prefetch import download_command

            return download_command(args.download_weights)
        if args.paddle2onnx:
            if extra or args.config or args.pipeline:
                raise ConfigError("--paddle2onnx takes only --paddle_model_dir, --onnx_model_dir and --opset_version.",
                                  hint="e.g. --paddle2onnx --paddle_model_dir DIR --onnx_model_dir OUT")
            from .onnx_export import paddle2onnx_command

            return paddle2onnx_command(args)
        if args.pipeline or args.get_pipeline_config:
            if args.pipeline and args.save_path:
                mode, output = "predict", args.save_path
            if extra:
                raise ConfigError(f"Unrecognised arguments: {' '.join(extra)}.", hint="see python main.py --help")
            return _run_pipeline_command(args)
        if any(getattr(args, k) is not None for k in _PIPELINE_ONLY):
            raise ConfigError("--input/--device/--target_size/--threshold/--slide_window/--tta/--batch_size/"
                              "--model_dir apply to --pipeline only.",
                              hint="with -c, use -o Predict.input=... -o Global.device=... instead")
        if args.config is None:
            raise ConfigError("No config given.", hint=f"e.g. {USAGE_EXAMPLE}")
        from .config import load_config, peek_mode_and_output
        from .config.overrides import diagnose_stray_args

        mode, output = peek_mode_and_output(args.config, args.override)
        if extra:
            raise diagnose_stray_args(extra)
        config = load_config(args.config, args.override)
        mode, output = config.mode, str(config.output)
        from .engine import run

        _, path = run(config)
        print(f"Done: {mode} result written to {path}")
        return 0
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001  (the one place every error is turned into an exit code)
        return _fail(error, mode, output, debug)
