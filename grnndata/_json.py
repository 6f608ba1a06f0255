"""JSON-safe conversion: the one implementation for metadata, provenance and result files.

JSON has no inf/nan: ``+inf`` is written as the string ``"inf"``, ``-inf`` as ``"-inf"`` and NaN as ``null``;
:func:`decode_value` turns them back (``null`` -> NaN), so ``odds_ratio == inf`` survives a round trip.
"""
from __future__ import annotations

import datetime as _dt
import math
from pathlib import PurePath
from typing import Any, Mapping

import numpy as np

__all__ = ["to_jsonable", "decode_value"]


def _float(x: float) -> float | str | None:
    if math.isnan(x):
        return None
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def to_jsonable(obj: Any, *, strict: bool = False) -> Any:
    """Recursively turn numpy/pandas scalars and arrays, paths, dates and sets into plain JSON types.

    Keys become strings, sets are sorted, inf -> ``"inf"`` / ``"-inf"``, NaN -> ``None``; any other object becomes
    its ``str``, or raises ``TypeError`` with ``strict=True`` (metadata that must round-trip exactly).
    """
    if isinstance(obj, Mapping):
        return {str(k.item() if isinstance(k, np.generic) else k): to_jsonable(v, strict=strict)
                for k, v in obj.items()}
    if isinstance(obj, (set, frozenset)):
        return sorted((to_jsonable(v, strict=strict) for v in obj), key=str)
    if isinstance(obj, (list, tuple)) or type(obj).__name__ in ("Index", "Series"):
        return [to_jsonable(v, strict=strict) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist(), strict=strict)
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return _float(float(obj))
    if isinstance(obj, PurePath):
        return str(obj)
    if isinstance(obj, (_dt.datetime, _dt.date)):
        return obj.isoformat()
    if obj is None or isinstance(obj, str):
        return obj
    if strict:
        raise TypeError(f"{type(obj).__name__} object is not JSON serialisable")
    return str(obj)


def decode_value(v: Any) -> Any:
    """Inverse of the float encoding: ``"inf"`` / ``"-inf"`` / ``"nan"`` -> float, ``None`` -> NaN."""
    if v is None:
        return math.nan
    if isinstance(v, str) and v in ("inf", "-inf", "nan"):
        return float(v)
    return v
