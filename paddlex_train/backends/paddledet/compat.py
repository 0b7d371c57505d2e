"""The one place where ppdet 2.6.0 is patched to run on paddle 2.6.2 (0-D tensor semantics since paddle 2.5).

Since paddle 2.5, `paddle.shape(x)[0]` is a 0-D tensor. ppdet 2.6.0 collects such values per image into rois_num /
bbox_num and concatenates them; `paddle.concat` of 0-D tensors fails ("The axis is expected to be in range of
[0, 0)") in training, and under `paddle.jit.to_static` (export) the tensor-array form yields a 0-D rois_num that
later code indexes ("axes[0] = 0, rank of input is 0"). Upstream fixed this after the release (PaddleDetection
PRs #8112 and #8140, cherry-picked to release/2.6 as #8653) by slicing `[0:1]` instead of indexing `[0]` in the
RPN head, the proposal/mask target generators, the cascade head and the SOLOv2 head.

We apply the same one-token change at import time: each entry of REWRITES names a ppdet function, the exact
expression to replace and its 1-D replacement. The function's source is rewritten, compiled under a pseudo file
name registered in `linecache` (paddle's dy2st reads the source back when exporting) and swapped in wherever
ppdet refers to it. If ppdet's source differs from what we expect, we fail loudly instead of silently skipping.
Each patch has a test in tests/test_ppdet_compat.py that reverts it and shows the failure.
"""
import importlib
import inspect
import linecache
import os
import sys
import textwrap
from dataclasses import dataclass

from ...errors import BackendError


@dataclass(frozen=True)
class Rewrite:
    """One source patch: in `module`.`qualname`, replace `old` by `new` (exact source text; a tuple of strings
    for several edits in one function)."""

    module: str
    qualname: str
    old: object
    new: object
    why: str

    def edits(self):
        """(old, new) pairs."""
        if isinstance(self.old, str):
            return [(self.old, self.new)]
        return list(zip(self.old, self.new))


_PG = "ppdet.modeling.proposal_generator"
REWRITES = {
    "rpn_head": Rewrite(
        f"{_PG}.rpn_head", "RPNHead._gen_proposal",
        "bs_rois_num_collect.append(paddle.shape(topk_rois)[0])",
        "bs_rois_num_collect.append(paddle.shape(topk_rois)[0:1])",
        "per-image proposal counts are concatenated into rois_num (train: concat of 0-D fails; export: 0-D "
        "rois_num)"),
    "proposal_target": Rewrite(
        f"{_PG}.target", "generate_proposal_target",
        "new_rois_num.append(paddle.shape(sampled_inds)[0])",
        "new_rois_num.append(paddle.shape(sampled_inds)[0:1])",
        "sampled RoIs per image for the bbox head targets (Mask R-CNN and Cascade training)"),
    "mask_target": Rewrite(
        f"{_PG}.target", "generate_mask_target",
        "mask_rois_num.append(paddle.shape(fg_rois)[0])",
        "mask_rois_num.append(paddle.shape(fg_rois)[0:1])",
        "foreground RoIs per image for the mask head targets"),
    "cascade_rois": Rewrite(
        "ppdet.modeling.heads.cascade_head", "CascadeHead._get_rois_from_boxes",
        "paddle.concat([paddle.shape(r)[0] for r in rois])",
        "paddle.concat([paddle.shape(r)[0:1] for r in rois])",
        "RoI counts between cascade stages"),
    "solov2_bbox_num": Rewrite(
        "ppdet.modeling.heads.solov2_head", "SOLOv2Head.get_prediction",
        "bbox_num = paddle.shape(cate_labels)[0]",
        "bbox_num = paddle.shape(cate_labels)[0:1]",
        "SOLOv2's bbox_num output must be 1-D like the other models' (metrics index it per image)"),
    "bbox_post_process": Rewrite(
        "ppdet.modeling.post_process", "BBoxPostProcess.get_pred",
        ("bbox_num_i = bbox_num[i]", "scale_y, scale_x = scale_factor[i][0], scale_factor[i][1]"),
        ("bbox_num_i = bbox_num[i:i + 1]", "scale_y, scale_x = scale_factor[i][0:1], scale_factor[i][1:2]"),
        "per-image box counts are concatenated with a [1]-shaped placeholder for images without detections, and "
        "the per-image [sx, sy, sx, sy] scale is built by concat (both fail once an image has detections)"),
    "solov2_seg_single": Rewrite(
        "ppdet.modeling.heads.solov2_head", "SOLOv2Head.get_seg_single",
        ("h = paddle.cast(im_shape[0], 'int32')[0]", "w = paddle.cast(im_shape[1], 'int32')[0]",
         "ind_a = paddle.cast(paddle.shape(kernel_preds)[0], 'int64')",
         "[keep, paddle.cast(paddle.shape(sum_masks)[0] - 1, 'int64')]",
         "[keep, paddle.cast(paddle.shape(sum_masks)[0], 'int64')]"),
        ("h = paddle.cast(im_shape[0:1], 'int32')[0]", "w = paddle.cast(im_shape[1:2], 'int32')[0]",
         "ind_a = paddle.cast(paddle.shape(kernel_preds)[0:1], 'int64')",
         "[keep, paddle.cast(paddle.shape(sum_masks)[0:1] - 1, 'int64')]",
         "[keep, paddle.cast(paddle.shape(sum_masks)[0:1], 'int64')]"),
        "SOLOv2 inference: image height/width taken from a 1-D im_shape, and the placeholder indices appended "
        "to empty selections by concat"),
    "mask_matrix_nms": Rewrite(
        "ppdet.modeling.layers", "MaskMatrixNMS.__call__",
        "[keep, paddle.cast(paddle.shape(cate_scores)[0] - 1, 'int64')]",
        "[keep, paddle.cast(paddle.shape(cate_scores)[0:1] - 1, 'int64')]",
        "Matrix NMS (SOLOv2) appends a placeholder index to the kept set by concat"),
    "ema_filter_no_grad": Rewrite(
        "ppdet.optimizer.ema", "ModelEMA.__init__",
        "self.ema_black_list.append(n)",
        "self.ema_black_list.add(n)",
        "ema_filter_no_grad (Mask-RT-DETR's recipe: frozen backbone parameters are not averaged) appends to the "
        "black list, which _match_ema_black_list returns as a set: AttributeError (not a 0-D issue; fixed upstream)"),
}

