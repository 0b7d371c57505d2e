"""SegDatasetChecker: check_dataset for PaddleX's SegDataset layout (train.txt / val.txt of image-label pairs).

The template (convert -> split -> check -> analyse -> result) lives in BaseDatasetChecker; this class fills the
hooks with the code in checks/. No paddle import anywhere on this path.
"""
from pathlib import Path

from ...utils.class_names import read_class_names
from ..base.dataset_checker import BaseDatasetChecker
from ..base.problems import Problems
from .checks import doctor
from .checks.labelme import convert_labelme
from .checks.lists import SPLITS, read_lists
from .checks.render import HistogramPlotter, demo_names
from .checks.scan import PairJob, scan
from .checks.split import split_dataset
from .checks.stats import ClassStats


def _labelme(root, checker):
    convert_labelme(root, logger=checker.logger)


class SegDatasetChecker(BaseDatasetChecker):
    """check_dataset for semantic segmentation (dataset_type 'SegDataset')."""

    converters = {"LabelMe": _labelme}

    def split(self, root, train_percent, val_percent, seed):
        """Re-split train/val (pooled lists, or images/ + annotations/ paired by stem); old lists kept as .bak."""
        split_dataset(root, train_percent, val_percent, seed, logger=self.logger)

    def check(self, root):
        """Validate every pair, run the label doctor, render samples; returns the attributes dict."""
        self._plotter = HistogramPlotter().start()
        try:
            return self._check(root)
        except BaseException:
            self._plotter.close()
            raise

    def _check(self, root):
        root_str = str(Path(self.config["Global"]["dataset_dir"]))
        (self.check_dir / "problems.txt").unlink(missing_ok=True)  # a stale report from an earlier run
        per_line, summary = Problems(cap=10 ** 9), Problems()
        reports = read_lists(root, per_line)
        entries = {s: reports[s].entries for s in SPLITS}
        renders = {s: demo_names(entries[s]) for s in SPLITS}
        jobs = [PairJob(s, i, e.image_rel, e.label_rel, e.image, e.label,
                        str(self.output / renders[s][i]) if i < len(renders[s]) else None, root_str)
                for s in SPLITS for i, e in enumerate(entries[s])]
        results = scan(jobs)
        stats = ClassStats()
        for res in results:
            entry = entries[res.split][res.index]
            for _kind, message, hint in res.problems:
                per_line.add(entry.list_file, message, hint=hint, where=entry.line)
            if not res.problems:
                stats.add(res)
        doctor.diagnose(root_str, results, lambda r: entries[r.split][r.index], stats,
                        self.config["Train"]["num_classes"], summary)
        # Report in reading order (train.txt line 1, 2, ... then val.txt), then the data-set-wide diagnoses.
        order = {str(reports[s].path): k for k, s in enumerate(SPLITS)}
        per_line.items.sort(key=lambda p: (order.get(p.file, -1), p.where or 0))
        problems = Problems()
        problems.extend(per_line)
        problems.extend(summary)
        warnings = self._warn(reports, entries, stats, bool(problems))
        problems.raise_if_any(self.check_dir / "problems.txt")
        names = read_class_names(root)
        self._stats, self._names = stats, names
        extra = stats.summary(names)
        rendered = {(r.split, r.index) for r in results if r.rendered}
        attributes = {}
        for s in SPLITS:
            attributes[f"{s}_sample_paths"] = [p for i, p in enumerate(renders[s]) if (s, i) in rendered]
            attributes[f"{s}_samples"] = len(entries[s])
        attributes["num_classes"] = extra.pop("num_classes")
        attributes.update(extra)
        attributes["warnings"] = warnings
        return attributes

    def _warn(self, reports, entries, stats, failing=False):
        """Log (and return) what does not fail the check: odd separators, blank lines, train/val overlap, and a
        Train.num_classes too small for the ids (a training key: the check reports the value to set)."""
        warnings = []
        too_few = None if failing else doctor.num_classes_warning(self.config["Global"]["dataset_dir"], stats,
                                                                   self.config["Train"]["num_classes"])
        if too_few:
            warnings.append(too_few)
        for report in reports.values():
            if report.odd_separators:
                warnings.append(f"{report.path}: {report.odd_separators} line(s) are not separated by exactly one "
                                "space; accepted here, but PaddleX/PaddleSeg split on a single space")
            if report.backslashes:
                warnings.append(f"{report.path}: {report.backslashes} line(s) use Windows backslashes; accepted "
                                "here, but tools that read the list literally on Linux will not find the files "
                                "(write '/' instead)")
            if report.blank_lines:
                self.logger.info(f"{report.path}: skipped {report.blank_lines} blank line(s)")
        overlap = {e.image for e in entries["train"]} & {e.image for e in entries["val"]}
        if overlap:
            warnings.append(f"{len(overlap)} image(s) are listed in both train.txt and val.txt "
                            f"(e.g. {sorted(overlap)[0]}): validation scores will be optimistic")
        seen = {s: {i for i in stats.present_ids() if stats.images[s][i]} for s in SPLITS}
        resplit = f"python -m dataset_tools.seg_split {self.config['Global']['dataset_dir']} --train 80 --val 20 " \
                  "--stratify"
        if seen["val"] - seen["train"]:
            warnings.append(f"class ids {doctor.id_ranges(seen['val'] - seen['train'])} occur in val.txt but never "
                            f"in train.txt: the model cannot learn them (re-split: {resplit})")
        if seen["train"] - seen["val"] and seen["val"]:
            warnings.append(f"class ids {doctor.id_ranges(seen['train'] - seen['val'])} never occur in val.txt: "
                            f"their IoU will not be measured (re-split: {resplit})")
        for text in warnings:
            self.logger.warning(text)
        return warnings

    def analyse(self, root, attributes):
        """Draw check_dataset/histogram.png (images per class id, train vs val)."""
        self._plotter.draw(self._stats.images, self._names, self.check_dir / "histogram.png")
        return {"histogram": "check_dataset/histogram.png"}
