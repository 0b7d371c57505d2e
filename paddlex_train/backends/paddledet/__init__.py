"""PaddleDetection (ppdet) backend. Importing it loads paddle the safe way first, then applies the ppdet compat patches."""
import contextlib
import io

from ...paddle_env import import_paddle

import_paddle()

# ppdet prints a numba warning on stdout at import (PP-Tracking only); keep predict/eval output clean.
with contextlib.redirect_stdout(io.StringIO()):
    import ppdet  # noqa: F401,E402

from . import compat  # noqa: E402  (after import_paddle: the patches touch ppdet modules)

compat.apply()

from . import models  # noqa: E402,F401  (registers the models ppdet 2.6 lacks; after the patches)
