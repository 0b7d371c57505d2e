"""A small name -> object registry with helpful lookup errors."""
import difflib

from .errors import UnsupportedError


def did_you_mean(name, candidates, n=1, cutoff=0.6):
    """Return ' Did you mean X?' for the closest candidate (case-insensitive), or ''."""
    lowered = {str(c).lower(): c for c in candidates}
    close = difflib.get_close_matches(str(name).lower(), list(lowered), n=n, cutoff=cutoff)
    if not close:
        return ""
    return " Did you mean " + " or ".join(str(lowered[c]) for c in close) + "?"


class Registry:
    """Maps names to objects; registering a name twice is an error, an unknown name lists what exists.

    Args:
        kind: what the registry holds, used in error messages ("module", "mode", ...).
    """

    def __init__(self, kind):
        self.kind = kind
        self._items = {}

    def register(self, name, obj):
        """Register `obj` under `name`; raises ValueError on a duplicate (a programming error)."""
        if name in self._items:
            raise ValueError(f"{self.kind} {name!r} is already registered")
        self._items[name] = obj
        return obj

    def get(self, name, context=""):
        """Return the object registered as `name`, or raise UnsupportedError listing the known names."""
        if name in self._items:
            return self._items[name]
        where = f" for {context}" if context else ""
        raise UnsupportedError(
            f"Unknown {self.kind} {name!r}{where}.{did_you_mean(name, self._items)}",
            hint=f"available: {', '.join(sorted(self._items))}",
        )

    def names(self):
        """The registered names, sorted."""
        return sorted(self._items)

    def __contains__(self, name):
        return name in self._items
