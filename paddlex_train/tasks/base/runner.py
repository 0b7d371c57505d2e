"""ModeRunner: the template every mode runner follows (prepare output, resolve device, dump config, execute)."""
import copy
from dataclasses import replace
from pathlib import Path

import yaml

from ...device import parse_device, resolve_device
from ...log import add_file_handler, get_logger, remove_handler
from .context import RunContext, freeze


class ModeRunner:
    """Base of all mode runners.

    Subclasses set `mode` and implement `execute()`, returning the payload of `<mode>_result.json`. Runners that
    need paddle set `needs_paddle = True`; only then is the device resolved against the installed paddle build
    (check_dataset never imports paddle). The config is frozen: what the run decides (device, output, rank) is
    in `self.ctx`, a RunContext.

    Args:
        config: a validated Config (frozen here).
        task: the TaskSpec of the config's module.
    """

    mode = None
    needs_paddle = False

    def __init__(self, config, task):
        self.config = freeze(config)
        self.task = task
        self.logger = get_logger()
        self.ctx = RunContext(parse_device(config["Global"]["device"]), Path(config["Global"]["output"]))

    @property
    def output(self):
        """The output directory of this process (RunContext.output)."""
        return self.ctx.output

    @property
    def device(self):
        """The device of this run (RunContext.device; resolved once run() starts)."""
        return self.ctx.device

    def run(self):
        """Template method: prepare, execute, and return the result payload."""
        self.output.mkdir(parents=True, exist_ok=True)
        handler = add_file_handler(self.output / f"{self.mode}.log") if self.log_to_file else None
        try:
            if self.needs_paddle:
                self.ctx = replace(self.ctx, device=self._resolve_device())
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
        """Write the config as run (Global.device as resolved): train to <output>/config.yaml, the other modes to
        <output>/<mode>_config.yaml, so an evaluate or export into a training output never replaces the training
        run's config (which describes its weights, e.g. the input size, and feeds the report)."""
        data = copy.deepcopy(self.config.data)
        data["Global"]["device"] = str(self.device)
        name = "config.yaml" if self.mode == "train" else f"{self.mode}_config.yaml"
        (self.output / name).write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True),
                                                 encoding="utf-8")

    def execute(self):
        """Do the mode's work and return the result payload (a dict)."""
        raise NotImplementedError
