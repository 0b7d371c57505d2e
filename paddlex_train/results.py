"""The result contract: every mode writes `<Global.output>/<mode>_result.json`, here and nowhere else
(write_success / write_failure at the end; write_progress for a running mode's interim file, e.g. train_result.json
with done_flag false after every checkpoint); the payloads of evaluate/export come from tasks/base/payload.py."""
import json
from pathlib import Path

from .utils.fs import write_text_atomic


def write_json_atomic(path, payload, indent=2):
    """Write `payload` as JSON to `path` atomically (utils.fs.atomic_file: never half-written)."""
    return write_text_atomic(path, json.dumps(payload, indent=indent, ensure_ascii=False) + "\n")


def result_path(output_dir, mode):
    """Path of the result file of `mode` under `output_dir`."""
    return Path(output_dir) / f"{mode}_result.json"


def write_progress(output_dir, mode, payload):
    """Write the interim `{"done_flag": false, **payload}` of a running mode and return its path."""
    body = {"done_flag": False, **{k: v for k, v in (payload or {}).items() if k != "done_flag"}}
    return write_json_atomic(result_path(output_dir, mode), body)


def write_success(output_dir, mode, payload):
    """Write `{"done_flag": true, **payload}` and return its path."""
    body = {"done_flag": True}
    body.update(payload or {})
    path = write_json_atomic(result_path(output_dir, mode), body)
    _refresh_report(output_dir, mode)
    return path


def write_failure(output_dir, mode, error):
    """Write `{"done_flag": false, "err_type": ..., "err_msg": ...}` for `error` and return its path."""
    body = {"done_flag": False, "err_type": type(error).__name__, "err_msg": str(error)}
    path = write_json_atomic(result_path(output_dir, mode), body)
    _refresh_report(output_dir, mode, error)
    return path


def _refresh_report(output_dir, mode, error=None):
    """Add or refresh this mode's section of <output>/report.html (a report problem is only a warning)."""
    from .report.build import safe_refresh

    safe_refresh(output_dir, mode, error)
