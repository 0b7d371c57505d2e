"""Rendering helpers (palettes, overlays, instance drawings). No paddle here."""
