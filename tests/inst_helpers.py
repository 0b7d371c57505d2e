"""Helpers shared by the instance-segmentation tests (tiny COCO sets, cheaper ppdet configs, output matching)."""
import numpy as np


def coco_set(tmp_path_factory, num=3, size=64, name="coco64"):
    """A seeded synthetic COCO set (2 train + 1 val images at 64 px), generated once per session."""
    from dataset_tools.synthetic_coco import generate

    root = tmp_path_factory.getbasetemp() / name
    if not (root / "annotations" / "instance_val.json").is_file():
        generate(root, num=num, size=size, seed=0, val_fraction=0.34)
    return root


def shrink(cfg):
    """Cut proposal/detection counts for speed and drop score thresholds so untrained models output instances."""
    if "RPNHead" in cfg and "train_proposal" in cfg["RPNHead"]:
        cfg["RPNHead"]["train_proposal"].update(pre_nms_top_n=200, post_nms_top_n=50)
        cfg["RPNHead"]["test_proposal"].update(pre_nms_top_n=200, post_nms_top_n=50)
    if "BBoxAssigner" in cfg:
        cfg["BBoxAssigner"]["batch_size_per_im"] = 64
    if "BBoxPostProcess" in cfg and isinstance(cfg["BBoxPostProcess"].get("nms"), dict):
        cfg["BBoxPostProcess"]["nms"].update(score_threshold=0.0, keep_top_k=5)
    if cfg.get("architecture") == "SOLOv2":
        cfg["SOLOv2Head"]["score_threshold"] = 0.0
        cfg["MaskMatrixNMS"].update(update_threshold=0.0, pre_nms_top_n=50, post_nms_top_n=5)
    return cfg


def _rows(outputs):
    """(boxes (N, 6), masks (N, H, W)) from raw program outputs of either layout (see inference/instance.py)."""
    if len(outputs) == 4:  # SOLOv2: bbox_num, cate_label, cate_score, segm
        num, labels, scores, segm = outputs
        n = int(np.asarray(num).reshape(-1)[0])
        boxes = np.stack([np.asarray(labels)[:n], np.asarray(scores)[:n]], 1).astype(np.float64)
        return np.concatenate([boxes, np.zeros((n, 4))], 1), np.asarray(segm)[:n]
    bbox, num, mask = outputs
    n = int(np.asarray(num).reshape(-1)[0])
    return np.asarray(bbox)[:n].astype(np.float64), np.asarray(mask)[:n]


def match_outputs(static, dynamic, box_tol=0.05, mask_tol=0.01):
    """Assert the exported program's outputs equal the dygraph's, up to the order of tied scores."""
    sb, sm = _rows(static)
    db, dm = _rows(dynamic)
    assert sb.shape == db.shape and sm.shape == dm.shape, (sb.shape, db.shape, sm.shape, dm.shape)
    used = set()
    for i, row in enumerate(sb):
        cost = np.abs(db - row).sum(1)
        cost[list(used)] = np.inf
        j = int(np.argmin(cost))
        assert cost[j] < box_tol, f"static row {row} has no dygraph match (closest {db[j]})"
        used.add(j)
        differ = np.mean(np.asarray(sm[i]).astype(bool) != np.asarray(dm[j]).astype(bool))
        assert differ <= mask_tol, f"mask {i} differs on {differ:.2%} of pixels"
