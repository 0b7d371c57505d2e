"""PaddleSeg backend. Importing it loads paddle the safe way first, then applies the PaddleSeg compat patches."""
from ...paddle_env import import_paddle

import_paddle()

from . import compat  # noqa: E402  (paddle must be loaded through paddle_env first)

compat.apply()
