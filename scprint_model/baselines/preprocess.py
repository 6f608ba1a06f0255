"""Expression preprocessing shared by the baselines (pure functions)."""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def _as_2d_float(x) -> np.ndarray | sp.csr_matrix:
    if sp.issparse(x):
        x = sp.csr_matrix(x, dtype=np.float64)
        data = x.data
    else:
        x = np.asarray(x, dtype=np.float64)
        data = x
    if x.ndim != 2:
        raise ValueError(f"expression must be a 2-D cells x genes matrix, got shape {x.shape}")
    if not np.all(np.isfinite(data)):
        raise ValueError("expression contains NaN or infinite values; remove or impute them first")
    if np.any(data < 0):
        raise ValueError(
            "expression contains negative values but raw counts were expected; "
            "pass normalize=False if the matrix is already log-normalised"
        )
    return x


def is_counts(x) -> bool:
    """True when ``x`` looks like raw counts: finite, non-negative, integer-valued (checked on <= 200,000 values).

    The one rule used by the runner (does the dataset hold counts?) and the methods (``normalize="auto"``).
    """
    values = x.data if sp.issparse(x) else np.asarray(x).ravel()
    if values.size == 0:
        return True
    if values.size > 200_000:
        # A fixed stride, not random: the check must not depend on any seed.
        values = values[:: values.size // 200_000 + 1]
    values = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(values)) or values.min() < 0:
        return False
    return bool(np.all(np.abs(values - np.round(values)) < 1e-6))


def log_normalize(x, target_sum: float = 1e4, dtype=np.float32, *, keep_sparse: bool = False):
    """Scale each cell's counts to ``target_sum`` then ``log1p`` (the scanpy ``normalize_total`` + ``log1p`` recipe).

    Parameters
    ----------
    x
        Cells x genes raw counts, dense or scipy sparse.
    target_sum
        Total count each cell is scaled to. Cells with zero total stay all zero.
    dtype
        Output dtype.

    keep_sparse
        Return a CSR matrix when ``x`` is sparse (zeros stay zeros) instead of densifying it.

    Returns
    -------
    Cells x genes array (CSR when ``keep_sparse`` and ``x`` is sparse).
    """
    x = _as_2d_float(x)
    totals = np.asarray(x.sum(axis=1)).ravel()
    # Empty cells keep a scale of 0 rather than dividing by zero.
    scale = np.divide(target_sum, totals, out=np.zeros_like(totals), where=totals > 0)
    if sp.issparse(x):
        x = sp.diags(scale) @ x
        x.data = np.log1p(x.data)
        return x.astype(dtype, copy=False) if keep_sparse else x.toarray().astype(dtype, copy=False)
    return np.log1p(x * scale[:, None]).astype(dtype, copy=False)


def zscore(x: np.ndarray, dtype=np.float32) -> np.ndarray:
    """Centre each gene (column) and scale it to unit variance; constant genes become all zero (no NaN)."""
    x = np.asarray(x, dtype=np.float64)
    centred = x - x.mean(axis=0)
    sd = centred.std(axis=0)
    inv = np.divide(1.0, sd, out=np.zeros_like(sd), where=sd > 0)
    return (centred * inv).astype(dtype, copy=False)
