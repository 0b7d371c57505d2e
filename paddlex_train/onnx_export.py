"""Paddle inference directory -> ONNX directory (`inference.onnx` + the same `inference.yml`), with paddle2onnx.

    python main.py --paddle2onnx --paddle_model_dir DIR --onnx_model_dir OUT [--opset_version N]

paddle2onnx runs in a child process: it prints its diagnostics from C++ straight to the terminal (so only a child's
output can be read back), and an op it cannot handle may abort the process. The child's output is scanned for the
ops paddle2onnx refused, so a model that does not convert fails with one line naming the model and the op. The
ONNX file is loaded by onnxruntime before it is put in place, and files are written under temporary names and
renamed, so OUT never holds a broken or half-written model.
"""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from .errors import ConfigError, UnsupportedError
from .inference.model_config import INFERENCE_YML, read_inference_dir
from .inference.onnx_engine import ONNX_FILE

DEFAULT_OPSET = 11  # the lowest opset every op of our exports needs (reduce_mean/max ask for 11)
OPSET_RANGE = (7, 19)  # what paddle2onnx 1.2.11 writes
CONVERT_TIMEOUT_S = 1800

# paddle2onnx 1.2 output: "[ERROR][Paddle2ONNX] [pool2d: pool2d_4.tmp_0] Adaptive only support static input shape."
# and, for ops without a converter, "There's N ops are not supported yet" followed by "=========== op ===========".
_ERROR_LINE = re.compile(r"\[ERROR\]\[Paddle2ONNX\]\s*\[(\w+):[^\]]*\]\s*(.*)")
_UNSUPPORTED_OP = re.compile(r"=+\s*(\w+)\s*=+")
# paddle2onnx 1.2.11: "Oops, there are some operators not supported yet, including while,write_to_array,"
_UNSUPPORTED_LIST = re.compile(r"operators not supported yet, including\s*([\w,]+)")
# "[ERROR] Cannot found attribute fp32_values in op: set_value" (an op version paddle2onnx does not know)
_MISSING_ATTR = re.compile(r"Cannot found attribute (\w+) in op:\s*(\w+)")
_STATIC_SHAPE_HINT = "export with a fixed input size (-o Export.input_shape=[512,512]) and convert that"


def conversion_problem(log_text):
    """(op, reason) of the first op paddle2onnx refused in `log_text` (its console output), or None."""
    for line in log_text.splitlines():
        found = _ERROR_LINE.search(line)
        if found:
            return found.group(1), found.group(2).strip().rstrip(".")
    missing = _MISSING_ATTR.search(log_text)
    if missing:
        return missing.group(2), f"paddle2onnx does not know its attribute {missing.group(1)}"
    listed = _UNSUPPORTED_LIST.search(log_text)
    if listed:
        ops = [op for op in listed.group(1).split(",") if op]
        return ", ".join(ops), "paddle2onnx has no converter for " + ("this op" if len(ops) == 1 else "these ops")
    if "not supported yet" in log_text:
        tail = log_text.split("not supported yet", 1)[1]
        found = _UNSUPPORTED_OP.search(tail)
        return (found.group(1) if found else "unknown"), "paddle2onnx has no converter for this op"
    return None


def _problem_error(model_name, problem, paddle_dir):
    op, reason = problem
    if "static input shape" in reason:
        hint = _STATIC_SHAPE_HINT
    elif "crashed" in reason:
        hint = "export with a larger fixed input size (e.g. -o Export.input_shape=[512,512]) and convert that"
    else:
        hint = f"predict with Paddle Inference (the Paddle export in {paddle_dir}) instead"
    kind = "ops" if ", " in op else "op"
    return UnsupportedError(f"{model_name} cannot be converted to ONNX: {kind} {op} ({reason}).", hint=hint)


