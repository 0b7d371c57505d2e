"""Exported models for the serving tests and benches, made without training: a randomly initialised
architecture's weights are saved, then exported by `main.py -o Global.mode=export` as a user would.

    python bench/serving_models.py seg OUT_DIR [--model PP-LiteSeg-T] [--num_classes 3]

prints the exported inference directory.
"""
import argparse
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEG_CONFIG = REPO / "configs" / "modules" / "semantic_segmentation"


def _save_random_seg_weights(model, num_classes, path):
    """Build `model` with random weights through the PaddleSeg backend and save its state dict (in-process)."""
    sys.path.insert(0, str(REPO))
    import paddle

    from paddlex_train.backends.paddleseg.modeling import build

    paddle.seed(0)
    builder, _, _ = build(model, ".", num_classes)
    path.parent.mkdir(parents=True, exist_ok=True)
    paddle.save(builder.model.state_dict(), str(path))


def export_random_seg(out_dir, model="PP-LiteSeg-T", num_classes=3):
    """Random-weight `model` exported by main.py into `out_dir`/export; returns the inference directory."""
    out_dir = Path(out_dir)
    weights = out_dir / "random" / "model.pdparams"
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    code = (f"import sys; sys.path.insert(0, {str(REPO / 'bench')!r}); import serving_models; "
            f"serving_models._save_random_seg_weights({model!r}, {int(num_classes)}, "
            f"__import__('pathlib').Path({str(weights)!r}))")
    subprocess.run([sys.executable, "-c", code], check=True, env=env, capture_output=True, text=True)
    export = out_dir / "export"
    proc = subprocess.run([sys.executable, str(REPO / "main.py"), "-c", str(SEG_CONFIG / f"{model}.yaml"),
                           "-o", "Global.mode=export", "-o", "Global.device=cpu", "-o", f"Global.output={export}",
                           "-o", f"Train.num_classes={int(num_classes)}", "-o", f"Export.weight_path={weights}"],
                          env=env, capture_output=True, text=True, cwd=REPO)
    if proc.returncode != 0:
        raise RuntimeError(f"export failed: {proc.stderr[-2000:]}")
    return export if (export / "inference.yml").is_file() else export / "inference"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("task", choices=["seg"])
    parser.add_argument("out_dir")
    parser.add_argument("--model", default="PP-LiteSeg-T")
    parser.add_argument("--num_classes", type=int, default=3)
    args = parser.parse_args()
    print(export_random_seg(args.out_dir, args.model, args.num_classes))


if __name__ == "__main__":
    main()
