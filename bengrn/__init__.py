"""bengrn: benchmark gene networks against reference networks.

Convention used everywhere: ``network[i, j]`` scores the edge regulator i -> target j (rows = sources).
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"
__all__ = ["align", "metrics", "methods", "enrichment", "evaluate"]

_LAZY = {
    "align": ("bengrn.align", "align"),
    "evaluate": ("bengrn.metrics", "evaluate"),
}
_SUBMODULES = {"metrics", "methods", "enrichment", "runner", "report", "check"}


def __getattr__(name: str):
    # Lazy imports keep `import bengrn` cheap and free of optional dependencies (torch, dask).
    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    if name in _SUBMODULES:
        return importlib.import_module(f"bengrn.{name}")
    raise AttributeError(f"module 'bengrn' has no attribute {name!r}")
