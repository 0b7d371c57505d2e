"""BaseDatasetChecker: the check_dataset template (convert -> split -> check -> analyse -> result dict).

Subclasses fill the hooks; the step order, logging, the output folder and the result keys live here once.
check_dataset never imports paddle.
"""
from ...errors import ConfigError
from ...utils.fs import require_dataset_dir
from .runner import ModeRunner


class BaseDatasetChecker(ModeRunner):
    """Template of the check_dataset mode.

    Subclasses set `converters` (src_dataset_type -> callable(root, checker)) and implement `split`, `check`
    and `analyse`.
    """

    mode = "check_dataset"
    converters = {}

    @property
    def check_dir(self):
        """<output>/check_dataset, where renders, histogram and reports go."""
        return self.output / "check_dataset"

    def dataset_root(self):
        """Global.dataset_dir as an existing directory, or an error saying what to set."""
        return require_dataset_dir(self.config["Global"]["dataset_dir"])

    def execute(self):
        root = self.dataset_root()
        self.check_dir.mkdir(parents=True, exist_ok=True)
        convert = self.config["CheckDataset"]["convert"]
        if convert["enable"]:
            self._converter(convert["src_dataset_type"])(root, self)
            self.logger.info("Convert dataset successfully !")
        split = self.config["CheckDataset"]["split"]
        if split["enable"]:
            self.split(root, split["train_percent"], split["val_percent"], split["seed"])
            self.logger.info("Split dataset successfully !")
        attributes = self.check(root)
        analysis = self.analyse(root, attributes)
        self.logger.info("Check dataset passed !")
        return {
            "check_pass": True,
            "attributes": attributes,
            "analysis": analysis,
            "dataset_path": self.config["Global"]["dataset_dir"],
            "show_type": "image",
            "dataset_type": self.task.dataset_type,
        }

    def _converter(self, src_type):
        if src_type in self.converters:
            return self.converters[src_type]
        known = ", ".join(sorted(self.converters)) or "none"
        raise ConfigError(f"CheckDataset.convert.src_dataset_type={src_type!r} is not supported for "
                          f"{self.task.name}.", hint=f"supported: {known}")

    def split(self, root, train_percent, val_percent, seed):
        """Re-split the data set in place (old files kept as .bak)."""
        raise NotImplementedError

    def check(self, root):
        """Validate the data set, raise DatasetError listing problems, return the `attributes` dict."""
        raise NotImplementedError

    def analyse(self, root, attributes):
        """Write the histogram; return the `analysis` dict."""
        raise NotImplementedError
