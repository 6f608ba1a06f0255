"""Expression preprocessing shared by the baselines (pure functions).

The counts rule and log-normalisation live in :mod:`bengrn.prepare` (``is_counts``, ``log_normalize``): only bengrn
uses them, and the baselines receive already-normalised matrices.
"""
from __future__ import annotations

import numpy as np


def zscore(x: np.ndarray, dtype=np.float32) -> np.ndarray:
    """Centre each gene (column) and scale it to unit variance; constant genes become all zero (no NaN)."""
    x = np.asarray(x, dtype=np.float64)
    centred = x - x.mean(axis=0)
    sd = centred.std(axis=0)
    inv = np.divide(1.0, sd, out=np.zeros_like(sd), where=sd > 0)
    return (centred * inv).astype(dtype, copy=False)
