"""Mixed precision on a GPU: seconds per iteration and peak GPU memory with Train.amp=OFF vs O1 (vs O2 with
--levels OFF,O1,O2) for PP-LiteSeg-T (our semantic loop: auto_cast + GradScaler) and MaskRCNN-ResNet50-FPN
(ppdet's own AMP). GPU only: on a machine without a CUDA device it says so and exits with status 2.

    python bench/amp.py [--models PP-LiteSeg-T,MaskRCNN-ResNet50-FPN] [--levels OFF,O1] [--iters 20]
                        [--size 512] [--batch-size 4] [--out DIR]

Each (model, level) runs in a fresh process (peak memory is per process): the session is built from the shipped
module YAML with -o style overrides, exactly as main.py builds it, on a seeded synthetic data set; the first
iterations are warm-up and not timed. Prints one JSON line per run and a table at the end.
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

MODULE = {"PP-LiteSeg-T": "semantic_segmentation", "MaskRCNN-ResNet50-FPN": "instance_segmentation"}
WARMUP = 3


def has_gpu():
    from paddlex_train.paddle_env import import_paddle

    paddle = import_paddle()
    return paddle.device.is_compiled_with_cuda() and paddle.device.cuda.device_count() > 0


def _data(model, root, size, images):
    if MODULE[model] == "semantic_segmentation":
        from dataset_tools.synthetic_seg import generate

        return generate(root, num=images, size=size, seed=0, val_fraction=0.25), 4
    from dataset_tools.synthetic_coco import generate

    generate(root, num=images, size=size, seed=0, val_fraction=1 / images)  # one val image
    cats = json.loads((root / "annotations" / "instance_train.json").read_text())["categories"]
    return root, len(cats)


def one_run(model, level, iters, size, batch_size, workdir):
    """Train `iters` timed iterations (after WARMUP) of `model` at Train.amp=`level` in `workdir` (removed by the
    caller after this process ends: ppdet's loader thread may still be reading); returns a result dict."""
    from paddlex_train.config.loader import load_config
    from paddlex_train.paddle_env import import_paddle

    paddle = import_paddle()
    tmp = Path(workdir)
    semantic = MODULE[model] == "semantic_segmentation"
    images = batch_size * (WARMUP + iters + 1) + 1 if not semantic else 8
    data, classes = _data(model, tmp / "data", size, images)
    config = load_config(REPO / "configs" / "modules" / MODULE[model] / f"{model}.yaml", [
        "Global.mode=train", "Global.device=gpu:0", f"Global.dataset_dir={data}", f"Global.output={tmp / 'o'}",
        f"Train.num_classes={classes}", f"Train.input_shape=[{size},{size}]", f"Train.batch_size={batch_size}",
        f"Train.epochs_iters={WARMUP + iters + 1 if semantic else 1}", "Train.pretrain_weight_path=null",
        f"Train.amp={level}", "Train.log_interval=1000"])
    (tmp / "o").mkdir()
    if semantic:
        from paddlex_train.backends.paddleseg.session import SegTrainSession

        session = SegTrainSession(config, tmp / "o", lambda m: None)
    else:
        from paddlex_train.backends.paddledet.runners import make_session

        session = make_session(config, tmp / "o", lambda m: None)
    times, losses = [], []

    def on_step(step):  # one call per optimizer step, in both backends
        paddle.device.cuda.synchronize()
        times.append(time.perf_counter())
        losses.append(step.loss)

    try:
        if semantic:
            for unit in range(1, WARMUP + iters + 2):  # iters intervals between WARMUP + iters + 1 steps
                session.run_unit(unit, on_step)
        else:
            session.run_unit(1, on_step)  # one epoch = WARMUP + iters + 1 steps
    finally:
        session.close()
    timed = times[WARMUP:]
    return {"model": model, "amp": level, "iters": len(timed) - 1,
            "s_per_iter": round((timed[-1] - timed[0]) / max(1, len(timed) - 1), 4),
            "peak_mem_mb": round(paddle.device.cuda.max_memory_allocated() / 2 ** 20, 1),
            "last_loss": round(losses[-1], 4), "size": size, "batch_size": batch_size}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default=",".join(MODULE))
    ap.add_argument("--levels", default="OFF,O1")
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--one", help=argparse.SUPPRESS)  # internal: MODEL:LEVEL in this process
    ap.add_argument("--workdir", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if not has_gpu():
        print("bench/amp.py needs a CUDA GPU (Train.amp is refused on CPU); nothing measured.", file=sys.stderr)
        return 2
    if args.one:
        model, level = args.one.split(":")
        print(json.dumps(one_run(model, level, args.iters, args.size, args.batch_size, args.workdir)), flush=True)
        return 0
    rows = []
    for model in args.models.split(","):
        for level in args.levels.split(","):
            with tempfile.TemporaryDirectory() as workdir:
                proc = subprocess.run([sys.executable, __file__, "--one", f"{model}:{level}", "--iters",
                                       str(args.iters), "--size", str(args.size), "--batch-size", str(args.batch_size),
                                       "--workdir", workdir], capture_output=True, text=True)
            line = (proc.stdout.strip().splitlines() or ["{}"])[-1]
            row = json.loads(line) if proc.returncode == 0 else {"model": model, "amp": level,
                                                                  "error": proc.stderr.strip()[-300:]}
            print(json.dumps(row), flush=True)
            rows.append(row)
    print("| model | amp | s/iter | peak MB |\n|---|---|---|---|")
    for r in rows:
        print(f"| {r['model']} | {r['amp']} | {r.get('s_per_iter', '-')} | {r.get('peak_mem_mb', r.get('error'))} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
