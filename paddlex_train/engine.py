"""The engine: config -> task -> mode runner -> result file. Dispatch is by table (TASKS), never by if/elif."""
from .results import write_success
from .tasks import TASKS


def run(config):
    """Run the mode of `config` and write `<output>/<mode>_result.json`; returns (payload, result_path)."""
    task = TASKS.get(config.module)
    runner_cls = task.runner_class(config.mode, config.model)
    payload = runner_cls(config, task).run() or {}
    return payload, write_success(config.output, config.mode, payload)
