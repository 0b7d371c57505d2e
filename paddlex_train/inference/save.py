"""predict_and_save: the one loop behind Global.mode=predict and `main.py --pipeline ... --save_path`.

Every input's result is printed and, with a save directory, written as <stem>_res.json, <stem>_res.png and one
<stem>_<kind>.png per extra picture the task renders. PaddleX saves only the last input's result; we save all,
inputs sharing a stem get distinct names (a, a_2, ...), and no output may overwrite an input file.
"""
from pathlib import Path

from ..utils.download import is_url
from .readers import expand_inputs
from .results import UniqueStems


def predict_and_save(predictor, inputs, save_dir=None, what="input", log=print, **options):
    """Predict every input with `predictor`, print each result, save them all into `save_dir` (if given).

    Args:
        predictor: a predictor or pipeline with `.predict(input, **options)` (create_model / create_pipeline).
        inputs: path, directory, URL, array or a list of these.
        save_dir: output directory, or None to print only.
        what: how the inputs were given, for messages ("Predict.input", "--input").
        log: callable(str) for the one summary line.
        **options: per-call prediction options (task options checked by the caller; None values dropped).

    Returns:
        one entry per input: {"input_path", and per saved file its kind -> file name}.
    """
    sources = expand_inputs(inputs, what=what)
    protected = [s.input_path for s in sources if s.input_path and not is_url(s.input_path)]
    stems = UniqueStems(save_dir, protected=protected)
    options = {k: v for k, v in options.items() if v is not None}
    entries = []
    for result in predictor.predict([s.value for s in sources], **options):
        result.print(format_json=False)
        entry = {"input_path": result["input_path"]}
        if save_dir is not None:
            written = result.save_all(save_dir, stem=stems.take(result.basename))
            entry.update({kind: path.name for kind, path in written.items()})
        entries.append(entry)
    if save_dir is not None:
        log(f"Predicted {len(entries)} image(s); {saved_kinds(entries)} are in {Path(save_dir)}/")
    return entries


def saved_kinds(entries):
    """'*_res.json and *_res.png, *_overlay.png, ...': the file kinds the entries were saved as."""
    pictures = [f"*_{k}.png" for k in (entries[0] if entries else {}) if k not in ("input_path", "json")]
    return "*_res.json" + (f" and pictures ({', '.join(pictures)})" if pictures else "")
