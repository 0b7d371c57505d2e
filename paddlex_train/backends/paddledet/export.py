"""Export a ppdet model to a static inference directory with PaddleX's file names and inference.yml keys.

Output: <dir>/inference.pdmodel, inference.pdiparams(.info), inference.yml. inference.yml holds ppdet's deploy keys
(mode, draw_threshold, metric, use_dynamic_shape, arch, min_subgraph_size, mask, Preprocess, label_list) plus
Global.model_name, as PaddleX's exporter writes them. The export runs on a fresh model built from the config, so
exporting during training never converts the training model's forward to static.
"""
import os
import shutil
from pathlib import Path

import paddle
import yaml
from ppdet.engine import Trainer

from ...training.checkpoint import replace_dir
from . import compat


def _label_names_from_cfg(cfg):
    try:
        from .config import dataset_categories

        return dataset_categories(cfg.TrainDataset.dataset_dir)
    except Exception:  # no data set at hand (export from weights only): keep ppdet's list
        return None


def export_inference(cfg, state_dict, directory, model_name, label_names=None):
    """Export `state_dict` (a dict or a .pdparams path) of the model in `cfg` into `directory`.

    Args:
        cfg: ppdet config from config.build_config.
        state_dict: parameters (dict) or the path of a .pdparams file.
        directory: target inference directory (replaced atomically).
        model_name: written as Global.model_name.
        label_names: category names for label_list (default: the data set's categories).

    Returns:
        {role: path} of the written files (inference_config, pdmodel, pdiparams).
    """
    compat.force_full_graph_export()
    directory = Path(directory)
    tmp = directory.with_name(f".{directory.name}.export{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        trainer = Trainer(cfg, mode="test")
        if isinstance(state_dict, (str, Path)):
            state_dict = paddle.load(str(state_dict))
        trainer.model.set_state_dict(state_dict)
        trainer.model.eval()
        static_model, input_spec = trainer._get_infer_cfg_and_input_spec(str(tmp))
        paddle.jit.save(static_model, str(tmp / "inference"), input_spec=input_spec)
        _write_inference_yml(tmp, model_name, label_names or _label_names_from_cfg(cfg),
                             deploy_arch=_DEPLOY_ARCH.get(cfg.architecture))
        replace_dir(tmp, directory)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {"inference_config": directory / "inference.yml", "pdmodel": directory / "inference.pdmodel",
            "pdiparams": directory / "inference.pdiparams"}


# Architectures of this project whose deploy `arch` ppdet 2.6 cannot name (it substring-matches 'YOLO'):
# PaddleDetection writes PP-YOLOE-seg as its PPYOLOE architecture.
_DEPLOY_ARCH = {"PPYOLOESeg": "PPYOLOE"}


def _write_inference_yml(directory, model_name, label_names, deploy_arch=None):
    """Turn ppdet's infer_cfg.yml into PaddleX's inference.yml (adds Global.model_name, mask: true)."""
    src = directory / "infer_cfg.yml"
    data = yaml.safe_load(src.read_text(encoding="utf-8"))
    data["mask"] = True
    if deploy_arch:
        data["arch"] = deploy_arch
    if label_names:
        data["label_list"] = list(label_names)
    data["Global"] = {"model_name": model_name}
    ordered = {k: data[k] for k in ("Global", "mode", "draw_threshold", "metric", "use_dynamic_shape", "arch",
                                    "min_subgraph_size", "mask", "Preprocess", "label_list") if k in data}
    ordered.update({k: v for k, v in data.items() if k not in ordered})
    (directory / "inference.yml").write_text(yaml.safe_dump(ordered, sort_keys=False, allow_unicode=True),
                                             encoding="utf-8")
    src.unlink()