def _run_paddle2onnx(model_file, params_file, target, opset):
    """Convert in a child process; returns (exit code, combined console output)."""
    # The child also loads the result into onnxruntime: a malformed graph (e.g. an adaptive pool whose input is
    # smaller than its output gives a zero stride) can kill the loading process with SIGFPE.
    code = ("import sys, paddle2onnx; paddle2onnx.export(sys.argv[1], sys.argv[2], sys.argv[3], "
            "opset_version=int(sys.argv[4]), auto_upgrade_opset=True, enable_onnx_checker=True); "
            "print('[pxt] converted', flush=True); import onnxruntime as ort; "
            "ort.InferenceSession(sys.argv[3], providers=['CPUExecutionProvider']); print('[pxt] loads', flush=True)")
    try:
        proc = subprocess.run([sys.executable, "-c", code, str(model_file), str(params_file), str(target), str(opset)],
                              capture_output=True, text=True, errors="replace", timeout=CONVERT_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return -1, f"paddle2onnx did not finish within {CONVERT_TIMEOUT_S} s"
    return proc.returncode, proc.stdout + "\n" + proc.stderr


def _load_problem(code, log_text):
    """(op, reason) when the child converted the model but onnxruntime could not load it, else None."""
    if "[pxt] converted" not in log_text or "[pxt] loads" in log_text:
        return None
    if code < 0:
        reason = f"onnxruntime crashed loading the converted model (signal {-code}); the usual cause is an " \
                 "adaptive pooling with more output cells than its input has at this static input shape"
        return "unknown", reason
    lines = [line.strip() for line in log_text.split("[pxt] converted", 1)[1].splitlines() if line.strip()]
    text = lines[-1] if lines else f"exit code {code}"
    text = text.split(" failed:", 1)[-1].strip()  # drop onnxruntime's "... Load model from <temp file> failed:"
    op = re.search(r"\b(?:Op|op_type|OpType)\s*[:=(]?\s*\(?(\w+)\)?", text)
    return (op.group(1) if op else "unknown"), f"onnxruntime cannot load the converted model: {text}"


def convert_to_onnx(paddle_model_dir, onnx_model_dir, opset_version=None, what="--paddle_model_dir"):
    """Convert an exported Paddle inference directory into `onnx_model_dir` (inference.onnx + inference.yml).

    Args:
        paddle_model_dir: directory written by Global.mode=export (inference.pdmodel/.pdiparams/.yml).
        onnx_model_dir: target directory (created; other files in it are kept, ours are replaced).
        opset_version: ONNX opset (None = DEFAULT_OPSET; raised automatically where an op needs more).
        what: how paddle_model_dir was given, for messages.

    Returns:
        Path of the written inference.onnx.

    Raises:
        ConfigError for a bad opset or directory; UnsupportedError naming the model and op that do not convert.
    """
    opset = DEFAULT_OPSET if opset_version is None else opset_version
    if isinstance(opset, bool) or not isinstance(opset, int) or not OPSET_RANGE[0] <= opset <= OPSET_RANGE[1]:
        raise ConfigError(f"--opset_version={opset!r} must be an int from {OPSET_RANGE[0]} to {OPSET_RANGE[1]}.",
                          hint=f"e.g. --opset_version {DEFAULT_OPSET}")
    model = read_inference_dir(paddle_model_dir, what=what)
    if not model.model_file.is_file():
        raise ConfigError(f"{what} {paddle_model_dir} holds no Paddle program ({model.model_file.name}).",
                          hint="give the directory written by Global.mode=export")
    name = model.model_name or Path(paddle_model_dir).name
    out = Path(onnx_model_dir)
    out.mkdir(parents=True, exist_ok=True)
    tmp_onnx = out / f".{ONNX_FILE}.tmp{os.getpid()}"
    try:
        code, log_text = _run_paddle2onnx(model.model_file, model.params_file, tmp_onnx, opset)
        problem = conversion_problem(log_text) or _load_problem(code, log_text)
        if problem is None and (code != 0 or not tmp_onnx.is_file()):
            last = [line for line in log_text.splitlines() if line.strip()]
            problem = ("unknown", last[-1].strip() if last else f"paddle2onnx exited with code {code}")
        if problem is not None:
            raise _problem_error(name, problem, paddle_model_dir)
        yml_tmp = out / f".{INFERENCE_YML}.tmp{os.getpid()}"
        if Path(paddle_model_dir).resolve() != out.resolve():
            shutil.copyfile(model.model_dir / INFERENCE_YML, yml_tmp)
            os.replace(yml_tmp, out / INFERENCE_YML)
        os.replace(tmp_onnx, out / ONNX_FILE)
    finally:
        tmp_onnx.unlink(missing_ok=True)
    return out / ONNX_FILE


def paddle2onnx_command(args):
    """main.py --paddle2onnx: convert args.paddle_model_dir into args.onnx_model_dir; returns the exit code."""
    if not args.paddle_model_dir or not args.onnx_model_dir:
        raise ConfigError("--paddle2onnx needs --paddle_model_dir and --onnx_model_dir.",
                          hint="e.g. python main.py --paddle2onnx --paddle_model_dir output/best_model/inference "
                               "--onnx_model_dir output/onnx")
    path = convert_to_onnx(args.paddle_model_dir, args.onnx_model_dir, args.opset_version)
    print(f"Done: ONNX model written to {path}")
    return 0
