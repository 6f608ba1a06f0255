"""Expression preprocessing shared by the baselines (pure functions).

The counts rule and log-normalisation live in :mod:`bengrn.prepare` (``is_counts``, ``log_normalize``): only bengrn
uses them, and the baselines receive already-normalised matrices.
"""
from __future__ import annotations

import numpy as np


def check_expression(x, method: str) -> np.ndarray:
    """``x`` as a 2-D array with at least 2 cells and 2 genes and only finite values, or a clear error."""
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"x must be a cells x genes matrix, got shape {x.shape}")
    n_cells, n_genes = x.shape
    if n_cells < 2 or n_genes < 2:
        raise ValueError(f"{method} needs at least 2 cells and 2 genes, got {n_cells} x {n_genes}")
    if not np.all(np.isfinite(x)):
        raise ValueError("x contains NaN or infinite values")
    return x


def zscore(x: np.ndarray, dtype=np.float32) -> np.ndarray:
    """Centre each gene (column) and scale it to unit variance; constant genes become all zero (no NaN)."""
    x = np.asarray(x, dtype=np.float64)
    centred = x - x.mean(axis=0)
    sd = centred.std(axis=0)
    inv = np.divide(1.0, sd, out=np.zeros_like(sd), where=sd > 0)
    return (centred * inv).astype(dtype, copy=False)
