"""scprint_model: a scPRINT-style transformer, attention-based gene networks, and baseline inference methods.

Importing this package does not import torch: the public functions below load their submodules on first use.
"""
from __future__ import annotations

import importlib

from grnndata._odeps import import_optional

__all__ = ["infer_network", "select_heads", "load_default", "load_checkpoint", "HeadSelection", "CheckpointError"]

_LAZY = {
    "infer_network": ("network", "infer_network"),
    "select_heads": ("heads", "select_heads"),
    "HeadSelection": ("heads", "HeadSelection"),
    "load_default": ("checkpoint", "load_default"),
    "load_checkpoint": ("checkpoint", "load"),
    "CheckpointError": ("safe_load", "CheckpointError"),
}


def __getattr__(name: str):
    if name in _LAZY:
        mod, attr = _LAZY[name]
        import_optional("torch", f"scprint_model.{name}")  # a missing torch names the extra to install
        value = getattr(importlib.import_module(f".{mod}", __name__), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'scprint_model' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
