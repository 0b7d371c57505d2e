"""Seeded train/val split: pooled lists, one list, no lists (images/ + annotations/ by stem), .bak files."""
from dataset_tools.seg_split import main as split_main
from paddlex_train.tasks.semantic_segmentation.checks.split import seeded_split, split_dataset
from test_seg_check_helpers import check, make_dataset, write_pair


def _lines(root, split):
    return (root / f"{split}.txt").read_text().splitlines()


def test_seeded_split_is_deterministic_and_keeps_both_sides():
    items = list(range(10))
    assert seeded_split(items, 80, 0) == seeded_split(items, 80, 0)
    assert seeded_split(items, 80, 0) != seeded_split(items, 80, 1)
    train, val = seeded_split(items, 99, 0)
    assert len(train) == 9 and len(val) == 1
    assert sorted(train + val) == items


def test_split_through_main_keeps_bak_and_is_seeded(tmp_path):
    root = make_dataset(tmp_path / "d", n_train=8, n_val=2)
    old_train, old_val = _lines(root, "train"), _lines(root, "val")
    opts = ("CheckDataset.split.enable=True", "CheckDataset.split.train_percent=60",
            "CheckDataset.split.val_percent=40")
    proc, result = check(root, tmp_path / "out", *opts)
    assert proc.returncode == 0, proc.stderr
    assert (result["attributes"]["train_samples"], result["attributes"]["val_samples"]) == (6, 4)
    assert (root / "train.txt.bak").read_text().splitlines() == old_train
    first = _lines(root, "train") + _lines(root, "val")
    make_dataset(tmp_path / "e", n_train=8, n_val=2)
    check(tmp_path / "e", tmp_path / "out2", *opts)
    assert _lines(tmp_path / "e", "train") + _lines(tmp_path / "e", "val") == first
    assert sorted(first) == sorted(old_train + old_val)


def test_only_one_list(tmp_path):
    root = make_dataset(tmp_path / "d", n_train=5, n_val=0)
    (root / "val.txt").unlink()
    assert split_dataset(root, 80, 20, seed=3) == (4, 1)
    assert not (root / "val.txt.bak").exists() and (root / "train.txt.bak").is_file()


def test_no_lists_pairs_folders_by_stem(tmp_path):
    root = tmp_path / "d"
    for i in range(5):
        write_pair(root, f"p{i}")
    (root / "images/orphan.jpg").write_bytes((root / "images/p0.jpg").read_bytes())
    assert split_main([str(root), "--train", "60", "--val", "40", "--seed", "1"]) == 0
    lines = _lines(root, "train") + _lines(root, "val")
    assert sorted(lines) == [f"images/p{i}.jpg annotations/p{i}.png" for i in range(5)]
    assert check(root, tmp_path / "out")[0].returncode == 0


def test_nothing_to_split(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert split_main([str(tmp_path / "empty"), "--train", "50", "--val", "50"]) == 1
    assert "nothing to split" in capsys.readouterr().err
    assert split_main([str(tmp_path / "empty"), "--train", "50", "--val", "40"]) == 2  # usage error: as main.py


def test_stratified_split_puts_rare_classes_in_val(tmp_path):
    from paddlex_train.tasks.semantic_segmentation.checks.split import stratified_split

    items = list(range(20))
    classes = [{0, 1}] * 18 + [{0, 2}] * 2  # class 2 in 2 of 20 samples
    for seed in range(5):
        train, val = stratified_split(items, classes, 80, seed)
        assert len(val) == 4 and sorted(train + val) == items
        assert {18, 19} & set(val) and {18, 19} & set(train)
        assert (train, val) == stratified_split(items, classes, 80, seed)
    root = tmp_path / "d"
    lines = [write_pair(root, f"c{i}", ids=(0, 1)) for i in range(8)] + [write_pair(root, f"r{i}", ids=(0, 2))
                                                                        for i in range(2)]
    (root / "train.txt").write_text("\n".join(lines) + "\n")
    assert split_main([str(root), "--train", "80", "--val", "20", "--stratify"]) == 0
    assert any(" annotations/r" in line for line in _lines(root, "val"))
    assert any(" annotations/r" in line for line in _lines(root, "train"))
