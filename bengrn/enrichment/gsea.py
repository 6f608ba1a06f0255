"""The one GSEA engine (numpy): enrichment score, gene-set permutation null, NES, p-values, GSEA FDR, BH.

Both analyses of :mod:`bengrn.enrichment` use it: :func:`~bengrn.enrichment.prerank.prerank_sets` (one ranking,
many gene sets) and :func:`~bengrn.enrichment.targets.tf_targets` (one ranking per TF, one set each). gseapy is not
used here; it is the oracle of the tests (ES to 1e-10, NES / p / FDR within permutation noise) and the reference of
``benchmarks/test_bench_enrichment.py``.

Statistic (Subramanian et al. 2005, weight p = 1): weights ``w`` sorted descending, running sum rising by
``w_hit / sum(w_hits)`` at hits and falling by ``1 / (N - k)`` between them; ES is its extreme. Null: random gene sets
of the same size on the same ranking (gseapy's gene-set permutation); NES = ES / mean of the same-sign null; nominal
p = ``(#null at least as extreme + 1) / (#same-sign null + 1)`` (never 0; Phipson & Smyth 2010).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["enrichment_score", "running_sum", "tie_broken_order", "permutation_test", "gsea_fdr", "bh",
           "run_tests"]

Progress = Callable[[str, dict], None]


def es_rows(w: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """GSEA enrichment score (weight p=1) for many sets on one ranking.

    ``w``: (N,) non-negative weights sorted descending; ``pos``: (P, k) sorted hit positions, one set per row.
    The running sum only rises at hits and only falls between them, so its maximum sits right after a hit (or at
    position 0) and its minimum right before a hit (or at the end): evaluating those k + 1 points per row equals the
    full length-N running sum (gseapy's ``enrichment_score``). A set whose members all weigh 0 uses unweighted
    increments (the limit of weights w + eps, eps -> 0) instead of gseapy's undefined 0/0.
    """
    n = w.shape[0]
    n_sets, k = pos.shape
    wh = w[pos]
    tot = wh.sum(axis=1)
    zero = tot == 0
    if zero.any():
        wh[zero] = 1.0
        tot[zero] = k
    wh /= tot[:, None]
    after = np.cumsum(wh, axis=1)
    end = after[:, -1] - 1.0  # the running sum's last value (all misses counted)
    after -= (pos - np.arange(k)) * (1.0 / (n - k))  # minus the misses before each hit
    mx = after.max(axis=1)
    mx = np.where(pos[:, 0] > 0, np.maximum(mx, -1.0 / (n - k)), mx)
    after -= wh  # now the value just before each hit
    after[pos[:, 0] == 0, 0] = np.inf  # no position before rank 0
    mn = np.minimum(after.min(axis=1), end)
    return np.where(np.abs(mx) > np.abs(mn), mx, mn)


def _check_set(weights: np.ndarray, hits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    w = np.abs(np.asarray(weights, dtype=np.float64))
    hits = np.asarray(hits, dtype=bool)
    if w.shape != hits.shape or w.ndim != 1:
        raise ValueError("weights and hits must be 1-D arrays of the same length")
    if not 0 < hits.sum() < len(w):
        raise ValueError("the set must contain at least one and not all genes")
    return w, hits


def enrichment_score(weights: np.ndarray, hits: np.ndarray) -> float:
    """GSEA enrichment score of one set (boolean ``hits``) on ``weights`` already sorted descending (weight p=1).

    Equals gseapy's ES for the same ranking order (``gseapy.prerank(..., ascending=None)``).
    """
    w, hits = _check_set(weights, hits)
    return float(es_rows(w, np.flatnonzero(hits)[None, :])[0])


def running_sum(weights: np.ndarray, hits: np.ndarray) -> np.ndarray:
    """The full GSEA running sum of one set (length N), e.g. to read the leading edge at its extreme."""
    w, hits = _check_set(weights, hits)
    up = np.where(hits, w, 0.0)
    total = up.sum()
    up = up / total if total > 0 else hits / hits.sum()  # all-zero set: unweighted, as in es_rows
    return np.cumsum(np.where(hits, up, -1.0 / (len(w) - hits.sum())))


def tie_broken_order(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Indices sorting ``values`` descending; ties in a seeded random order (unbiased, reproducible)."""
    perm = rng.permutation(len(values))
    return perm[np.argsort(-values[perm], kind="stable")]


def _random_positions(n: int, k: int, n_perm: int, rng: np.random.Generator) -> np.ndarray:
    if k * 10 < n:
        draws = np.stack([rng.choice(n, k, replace=False) for _ in range(n_perm)])
    else:
        draws = rng.random((n_perm, n)).argpartition(k - 1, axis=1)[:, :k]
    draws.sort(axis=1)
    return draws


def permutation_test(
    w: np.ndarray, pos: np.ndarray, n_perm: int, rng: np.random.Generator, chunk: int = 250
) -> tuple[float, float, float, np.ndarray]:
    """ES, NES, nominal p and normalised null of one set (sorted hit positions ``pos``) on weights ``w``.

    ``w`` is non-negative and sorted descending. The null is ``n_perm`` random sets of the same size on the same
    ranking, drawn from ``rng``; NES = ES / mean of the same-sign null (gseapy's normalisation).
    """
    es = float(es_rows(w, pos[None, :])[0])
    k = len(pos)
    null = np.concatenate([
        es_rows(w, _random_positions(len(w), k, min(chunk, n_perm - s), rng)) for s in range(0, n_perm, chunk)
    ])
    # gseapy's normalisation and nominal p (sign-specific null); +1 so that p is never 0 (Phipson & Smyth 2010)
    pos_null, neg_null = null[null >= 0], null[null < 0]
    pos_mean = pos_null.mean() if pos_null.size else math.nan
    neg_mean = neg_null.mean() if neg_null.size else math.nan
    if es >= 0:
        nes = es / pos_mean
        p = (np.count_nonzero(pos_null >= es) + 1) / (pos_null.size + 1)
    else:
        nes = -es / neg_mean
        p = (np.count_nonzero(neg_null <= es) + 1) / (neg_null.size + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        null_nes = np.where(null >= 0, null / pos_mean, -null / neg_mean)
    return es, float(nes), float(p), null_nes


def ranked_test(
    row: np.ndarray, target_idx: np.ndarray, n_perm: int, seed_seq: np.random.SeedSequence
) -> tuple[float, float, float, np.ndarray]:
    """:func:`permutation_test` of one set on the raw scores ``row``, ranked here with seeded tie-breaking."""
    rng = np.random.default_rng(seed_seq)
    order = tie_broken_order(row, rng)
    rank_of = np.empty(len(row), dtype=np.int64)
    rank_of[order] = np.arange(len(row))
    return permutation_test(row[order], np.sort(rank_of[target_idx]), n_perm, rng)


def ordered_test(
    w: np.ndarray, pos: np.ndarray, n_perm: int, seed_seq: np.random.SeedSequence
) -> tuple[float, float, float, np.ndarray]:
    """:func:`permutation_test` on a ranking already in order, with its own generator."""
    return permutation_test(w, pos, n_perm, np.random.default_rng(seed_seq))


def gsea_fdr(nes: np.ndarray, null_nes: np.ndarray) -> np.ndarray:
    """GSEA FDR q-values (Subramanian et al. 2005; gseapy's ``gsea_fdr``) from pooled normalised nulls.

    For NES* >= 0: (share of null NES >= NES* among null NES >= 0) / (share of observed NES >= NES* among observed
    NES >= 0), capped at 1; mirrored for NES* < 0. ``null_nes`` pools the normalised nulls of every tested set.
    """
    nes = np.asarray(nes, dtype=np.float64)
    nvals = np.sort(np.asarray(null_nes, dtype=np.float64).ravel())
    nvals = nvals[np.isfinite(nvals)]
    obs = np.sort(nes[np.isfinite(nes)])
    out = np.full(nes.shape, np.nan)
    ok = np.isfinite(nes)
    x = nes[ok]
    n_null, n_obs = len(nvals), len(obs)
    all_pos = n_null - np.searchsorted(nvals, 0, "left")
    obs_pos = n_obs - np.searchsorted(obs, 0, "left")
    all_neg, obs_neg = n_null - all_pos, n_obs - obs_pos
    hi_null = n_null - np.searchsorted(nvals, x, "left")
    hi_obs = n_obs - np.searchsorted(obs, x, "left")
    lo_null = np.searchsorted(nvals, x, "right")
    lo_obs = np.searchsorted(obs, x, "right")
    with np.errstate(invalid="ignore", divide="ignore"):
        q_pos = (hi_null / all_pos) / (hi_obs / obs_pos)
        q_neg = (lo_null / all_neg) / (lo_obs / obs_neg)
    q = np.where(x >= 0, q_pos, q_neg)
    out[ok] = np.minimum(np.nan_to_num(q, nan=1.0), 1.0)
    return out


def bh(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values."""
    p = np.asarray(p, dtype=np.float64)
    n = p.size
    if n == 0:
        return p
    order = np.argsort(p)
    scaled = p[order] * n / np.arange(1, n + 1)
    adj = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty(n)
    out[order] = np.minimum(adj, 1.0)
    return out


def check_progress(progress: Any) -> Progress | None:
    """``progress`` as a callback ``(event, info)`` or None (``False`` is accepted as None)."""
    if progress is None or progress is False:
        return None
    if not callable(progress):
        raise TypeError(
            f"progress must be a callable(event: str, info: dict) or None, got {progress!r}; "
            "the library reports progress to a callback and the CLI draws the bars"
        )
    return progress


def run_tests(
    test: Callable[..., tuple], calls: Sequence[tuple], *, n_jobs: int = 1, progress: Progress | None = None,
    event: str = "gsea",
) -> list[tuple]:
    """``[test(*call) for call in calls]``, in order, over ``n_jobs`` joblib processes when > 1.

    ``progress(event, {"done": i, "total": len(calls)})`` is called after each result. Every call carries its own
    seed, so results do not depend on ``n_jobs``.
    """
    progress = check_progress(progress)
    if not calls:
        return []
    if n_jobs == 1:
        results = (test(*c) for c in calls)
    else:
        import joblib  # only for n_jobs > 1: keeps joblib out of import time

        # each call ships one ranking (N floats) to a worker process, not the whole network
        results = joblib.Parallel(n_jobs=n_jobs, return_as="generator")(joblib.delayed(test)(*c) for c in calls)
    out = []
    for done, result in enumerate(results, 1):
        out.append(result)
        if progress is not None:
            progress(event, {"done": done, "total": len(calls)})
    return out
