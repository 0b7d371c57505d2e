"""The engine: config -> task -> mode runner -> result file. Dispatch is by table (TASKS), never by if/elif."""
from .results import write_success
from .tasks import TASKS


def run(config):
    """Run the mode of `config` and write `<output>/<mode>_result.json`; returns (payload, result_path).

    The result goes to the runner's RunContext output: Global.output, except on the non-zero ranks of a
    multi-process training, whose side folder keeps them away from rank 0's train_result.json.
    """
    task = TASKS.get(config.module)
    runner = task.runner_class(config.mode, config.model)(config, task)
    payload = runner.run() or {}
    return payload, write_success(runner.output, config.mode, payload)
