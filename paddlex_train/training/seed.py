"""Seeding of python, numpy and paddle random generators."""
import random


def seed_everything(seed):
    """Seed random, numpy and paddle with `seed` (paddle loaded through paddle_env)."""
    import numpy as np

    from ..paddle_env import import_paddle

    random.seed(seed)
    np.random.seed(seed % (2 ** 32))
    import_paddle().seed(seed)
