"""Models this project adds to PaddleSeg's component registry (importing registers them)."""
