"""Which catalogued models convert to ONNX and predict on onnxruntime like Paddle Inference (the README table).

    python bench/onnx_survey.py OUT_DIR [MODEL ...]      (default: every model in configs/modules)

Per model: random-init weights (bench/onnx_models.py), `main.py -o Global.mode=export -o Export.format=both` with
a 1-image parity check (semantic: dynamic shape, and when paddle2onnx needs a static one, 256x256; instance:
64x64 on a 3-image synthetic COCO set). Prints one tab-separated row per model: model, status, shape, figures or
the error line, seconds. Costs minutes per model on 2 CPU cores.
"""
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import onnx_models  # noqa: E402


def _error_line(proc):
    lines = [line for line in proc.stderr.splitlines() if line.startswith("Error:")]
    return lines[-1][len("Error: "):] if lines else proc.stderr.strip().splitlines()[-1:]


def survey(model, out):
    """(status, shape, detail) for `model`; status is 'ok' or 'fails'."""
    task = onnx_models.task_of(model)
    data = onnx_models.coco_data(out / "coco") if task == "instance_segmentation" else None
    weights = onnx_models.random_weights(model, out, data=data)
    shapes = [None, (256, 256)] if task == "semantic_segmentation" else [(64, 64)]
    for shape in shapes:
        export_dir = out / model / ("dynamic" if shape is None else f"{shape[0]}x{shape[1]}")
        proc = onnx_models.export(model, weights, export_dir, data, shape, extra=("-o", "Export.parity_images=1"))
        label = "dynamic" if shape is None else f"{shape[0]}x{shape[1]}"
        if proc.returncode == 0:
            parity = json.loads((export_dir / "export_result.json").read_text())["parity"]
            figures = parity["onnx_vs_paddle"]
            detail = (f"pixel_agreement {figures['pixel_agreement']}" if "pixel_agreement" in figures else
                      f"matched {figures['matched_instances']}/{figures['reference_instances']}")
            return "ok", label, detail
        error = _error_line(proc)
        if "static input shape" not in str(error) or shape is not None:
            return "fails", label, error
    return "fails", label, error


def main():
    out = Path(sys.argv[1])
    models = sys.argv[2:] or sorted(p.stem for p in onnx_models.CONFIGS.glob("*/*.yaml"))
    for model in models:
        start = time.time()
        try:
            status, shape, detail = survey(model, out)
        except Exception as e:  # noqa: BLE001 (a survey row, not a crash)
            status, shape, detail = "error", "-", f"{type(e).__name__}: {str(e)[-300:]}"
        print(f"{model}\t{status}\t{shape}\t{detail}\t{time.time() - start:.0f}s", flush=True)


if __name__ == "__main__":
    main()
