"""The CLI contract: exit codes, one-line errors, result files, no tracebacks, no paddle where not needed."""
import json
import subprocess
import sys

import pytest

from conftest import INST_CONFIG_DIR, REPO, SEG_CONFIG_DIR, one_error_line, read_result, run_main

SEG = SEG_CONFIG_DIR / "PP-LiteSeg-T.yaml"


def test_unknown_key_acceptance(tmp_path):
    out = tmp_path / "out"
    proc = run_main("-c", SEG, "-o", "Global.mode=check_dataset", "-o", "Trian.x=1", "-o", f"Global.output={out}")
    line = one_error_line(proc, 2)
    assert "Did you mean Train" in line
    result = read_result(out, "check_dataset")
    assert result["done_flag"] is False and result["err_type"] == "ConfigError" and "Trian.x" in result["err_msg"]


def test_spaces_around_equals(tmp_path):
    proc = run_main("-c", SEG, "-o", "Global.mode", "=", "train", "-o", f"Global.output={tmp_path}")
    line = one_error_line(proc, 2)
    assert "-o Global.mode=train" in line


def test_lower_case_section(tmp_path):
    proc = run_main("-c", SEG, "-o", "global.mode=train", "-o", f"Global.output={tmp_path}")
    assert "-o Global.mode=train" in one_error_line(proc, 2)


def test_missing_config_and_no_config(tmp_path):
    assert "does not exist" in one_error_line(run_main("-c", tmp_path / "x.yaml", cwd=tmp_path), 2)
    assert "No config given" in one_error_line(run_main(cwd=tmp_path), 2)


def test_bad_device_is_config_error(tmp_path):
    proc = run_main("-c", SEG, "-o", "Global.device=gpu:x", "-o", f"Global.output={tmp_path}")
    assert "Global.device" in one_error_line(proc, 2)


def test_unavailable_mode_is_clear(tmp_path, monkeypatch, capsys):
    # Every catalogued model has an architecture file now, so the run (in-process) sees a stand-in backend
    # folder without Mask-RT-DETR-S (availability = the backend's architecture files; see paddlex_train.catalog).
    from paddlex_train import catalog
    from paddlex_train.cli import main

    (tmp_path / "backends" / "paddledet" / "archs").mkdir(parents=True)
    monkeypatch.setattr(catalog, "BACKENDS_ROOT", tmp_path / "backends")
    catalog.catalog.cache_clear()
    cfg = INST_CONFIG_DIR / "Mask-RT-DETR-S.yaml"
    try:
        code = main(["-c", str(cfg), "-o", "Global.mode=train", "-o", "Global.device=cpu",
                     "-o", f"Global.output={tmp_path}", "-o", "Train.pretrain_weight_path=null"])
    finally:
        monkeypatch.undo()
        catalog.catalog.cache_clear()
    captured = capsys.readouterr()
    proc = subprocess.CompletedProcess([], code, captured.out, captured.err)
    assert "not available yet" in one_error_line(proc, 1)
    assert read_result(tmp_path, "train")["done_flag"] is False


def test_debug_shows_traceback(tmp_path):
    proc = run_main("-c", SEG, "-o", "Trian.x=1", "-o", f"Global.output={tmp_path}", "--debug")
    assert proc.returncode == 2 and "Traceback" in proc.stderr


def _imported_suites(args, tmp_path):
    code = (
        "import sys, json\n"
        "from paddlex_train.cli import main\n"
        f"rc = main({[str(a) for a in args]!r})\n"
        "mods = sorted(m for m in sys.modules if m.split('.')[0] in ('paddle', 'paddleseg', 'ppdet'))\n"
        "print(json.dumps([rc, mods]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_config_errors_do_not_import_paddle(tmp_path):
    rc, mods = _imported_suites(["-c", SEG, "-o", "Trian.x=1", "-o", f"Global.output={tmp_path}"], tmp_path)
    assert rc == 2 and mods == []


def test_help_does_not_import_paddle():
    code = ("import sys\nfrom paddlex_train.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "suites = ('paddle', 'paddleseg', 'ppdet')\n"
            "print('PADDLE' if any(m.split('.')[0] in suites for m in sys.modules) else 'CLEAN')")
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip().splitlines()[-1] == "CLEAN" and "usage" in proc.stdout
