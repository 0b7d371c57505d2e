"""ModeRunner: the template every mode runner follows (prepare output, resolve device, dump config, execute)."""
from pathlib import Path

from ...device import parse_device, resolve_device
from ...log import add_file_handler, get_logger, remove_handler


class ModeRunner:
    """Base of all mode runners.

    Subclasses set `mode` and implement `execute()`, returning the payload of `<mode>_result.json`. Runners that
    need paddle set `needs_paddle = True`; only then is the device resolved against the installed paddle build
    (check_dataset never imports paddle).

    Args:
        config: a validated Config.
        task: the TaskSpec of the config's module.
    """

    mode = None
    needs_paddle = False

    def __init__(self, config, task):
        self.config = config
        self.task = task
        self.logger = get_logger()
        self.output = Path(config["Global"]["output"])
        self.device = parse_device(config["Global"]["device"])

    def run(self):
        """Template method: prepare, execute, and return the result payload."""
        self.output.mkdir(parents=True, exist_ok=True)
        handler = add_file_handler(self.output / f"{self.mode}.log") if self.log_to_file else None
        try:
            if self.needs_paddle:
                self.device = self._resolve_device()
                self.config.data["Global"]["device"] = str(self.device)
            self.dump_config()
            return self.execute()
        finally:
            if handler is not None:
                remove_handler(handler)

    # Train writes its own train.log (the suite's output is teed there); other modes log to <mode>.log.
    log_to_file = True

    def _resolve_device(self):
        from ...paddle_env import compiled_with

        return resolve_device(self.device, compiled_with, self.logger.warning)

    def dump_config(self):
        """Write the resolved config to <output>/config.yaml."""
        (self.output / "config.yaml").write_text(self.config.to_yaml(), encoding="utf-8")

    def execute(self):
        """Do the mode's work and return the result payload (a dict)."""
        raise NotImplementedError
