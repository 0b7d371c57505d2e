"""Config loading: YAML file + `-o` overrides -> validated `Config`."""
from .loader import Config, load_config, peek_mode_and_output

__all__ = ["Config", "load_config", "peek_mode_and_output"]