_ORIGINALS = {}  # key -> (owner objects and attribute, original function)
_applied = set()


def _resolve(module, qualname):
    """(owner, attribute name, function) for a module-level function or a class method."""
    owner = module
    parts = qualname.split(".")
    for part in parts[:-1]:
        owner = getattr(owner, part)
    return owner, parts[-1], owner.__dict__[parts[-1]] if isinstance(owner, type) else getattr(owner, parts[-1])


def _compile_patched(rw, module, func):
    """Compile the rewritten source of `func` in `module`'s namespace and return the new function."""
    source = textwrap.dedent(inspect.getsource(func))
    for old, new in rw.edits():
        if source.count(old) != 1:
            raise BackendError(f"ppdet compat patch for {rw.module}.{rw.qualname} no longer matches the installed "
                               f"ppdet (expected exactly one `{old}`).",
                               hint="install paddledet==2.6.0 (requirements.txt), or update "
                                    "paddlex_train/backends/paddledet/compat.py")
        source = source.replace(old, new)
    filename = f"<pxt-compat {rw.module}.{rw.qualname}>"
    # dy2st (paddle.jit.to_static) reads function sources through linecache; mtime None keeps the entry.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {}
    exec(compile(source, filename, "exec"), module.__dict__, namespace)  # noqa: S102 (ppdet's own code, 1 token changed)
    new = namespace[func.__name__]
    new.__qualname__ = func.__qualname__
    new.__module__ = func.__module__
    return new


def _swap_everywhere(old, new):
    """Point every ppdet module attribute that is `old` (imports like `from .target import f`) at `new`."""
    swapped = []
    for name, mod in list(sys.modules.items()):
        if not name.startswith("ppdet") or mod is None:
            continue
        for attr, value in list(vars(mod).items()):
            if value is old:
                setattr(mod, attr, new)
                swapped.append((mod, attr))
    return swapped


def apply_one(key):
    """Apply the patch `key` of REWRITES (idempotent)."""
    if key in _applied:
        return
    rw = REWRITES[key]
    module = importlib.import_module(rw.module)
    owner, attr, func = _resolve(module, rw.qualname)
    new = _compile_patched(rw, module, func)
    if isinstance(owner, type):
        setattr(owner, attr, new)
        places = [(owner, attr)]
    else:
        places = _swap_everywhere(func, new)
    _ORIGINALS[key] = (places, func)
    _applied.add(key)


def revert(key):
    """Undo patch `key` (tests use this to show the failure each patch fixes)."""
    if key not in _applied:
        return
    places, func = _ORIGINALS.pop(key)
    for owner, attr in places:
        setattr(owner, attr, func)
    _applied.discard(key)


def apply():
    """Apply every patch once (called from the package __init__)."""
    for key in REWRITES:
        apply_one(key)


def force_full_graph_export():
    """Set ENABLE_FALL_BACK=False before an export.

    ppdet's export calls paddle.jit.to_static without full_graph; on paddle 2.6 the default SOT fallback then fails
    ("Can't call main_program when full_graph=False"). paddle_env sets it only as a default (setdefault), and
    paddle reads the variable at each to_static call, so the exporter forces it even when a user's environment
    says ENABLE_FALL_BACK=True.
    """
    os.environ["ENABLE_FALL_BACK"] = "False"
