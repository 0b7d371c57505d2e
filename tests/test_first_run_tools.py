"""Issue 11.10 (part): dataset_tools share one flag style (positional DATASET_DIR, --kebab-case options,
--train N [--val N]) and one exit-code rule (0 done, 1 bad data, 2 bad usage: as main.py)."""
import subprocess
import sys

import pytest

from conftest import REPO
from dataset_tools import coco_labelme, coco_split, seg_fix_labels, seg_labelme_convert, seg_split
from dataset_tools.synthetic_coco import generate as generate_coco
from test_seg_check_helpers import make_dataset

DATA_TOOLS = (coco_labelme, coco_split, seg_fix_labels, seg_labelme_convert, seg_split)


def test_positional_dataset_dir_and_the_older_flags(tmp_path, capsys):
    root = generate_coco(tmp_path / "coco", num=5, size=32, seed=0)
    assert coco_split.main([str(root), "--train", "80", "--seed", "1"]) == 0
    assert "4 train and 1 val" in capsys.readouterr().out
    assert coco_split.main(["--dataset-dir", str(root), "--train-percent", "60"]) == 0  # still accepted
    assert "3 train and 2 val" in capsys.readouterr().out
    seg = make_dataset(tmp_path / "seg", n_train=4, n_val=1)
    assert seg_split.main([str(seg), "--train", "60"]) == 0  # --val defaults to the rest
    assert "train 3, val 2" in capsys.readouterr().out


@pytest.mark.parametrize("tool", DATA_TOOLS, ids=[t.__name__.rsplit(".", 1)[-1] for t in DATA_TOOLS])
def test_bad_data_exits_1_with_one_line(tool, tmp_path, capsys):
    extra = {seg_fix_labels: ["--out", str(tmp_path / "new")], seg_split: ["--train", "80"],
             coco_split: ["--train", "80"]}.get(tool, [])
    assert tool.main([str(tmp_path / "missing"), *extra]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("Error: ")


@pytest.mark.parametrize("tool", (seg_split, coco_split), ids=("seg_split", "coco_split"))
def test_bad_percentages_exit_2_in_both_tasks(tool, tmp_path, capsys):
    assert tool.main([str(tmp_path), "--train", "70", "--val", "20"]) == 2
    assert "must sum to 100" in capsys.readouterr().err


@pytest.mark.parametrize("tool", DATA_TOOLS, ids=[t.__name__.rsplit(".", 1)[-1] for t in DATA_TOOLS])
def test_missing_dataset_dir_is_a_usage_error(tool):
    with pytest.raises(SystemExit) as info:
        tool.main(["--seed", "1"] if tool in (coco_labelme,) else [])
    assert info.value.code == 2


def test_exit_code_reaches_the_shell(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "dataset_tools.seg_split", str(tmp_path), "--train", "50",
                           "--val", "40"], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.startswith("Error: ") and "Traceback" not in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "dataset_tools.synthetic_seg", "--out", str(tmp_path / "s"),
                           "--num", "2", "--size", "16"], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0
