"""PP-YOLOE_seg-S's likely mistake: a size that is not a multiple of 32 stops with one clear line."""
from conftest import INST_CONFIG_DIR, one_error_line, read_result, run_main
from inst_helpers import coco_set


def test_input_shape_not_multiple_of_32(tmp_path_factory, tmp_path):
    data = coco_set(tmp_path_factory)
    proc = run_main("-c", INST_CONFIG_DIR / "PP-YOLOE_seg-S.yaml", "-o", "Global.mode=train", "-o", "Global.device=cpu",
                    "-o", f"Global.dataset_dir={data}", "-o", f"Global.output={tmp_path}", "-o", "Train.num_classes=3",
                    "-o", "Train.input_shape=[100,100]", "-o", "Train.pretrain_weight_path=null")
    line = one_error_line(proc, code=2)
    assert line == ("Error: input_shape=[100, 100]: PP-YOLOE_seg-S needs a height and width that are multiples of 32 "
                    "(its anchors are laid out on the stride-32 grid). Hint: e.g. -o Train.input_shape=[640,640] "
                    "(or Export.input_shape)")
    result = read_result(tmp_path, "train")
    assert result["done_flag"] is False and result["err_type"] == "ConfigError"
