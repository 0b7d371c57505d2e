"""Small shared helpers (file safety, ...)."""
