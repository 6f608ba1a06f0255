"""Control "methods": a seeded random network and absolute Pearson / Spearman co-expression.

Inputs are cells x genes log-normalised matrices; outputs are gene x gene float32 scores with a zero diagonal.
Co-expression is symmetric, so rows (regulators) and columns (targets) carry the same score.
"""
from __future__ import annotations

import numpy as np
import scipy.stats


def random_scores(n_genes: int, seed: int | None = 0) -> np.ndarray:
    """Uniform [0, 1) scores for every ordered gene pair, zero diagonal: the negative control."""
    if int(n_genes) < 0:
        raise ValueError(f"n_genes must be >= 0, got {n_genes}")
    rng = np.random.default_rng(seed)
    scores = rng.random((int(n_genes), int(n_genes)), dtype=np.float32)
    np.fill_diagonal(scores, 0.0)
    return scores


def abs_pearson(x: np.ndarray) -> np.ndarray:
    """Absolute Pearson correlation between genes (columns of ``x``); constant genes score 0, diagonal 0."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"expected a cells x genes matrix, got shape {x.shape}")
    n = x.shape[0]
    if n < 2:
        raise ValueError(f"correlation needs at least 2 cells, got {n}")
    centred = x - x.mean(axis=0)
    norm = np.sqrt(np.einsum("ij,ij->j", centred, centred))
    # A constant gene has zero norm: give it a zero column instead of 0/0 = NaN.
    inv = np.divide(1.0, norm, out=np.zeros_like(norm), where=norm > 0)
    unit = centred * inv
    corr = np.abs(unit.T @ unit)
    np.clip(corr, 0.0, 1.0, out=corr)
    np.fill_diagonal(corr, 0.0)
    return corr.astype(np.float32)


def abs_spearman(x: np.ndarray) -> np.ndarray:
    """Absolute Spearman correlation: Pearson on per-gene ranks (ties get their average rank)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"expected a cells x genes matrix, got shape {x.shape}")
    ranks = scipy.stats.rankdata(x, axis=0, method="average")
    return abs_pearson(ranks)
