"""Standalone data set tools (generation, conversion, split, label fixes). They may import paddlex_train."""
