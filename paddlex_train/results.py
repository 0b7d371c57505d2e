"""The result contract: every mode writes `<Global.output>/<mode>_result.json`."""
import json
import os
from pathlib import Path


def write_json_atomic(path, payload, indent=2):
    """Write `payload` as JSON to `path` through a temporary file and a rename (never half-written)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(payload, f, indent=indent, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, path)
    return path


def result_path(output_dir, mode):
    """Path of the result file of `mode` under `output_dir`."""
    return Path(output_dir) / f"{mode}_result.json"


def write_success(output_dir, mode, payload):
    """Write `{"done_flag": true, **payload}` and return its path."""
    body = {"done_flag": True}
    body.update(payload or {})
    return write_json_atomic(result_path(output_dir, mode), body)


def write_failure(output_dir, mode, error):
    """Write `{"done_flag": false, "err_type": ..., "err_msg": ...}` for `error` and return its path."""
    body = {"done_flag": False, "err_type": type(error).__name__, "err_msg": str(error)}
    return write_json_atomic(result_path(output_dir, mode), body)
