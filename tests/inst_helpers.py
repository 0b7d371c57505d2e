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
    if cfg.get("architecture") == "MaskDETR":  # Mask-RT-DETR: point-sampled mask losses dominate CPU time
        cfg["MaskDINOLoss"]["num_sample_points"] = 256
        cfg["MaskHungarianMatcher"]["num_sample_points"] = 256
        cfg["MaskRTDETR"].update(num_queries=30, num_denoising=20)
        cfg["MaskDETRPostProcess"]["num_top_queries"] = 10
    return cfg


def export_untrained(data, out, model="MaskRCNN-ResNet50-FPN", num_classes=3, size=64):
    """Export a randomly initialised, shrunk `model` (score thresholds 0) to `out`; returns the inference dir."""
    from ppdet.core.workspace import create

    from paddlex_train.backends.paddledet.config import DetSettings, build_config
    from paddlex_train.backends.paddledet.export import export_inference

    cfg = shrink(build_config(model, data, DetSettings(num_classes=num_classes, target_size=[size, size])))
    export_inference(cfg, create(cfg.architecture).state_dict(), out / "inference", model)
    return out / "inference"


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


def match_outputs(static, dynamic, box_tol=0.25, mask_tol=0.01, min_score=0.01):
    """Assert the exported program's outputs equal the dygraph's; returns how many instances were compared.

    Only rows the predictor could report are compared (class >= 0, score >= min_score): ppdet pads its outputs
    with class -1 / score-0 filler rows. Rows are matched regardless of order (tied scores may swap), and an
    untrained model's boxes are often nearly tied in NMS, so the sides may keep one row more or less; every row of
    the side with fewer rows must have an equal row (class, score, box within box_tol summed) and an equal mask
    (at most mask_tol of the pixels differ) on the other side. box_tol (summed over score and the 4 coordinates,
    in pixels of a 64 px image) allows the float rounding of a 101-layer backbone (~0.1 px), not a wrong graph.
    """
    def real(rows_masks):
        rows, masks = rows_masks
        keep = (rows[:, 0] >= 0) & (rows[:, 1] >= min_score) if len(rows) else np.zeros(0, bool)
        return rows[keep], np.asarray(masks)[keep]

    sb, sm = real(_rows(static))
    db, dm = real(_rows(dynamic))
    assert abs(len(sb) - len(db)) <= 1, (sb[:, :2].tolist(), db[:, :2].tolist())
    if len(sb) > len(db):
        sb, sm, db, dm = db, dm, sb, sm
    used = set()
    for i, row in enumerate(sb):
        cost = np.abs(db - row).sum(1)
        cost[list(used)] = np.inf
        j = int(np.argmin(cost))
        assert cost[j] < box_tol, f"row {row} has no match on the other side (closest {db[j]})"
        used.add(j)
        differ = np.mean(np.asarray(sm[i]).astype(bool) != np.asarray(dm[j]).astype(bool))
        assert differ <= mask_tol, f"mask {i} differs on {differ:.2%} of pixels"
    return len(sb)


def calibrate_batch_norm(model, batch):
    """Set every BatchNorm's running statistics to the statistics of `batch` (one train-mode pass, momentum 0).

    A randomly initialised deep backbone (ResNet-101: 33 blocks) has running statistics (mean 0, variance 1) far
    from its real activations, so in eval mode they blow up and the heads emit degenerate rows (class -1, empty
    boxes): a static-vs-dygraph comparison would then compare nothing. Calibrated, eval mode sees normalised
    features and predicts real instances on both sides.
    """
    import paddle

    norms = [layer for layer in model.sublayers() if hasattr(layer, "_momentum") and hasattr(layer, "_mean")]
    saved = [layer._momentum for layer in norms]
    for layer in norms:
        layer._momentum = 0.0
    model.train()
    with paddle.no_grad():
        model(batch)
    for layer, momentum in zip(norms, saved):
        layer._momentum = momentum
    model.eval()
    return len(norms)


def check_model(model, data, out):
    """Train 1 iteration, evaluate, save, export and compare static vs dygraph for `model` (run in a subprocess
    by tests/test_ppdet_models.py); prints CHECK_MODEL_OK when every check passed."""
    import math
    from pathlib import Path

    import cv2
    import yaml

    from paddlex_train.backends.paddledet import dygraph
    from paddlex_train.backends.paddledet.config import DetSettings, build_config
    from paddlex_train.backends.paddledet.export import export_inference
    from paddlex_train.backends.paddledet.session import DetTrainSession
    from paddlex_train.tasks.base.checkpoint import Identity, save_periodic
    from paddlex_train.inference.base import create_predictor
    from paddlex_train.training.seed import seed_everything

    data, out = Path(data), Path(out)
    seed_everything(0)
    # A tiny learning rate: the step runs (loss, backward, update) but the weights stay near the initialisation,
    # whose class scores are far from 0 and 1, so the static/dygraph comparison is not decided by ties.
    settings = DetSettings(epochs=1, batch_size=2, learning_rate=1e-6, num_classes=3, target_size=[64, 64],
                           save_dir=str(out), log_interval=1)
    cfg = shrink(build_config(model, data, settings))
    logs = []
    session = DetTrainSession(cfg, model, None, 0, logs.append, export_inference)
    info = session.run_unit(1)
    assert math.isfinite(info["loss"]) and info["samples"] == 2
    assert any("[TRAIN] epoch: 1/1, iter: 1/1" in line and "ETA" in line for line in logs)
    calibrate_batch_norm(session.trainer.model, next(iter(session.trainer.loader)))
    if getattr(session.trainer, "use_ema", False):  # evaluate/export use the EMA weights: give them the calibration
        session.trainer.ema.resume(session.trainer.model.state_dict(), step=session.trainer.ema.step)

    score, metrics = session.evaluate()
    for key in ("AP", "bbox_AP", "AP50", "AP75", "APs", "APm", "APl", "per_category_AP"):
        assert key in metrics, key
    assert set(metrics["per_category_AP"]) == {"circle", "rectangle", "triangle"} and score == metrics["AP"]

    files = save_periodic(out / "1", session, 1, score, score, Identity(model, 3, "instance_segmentation"))
    assert {"pdparams", "pdopt", "pdstates"} <= set(files)
    exported = session.export(out / "1" / "inference")
    yml = yaml.safe_load(exported["inference_config"].read_text())
    for key in ("mode", "draw_threshold", "metric", "arch", "Preprocess", "label_list", "mask"):
        assert key in yml, key
    assert yml["mask"] is True and yml["label_list"] == ["circle", "rectangle", "triangle"]
    assert yml["Global"]["model_name"] == model

    predictor = create_predictor(out / "1" / "inference", device="cpu", threshold=0.0)
    net = dygraph.build_model(cfg, out / "1" / "model.pdparams")
    image = cv2.imread(str(data / "images" / "synth_0002.jpg"))[:, :, ::-1].copy()
    static, inputs = predictor.run_raw(image)
    compared = match_outputs(static, dygraph.forward(net, inputs))
    results = list(predictor.predict(str(data / "images" / "synth_0002.jpg")))
    assert len(results) == 1 and results[0]["masks"].shape[1:] == image.shape[:2]
    print(f"CHECK_MODEL_OK compared={compared}")
