"""One class-name reader for check_dataset, training, evaluation and export."""
from paddlex_train.utils.class_names import class_name_list, read_class_names


def test_mapping_file_wins_over_paddlex_class_name_txt(tmp_path):
    # PaddleX's LabelMe conversion: class_name.txt without the background, class_name_to_id.txt with ids.
    (tmp_path / "class_name.txt").write_text("person\ncar\n")
    (tmp_path / "class_name_to_id.txt").write_text("0: _background_\n1: person\n2: car\n")
    assert read_class_names(tmp_path) == {0: "_background_", 1: "person", 2: "car"}
    assert class_name_list(tmp_path, 3) == ["_background_", "person", "car"]


def test_plain_list_and_incomplete_names(tmp_path):
    assert read_class_names(tmp_path) == {} and class_name_list(tmp_path, 2) is None
    (tmp_path / "class_name.txt").write_text("bg\ncircle\n")
    assert class_name_list(tmp_path, 2) == ["bg", "circle"]
    assert class_name_list(tmp_path, 3) is None, "names for every id or none"
