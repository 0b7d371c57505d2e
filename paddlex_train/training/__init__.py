"""Backend-agnostic training machinery: checkpoints, result files, curves, guards, progress, launch, weights, seeds.

Nothing here knows a suite (no paddleseg/ppdet import); paddle is reached only through paddle_env.import_paddle().
"""
