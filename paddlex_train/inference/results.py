"""Prediction results: a base class with PaddleX 3.x's result API, and the semantic-segmentation result.

Like PaddleX, `.json` is `{"res": {...}}` and `.img` is `{"res": PIL.Image}`; `print()` shows large arrays as
"...". Subclasses say how their fields become JSON (`_json_fields`), which fields are too big to print
(`elided`), and which pictures they render (`_images`; the first key is what `.img` shows).
"""
import json
from pathlib import Path

import numpy as np

from ..results import write_json_atomic


def _plain(value):
    """JSON-ready copy of `value` (arrays -> nested lists, numpy scalars -> Python numbers)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


class BaseResult(dict):
    """One prediction. A dict of its fields, plus print/save helpers.

    Keys common to every task: `input_path` (None for arrays), `page_index` (always None: no PDF input) and
    `input_img` (the RGB array, kept out of JSON). Subclasses add their prediction fields.
    """

    elided = ()  # fields printed as "..."
    hidden = ("input_img",)  # fields never written to JSON

    # the name used for saved files when input_path is None (set by the predictor for arrays)
    stem = None

    @property
    def json(self):
        """`{"res": {...}}` with every field JSON-ready (prediction arrays as nested lists)."""
        return {"res": {k: _plain(v) for k, v in self.items() if k not in self.hidden}}

    @property
    def img(self):
        """`{"res": PIL.Image}`: the result's main picture."""
        images = self._images()
        first = next(iter(images))
        return {"res": images[first]}

    def all_images(self):
        """Every picture this result renders, key -> PIL.Image (the first is `.img["res"]`)."""
        return self._images()

    def _images(self):
        raise NotImplementedError

    def _printable(self):
        return {"res": {k: ("..." if k in self.elided else _plain(v))
                        for k, v in self.items() if k not in self.hidden}}

    def str(self, format_json=True, indent=4, ensure_ascii=False):
        """The text `print()` shows."""
        data = self._printable()
        if format_json:
            return json.dumps(data, indent=indent, ensure_ascii=ensure_ascii)
        return str(data)

    def print(self, format_json=True, indent=4, ensure_ascii=False):
        """Print the result with large fields shown as "..."."""
        print(self.str(format_json=format_json, indent=indent, ensure_ascii=ensure_ascii))

    @property
    def basename(self):
        """Stem used for saved files: the input's file stem, or the stem set for array inputs."""
        if self.stem:
            return self.stem
        path = self.get("input_path")
        return Path(str(path).split("?")[0]).stem if path else "res"

    def _target(self, path, ext):
        """A directory -> <dir>/<basename>_res<ext>; anything with a suffix is used as the file itself."""
        path = Path(path)
        if path.suffix and not path.is_dir():
            path.parent.mkdir(parents=True, exist_ok=True)
            return path
        path.mkdir(parents=True, exist_ok=True)
        return path / f"{self.basename}_res{ext}"

    def save_to_json(self, save_path, indent=4, ensure_ascii=False):
        """Write `.json` to `save_path` (a directory -> <basename>_res.json); returns the file path."""
        target = self._target(save_path, ".json")
        write_json_atomic(target, self.json, indent=indent)
        return target

    def save_to_img(self, save_path):
        """Write `.img["res"]` to `save_path` (a directory -> <basename>_res.png); returns the file path."""
        target = self._target(save_path, ".png")
        image = self.img["res"]
        if target.suffix.lower() in (".jpg", ".jpeg") and image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(target)
        return target

    def save_all(self, save_dir, stem=None):
        """Write JSON and every picture into `save_dir` as <stem>_res.json, <stem>_res.png, <stem>_<key>.png.

        Returns:
            dict kind -> written path ("json", "res", and one per extra picture).
        """
        save_dir = Path(save_dir)
        save_dir.mkdir(parents=True, exist_ok=True)
        stem = stem or self.basename
        written = {"json": write_json_atomic(save_dir / f"{stem}_res.json", self.json, indent=4)}
        for i, (key, image) in enumerate(self.all_images().items()):
            name = "res" if i == 0 else key
            path = save_dir / f"{stem}_{name}.png"
            image.save(path)
            written["res" if i == 0 else key] = path
        return written


class SegResult(BaseResult):
    """A semantic-segmentation result.

    Fields: input_path, page_index, pred ((1, H, W) int32 class ids at the input image's size),
    label_names (class names or None), input_img (RGB array, not saved).
    Pictures: "res" (pseudo-colour, PaddleX's palette), "overlay" (image blended with it), "label"
    (single-channel PNG whose pixel values are the class ids, with the palette attached).
    """

    elided = ("pred",)

    def _images(self):
        from ..vis.palette import overlay, palette_image, pseudo_colour

        label = np.asarray(self["pred"])[0]
        images = {"res": pseudo_colour(label)}
        if self.get("input_img") is not None:
            images["overlay"] = overlay(self["input_img"], label)
        images["label"] = palette_image(label)
        return images


class UniqueStems:
    """Hands out output stems so inputs sharing a file stem (a.png, a.jpg, d1/a.png, d2/a.png) never overwrite
    each other: the first keeps `a`, later ones get `a_2`, `a_3`, ... (case-insensitively, for Windows/macOS).

    Args:
        save_dir: where the outputs go; with `protected`, a stem is also skipped when a protected file in
            save_dir starts with `<stem>_` (so <stem>_res.png etc. can never replace an input like `a_res.png`).
        protected: paths that must never be overwritten (the inputs).
    """

    def __init__(self, save_dir=None, protected=()):
        self._used = set()
        self._save_dir = Path(save_dir).resolve() if save_dir else None
        self._protected = {Path(p).resolve() for p in protected}

    def _clashes(self, candidate):
        if not self._save_dir or not self._protected:
            return False
        return any(p.parent == self._save_dir and p.name.lower().startswith(candidate.lower() + "_")
                   for p in self._protected)

    def take(self, stem):
        """Return `stem`, or the first free `stem_<n>` when it is taken."""
        candidate, n = stem, 1
        while candidate.lower() in self._used or self._clashes(candidate):
            n += 1
            candidate = f"{stem}_{n}"
        self._used.add(candidate.lower())
        return candidate
