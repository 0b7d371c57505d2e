"""Print the closing table of `make demo`: per step, the command, its key figure, and where the pictures are.

Usage: python -m dataset_tools.demo_summary [--seg demo/output] [--inst demo/inst_output] [--seg-model M]
       [--inst-model M] [--serve demo/serve.txt]

Reads only the result files the steps wrote (`<mode>_result.json`, the export folder, report.html); a step that did
not run or failed shows as such instead of stopping the table.
"""
import argparse
import json
from pathlib import Path

STEPS = ("check_dataset", "train", "evaluate", "export", "predict")


def _result(out, mode):
    """`<out>/<mode>_result.json`, or the one in `<out>/<mode>/` (the demo exports into its own sub-folder)."""
    for folder in (Path(out), Path(out) / mode):
        try:
            return json.loads((folder / f"{mode}_result.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
    return None


def _fmt(value):
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def key_figure(out, mode, result, task):
    """One short text with the figure that tells whether `mode` did its job."""
    if result is None:
        return "did not run"
    if not result.get("done_flag"):
        return "FAILED: " + str(result.get("err_msg", ""))[:70]
    attrs = result.get("attributes") or {}
    metrics = result.get("metrics") or {}
    if mode == "check_dataset":
        # Instance results count annotations in *_samples and images in *_images; semantic ones images in *_samples.
        train, val = (attrs.get(f"{s}_images", attrs.get(f"{s}_samples")) for s in ("train", "val"))
        return (f"pass={result.get('check_pass')}, train {train} / val {val} images, "
                f"num_classes {attrs.get('num_classes')}")
    if mode == "train":
        best = (result.get("models") or {}).get("best") or {}
        name = "val mIoU" if task == "semantic" else "val mask AP"
        return f"best {name} {_fmt(best.get('score'))}"
    if mode == "evaluate":
        keys = ("mIoU", "Acc") if task == "semantic" else ("AP50", "AP", "bbox_AP")
        return ", ".join(f"{k} {_fmt(metrics[k])}" for k in keys if k in metrics)
    if mode == "export":
        folder = Path(result.get("output_dir") or result.get("export_dir") or out)
        files = sorted(p.name for p in folder.glob("inference.*")) if folder.is_dir() else []
        return ", ".join(files) or "exported"
    if mode == "predict":
        return f"{result.get('num_inputs', len(result.get('results') or []))} image(s) predicted"
    return "done"


def rows_for(out, task, model):
    """(step, command, key figure) rows of one task's output folder."""
    module = "semantic_segmentation" if task == "semantic" else "instance_segmentation"
    rows = []
    for mode in STEPS:
        result = _result(out, mode)
        rows.append((f"{task} {mode}", f"main.py -c configs/modules/{module}/{model}.yaml -o Global.mode={mode}",
                     key_figure(out, mode, result, task)))
    return rows


def print_table(rows):
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    line = "+-" + "-+-".join("-" * w for w in widths) + "-+"
    print(line)
    for k, row in enumerate(rows):
        print("| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths)) + " |")
        if k == 0:
            print(line)
    print(line)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seg", help="the semantic demo's output folder")
    p.add_argument("--inst", help="the instance demo's output folder")
    p.add_argument("--seg-model", default="PP-LiteSeg-T")
    p.add_argument("--inst-model", default="PP-YOLOE_seg-S")
    p.add_argument("--serve", help="a file with the serving smoke call's summary line")
    args = p.parse_args(argv)
    if not (args.seg or args.inst):
        p.error("give --seg and/or --inst (the demo's output folders)")
    rows = [("step", "command", "key figure")]
    if args.seg:
        rows += rows_for(args.seg, "semantic", args.seg_model)
    if args.inst:
        rows += rows_for(args.inst, "instance", args.inst_model)
    if args.serve:
        text = Path(args.serve).read_text(encoding="utf-8").strip().splitlines() if Path(args.serve).is_file() else []
        answer = [line for line in text if line.startswith("Serving smoke:")] or text[-1:] or ["did not run"]
        rows.append(("semantic serve", "main.py --serve --pipeline semantic_segmentation", answer[-1][:90]))
    print_table(rows)
    for folder in filter(None, (args.seg, args.inst)):
        if not (Path(folder) / "report.html").is_file():
            print(f"Report: none in {Path(folder).resolve()} (that half did not run)")
            continue
        print(f"Report: {Path(folder).resolve() / 'report.html'}  (pictures: {Path(folder).resolve()}/*_overlay.png, "
              f"*_res.png; check_dataset/)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
