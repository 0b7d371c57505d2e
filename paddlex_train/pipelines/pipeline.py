"""The Pipeline object: a loaded pipeline config whose `.predict()` runs the sub-module's model."""
from ..inference import load_model
from ..inference.engines import choose_engine
from .runner import check_overrides, load_pipeline_config


class Pipeline:
    """A loaded pipeline: `.predict(input, **options)` yields the same result objects as create_model().

    Args:
        pipeline: built-in pipeline name or path of a pipeline YAML (None = config["pipeline_name"]).
        config: dict in the pipeline YAML layout, taking precedence over the YAML.
        device: device string (None = best available).
        use_hpip: ask for the fastest inference engine available (see inference.engines).
        overrides: sub-module keys that replace the YAML's (model_dir, batch_size, the task's options);
            None values are ignored; unknown names are refused.
    """

    def __init__(self, pipeline=None, config=None, device=None, use_hpip=False, **overrides):
        self.name, self.spec, self.config, self.source = load_pipeline_config(pipeline, config)
        check_overrides(self.spec, overrides)
        sub = dict(self.config["SubModules"][self.spec.submodule])
        sub.update({k: v for k, v in overrides.items() if v is not None})
        self.settings = sub
        self.engine = choose_engine(use_hpip)
        self.batch_size = int(sub.get("batch_size") or 1)
        options = {k: sub[k] for k in self.spec.options if sub.get(k) is not None}
        self.model = load_model(sub.get("model_name"), model_dir=sub.get("model_dir"), device=device,
                                batch_size=self.batch_size, use_hpip=use_hpip,
                                where=f"SubModules.{self.spec.submodule}.model_dir in {self.source}, or --model_dir",
                                **options)
        self.engine = self.model.model.engine  # what the loaded directory runs on (inference.engines)

    def predict(self, input, **options):  # noqa: A002 (PaddleX's argument name)
        """Yield one result per input image; `options` (e.g. target_size) override the YAML for this call."""
        options.setdefault("batch_size", self.batch_size)
        return self.model.predict(input, **options)

    __call__ = predict


def create_pipeline(pipeline=None, config=None, device=None, use_hpip=False, **kwargs):
    """Build a Pipeline (PaddleX's signature); see Pipeline for the arguments."""
    return Pipeline(pipeline, config=config, device=device, use_hpip=use_hpip, **kwargs)
