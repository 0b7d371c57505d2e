"""PaddleDetection (ppdet) backend. Importing it loads paddle the safe way first, then applies the ppdet compat patches."""
from ...paddle_env import import_paddle

import_paddle()
