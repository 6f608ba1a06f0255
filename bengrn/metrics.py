"""Exact network metrics against a reference network (definitions: docs/metrics.md).

Conventions
-----------
``network[i, j]`` scores the edge regulator i -> target j (rows = sources); ``truth`` is a boolean matrix over the same
genes in the same orientation. The *evaluation universe* is the set of ordered pairs (regulator, target) with the
regulator in the regulator set (all genes, or the ``tf_only`` genes) and, unless ``self_loops=True``, regulator !=
target. Every metric is computed over exactly this universe.

Ties are handled exactly: precision-recall and ROC quantities are evaluated at distinct score thresholds (like
scikit-learn), and top-K quantities take the expectation over the tied entries at the K-th score, so no result depends
on array order. For a scipy sparse network, entries that are not stored score below every stored entry (all tied).

Implementation: the universe's scores are sorted once (``ndarray.sort`` on one copy); the truth is sparse, so the
positives' scores are gathered directly and every metric follows from, for each distinct positive score ``u``, the
number of universe entries scoring strictly above ``u`` and equal to ``u`` (two ``searchsorted`` calls).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.stats import hypergeom

logger = logging.getLogger(__name__)

__all__ = ["evaluate", "pr_curve"]


# --------------------------------------------------------------------------------------------------------------------
# Input handling
# --------------------------------------------------------------------------------------------------------------------
def _as_matrix(x, name: str):
    """Return a 2-D ndarray or a scipy sparse matrix/array, with a clear error otherwise."""
    if sp.issparse(x):
        if x.ndim != 2:
            raise ValueError(f"{name} must be 2-D, got shape {x.shape}")
        return x
    if isinstance(x, pd.DataFrame):
        if {"source", "target"} <= set(map(str, x.columns)):
            raise TypeError(
                f"{name} looks like an edge table (source/target columns); turn it into a matrix over the network's "
                "genes with bengrn.align(edges, genes) first"
            )
        x = x.to_numpy()
    try:
        arr = np.asarray(x)
    except Exception as err:  # pragma: no cover - exotic inputs
        raise TypeError(f"{name} must be a numpy array or scipy sparse matrix, got {type(x).__name__}") from err
    if arr.dtype == object or np.iscomplexobj(arr):
        raise TypeError(
            f"{name} must be real numeric, got dtype {arr.dtype}; convert it with np.asarray(..., dtype=float)"
        )
    if arr.ndim != 2:
        hint = "; select one head of a per-head stack first (stack[:, :, h] or stack.mean(-1))" if arr.ndim == 3 else ""
        raise ValueError(f"{name} must be a 2-D gene x gene matrix, got shape {arr.shape}{hint}")
    return arr


def _regulator_mask(tf_only, genes, n: int) -> np.ndarray | None:
    """Boolean mask over genes of the allowed regulators (None = all genes)."""
    if tf_only is None:
        return None
    if isinstance(tf_only, str):
        raise TypeError("tf_only must be a list of regulator names or a boolean mask, not a single string")
    if isinstance(tf_only, (set, frozenset, dict)):
        tf_only = sorted(map(str, tf_only))
    arr = np.asarray(tf_only)
    if arr.dtype == bool:
        if arr.shape != (n,):
            raise ValueError(f"tf_only boolean mask has shape {arr.shape}, expected ({n},) (one entry per gene)")
        mask = arr.copy()
    else:
        if genes is None:
            raise ValueError("tf_only given as names needs genes= (the gene symbols of the network's rows/columns)")
        # Same symbol rule as bengrn.align: compare upper-cased symbols.
        up = pd.Index(np.asarray(genes, dtype=object)).astype(str).str.upper()
        tfs = pd.Index(pd.unique(pd.Index(np.asarray(arr, dtype=object).ravel()).astype(str).str.upper()))
        mask = np.asarray(up.isin(tfs))
    if not mask.any():
        example = list(np.asarray(tf_only).ravel()[:5]) if np.asarray(tf_only).dtype != bool else []
        raise ValueError(
            "tf_only selects no regulator among the network's genes"
            + (f" (first TFs given: {example}; first genes: {list(np.asarray(genes)[:5])})" if example else "")
            + "; check the gene symbols (human vs mouse?) or pass tf_only=None"
        )
    return mask


def _canonical_csr(x) -> sp.csr_matrix:
    """CSR with unique entries and sorted indices; the input is copied only when it is not already canonical."""
    if x.format == "csr" and x.has_canonical_format:
        return x if isinstance(x, sp.csr_matrix) else sp.csr_matrix(x)  # csr_array -> csr_matrix shares the buffers
    out = sp.csr_matrix(x, copy=True)
    out.sum_duplicates()
    return out


def _truth_positives(truth, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols) of the truth's edges, unique, in the truth's orientation."""
    if sp.issparse(truth):
        t = _canonical_csr(truth)
        if not t.data.all():
            t = t.copy()
            t.eliminate_zeros()
        coo = t.tocoo()
        if coo.data.dtype != bool and not np.isfinite(coo.data).all():
            raise ValueError("truth contains NaN/inf values; it must be a boolean (0/1) matrix")
        return coo.row.astype(np.int64), coo.col.astype(np.int64)
    arr = np.asarray(truth)
    if arr.dtype != bool and not np.isfinite(arr).all():
        raise ValueError("truth contains NaN/inf values; it must be a boolean (0/1) matrix")
    r, c = np.nonzero(arr)
    return r.astype(np.int64), c.astype(np.int64)


@dataclass
class _Ranking:
    """Sorted scores of the universe, in a form from which every metric follows.

    The universe's multiset of scores is ``sorted_scores`` minus ``excluded`` (both ascending) plus ``n_bottom`` entries
    tied below every score (absent sparse entries). ``pos_scores`` are the positives' scores (present ones) and
    ``n_pos_bottom`` the number of positives among the absent entries.
    """

    sorted_scores: np.ndarray
    excluded: np.ndarray
    n_bottom: int
    pos_scores: np.ndarray
    n_pos_bottom: int
    n_universe: int
    n_positives: int
    n_regulators: int
    n_genes: int
    n_regulators_with_edges: int
    n_targets_with_edges: int


def _check_finite_sorted(sorted_scores: np.ndarray, excluded: np.ndarray) -> None:
    """Raise if a universe score is NaN/inf; ``sorted_scores`` is sorted, so only its ends need a look."""
    if sorted_scores.size == 0 or not np.issubdtype(sorted_scores.dtype, np.floating):
        return
    if np.isfinite(sorted_scores[0]) and np.isfinite(sorted_scores[-1]):
        return
    # NaN sorts after +inf, so the non-finite entries sit at both ends.
    n_bad = int(np.searchsorted(sorted_scores, -np.inf, side="right")) + int(
        sorted_scores.size - np.searchsorted(sorted_scores, np.inf, side="left")
    )
    n_bad_excluded = int(np.count_nonzero(~np.isfinite(excluded)))
    if n_bad > n_bad_excluded:
        raise ValueError(
            f"network has {n_bad - n_bad_excluded} NaN/inf scores inside the evaluation universe; "
            "replace them (e.g. np.nan_to_num(network, nan=0.0, posinf=..., neginf=...)) or fix the method"
        )


def _prepare(network, truth, *, genes, tf_only, self_loops: bool, transpose: bool) -> _Ranking:
    network = _as_matrix(network, "network")
    truth = _as_matrix(truth, "truth")
    n_rows, n_cols = network.shape
    if n_rows != n_cols:
        raise ValueError(f"network must be square (genes x genes), got shape {network.shape}")
    n = n_rows
    if n == 0:
        raise ValueError("network is empty (0 genes)")
    if truth.shape != network.shape:
        raise ValueError(
            f"truth has shape {truth.shape} but network has shape {network.shape}; align the truth to the network's "
            "genes first with bengrn.align(truth_edges, genes)"
        )
    if genes is not None and len(genes) != n:
        raise ValueError(f"genes has {len(genes)} entries but the network has {n} genes")
    reg_mask = _regulator_mask(tf_only, genes, n)
    regs = np.arange(n) if reg_mask is None else np.flatnonzero(reg_mask)
    n_regs = regs.size

    # Positives in the universe (truth orientation = scored orientation).
    t_rows, t_cols = _truth_positives(truth, n)
    keep = np.ones(t_rows.size, dtype=bool)
    if reg_mask is not None:
        keep &= reg_mask[t_rows]
    if not self_loops:
        keep &= t_rows != t_cols
    t_rows, t_cols = t_rows[keep], t_cols[keep]
    n_pos = int(t_rows.size)
    n_universe = n_regs * n - (0 if self_loops else n_regs)
    if n_pos == 0:
        raise ValueError(
            "the truth has no edge inside the evaluation universe "
            f"({n_regs} regulators x {n} genes, self_loops={self_loops}); check gene overlap / tf_only / orientation"
        )
    # The scored matrix is S = network.T when transpose=True: S[i, j] = network[j, i].
    net_r, net_c = (t_cols, t_rows) if transpose else (t_rows, t_cols)

    if sp.issparse(network):
        net = _canonical_csr(network)
        if net.nnz == 0:
            raise ValueError("network has no stored entries (empty sparse network)")
        coo = net.tocoo()
        rows, cols, vals = coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data
        if not np.issubdtype(vals.dtype, np.number) and vals.dtype != bool:
            raise TypeError(f"network must be numeric, got dtype {vals.dtype}")
        if np.issubdtype(vals.dtype, np.floating) and not np.isfinite(vals).all():
            bad = ~np.isfinite(vals)
            s_r, s_c = (cols[bad], rows[bad]) if transpose else (rows[bad], cols[bad])
            inside = np.ones(s_r.size, dtype=bool) if reg_mask is None else reg_mask[s_r]
            if not self_loops:
                inside &= s_r != s_c
            if inside.any():
                raise ValueError(
                    f"network has {int(inside.sum())} NaN/inf stored scores inside the evaluation universe; "
                    "replace them (e.g. network.data = np.nan_to_num(network.data)) or fix the method"
                )
        # Canonical CSR keys row*n+col are sorted, so positives are looked up with one searchsorted.
        keys = rows * n + cols
        pos_keys = net_r * n + net_c
        loc = np.searchsorted(keys, pos_keys)
        loc_c = np.minimum(loc, keys.size - 1)
        present = keys[loc_c] == pos_keys
        pos_scores = vals[loc_c[present]]
        s_rows, s_cols = (cols, rows) if transpose else (rows, cols)
        if reg_mask is None and self_loops:
            scores = np.sort(vals)
        else:
            inside = np.ones(rows.size, dtype=bool) if reg_mask is None else reg_mask[s_rows]
            if not self_loops:
                inside &= s_rows != s_cols
            scores = np.sort(vals[inside])
        excluded = scores[:0]
        n_bottom = n_universe - scores.size
        n_pos_bottom = n_pos - int(present.sum())
    else:
        if not (np.issubdtype(network.dtype, np.number) or network.dtype == bool):
            raise TypeError(f"network must be numeric, got dtype {network.dtype}")
        if network.dtype == bool:
            network = network.view(np.uint8)
        # Only the multiset of the universe's scores matters, so S[regs] is taken as network[:, regs] when transposed
        # (same values, no transposed copy) and the diagonal is removed by subtracting its sorted values afterwards.
        if reg_mask is None:
            scores = np.sort(network, axis=None)  # one C-order copy, sorted in place
        else:
            scores = np.take(network, regs, axis=1 if transpose else 0).ravel()
            scores.sort()
        excluded = np.sort(network[regs, regs]) if not self_loops else scores[:0]
        _check_finite_sorted(scores, excluded)
        pos_scores = network[net_r, net_c]
        n_bottom = 0
        n_pos_bottom = 0
    return _Ranking(
        sorted_scores=scores,
        excluded=excluded,
        n_bottom=int(n_bottom),
        pos_scores=np.asarray(pos_scores),
        n_pos_bottom=int(n_pos_bottom),
        n_universe=int(n_universe),
        n_positives=n_pos,
        n_regulators=int(n_regs),
        n_genes=int(n),
        n_regulators_with_edges=int(np.count_nonzero(np.bincount(t_rows, minlength=n))),
        n_targets_with_edges=int(np.count_nonzero(np.bincount(t_cols, minlength=n))),
    )


def _counts_at(rk: _Ranking, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For thresholds u: (#universe entries scoring > u, #universe entries scoring == u)."""
    s, x = rk.sorted_scores, rk.excluded
    le = np.searchsorted(s, u, side="right")
    lt = np.searchsorted(s, u, side="left")
    if x.size:
        le = le - np.searchsorted(x, u, side="right")
        lt = lt - np.searchsorted(x, u, side="left")
    n_present = s.size - x.size
    above = (n_present - le).astype(np.int64)
    tied = (le - lt).astype(np.int64)
    return above, tied


def _positive_groups(rk: _Ranking) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per distinct positive score, in DESCENDING score order: (#above, #tied, #positives tied)."""
    u, p = np.unique(rk.pos_scores, return_counts=True)
    above, tied = _counts_at(rk, u)
    above, tied, p = above[::-1], tied[::-1], p[::-1].astype(np.int64)
    if rk.n_pos_bottom:
        # The absent sparse entries form the lowest threshold: everything present scores above them.
        n_present = rk.sorted_scores.size - rk.excluded.size
        above = np.append(above, n_present)
        tied = np.append(tied, rk.n_bottom)
        p = np.append(p, rk.n_pos_bottom)
    return above, tied, p


# --------------------------------------------------------------------------------------------------------------------
# Metrics from counts
# --------------------------------------------------------------------------------------------------------------------
def _metrics_from_groups(above: np.ndarray, tied: np.ndarray, pos: np.ndarray, n_universe: int) -> dict:
    """All metrics from, per distinct positive score (descending): entries above, entries tied, positives tied."""
    P = int(pos.sum())
    N = int(n_universe)
    n_neg = N - P
    above = above.astype(np.float64)
    tied = tied.astype(np.float64)
    posf = pos.astype(np.float64)
    tp_ge = np.cumsum(posf)  # positives scoring >= u
    tp_gt = tp_ge - posf  # positives scoring > u
    ge = above + tied

    # Average precision (step-wise, scikit-learn): recall increases only at positive thresholds.
    prec = tp_ge / ge
    ap = float(np.sum(posf * prec) / P)

    # AUPRC: trapezoid between consecutive curve points. Only segments ending at a positive threshold change recall;
    # the point before threshold u is the next higher distinct score (all `above` entries selected), or the start
    # point (recall 0, precision of the first threshold) when nothing scores above u.
    with np.errstate(invalid="ignore", divide="ignore"):
        prev_prec = np.where(above > 0, tp_gt / np.maximum(above, 1), prec)
    auprc = float(np.sum((posf / P) * (prec + prev_prec) / 2.0))

    # AUROC (Mann-Whitney with half credit for ties).
    if n_neg > 0:
        neg_above = above - tp_gt
        neg_tied = tied - posf
        neg_below = n_neg - neg_above - neg_tied
        auroc = float(np.sum(posf * (neg_below + 0.5 * neg_tied)) / (P * n_neg))
    else:
        auroc = float("nan")

    # Top-K with K = P; expectation over the entries tied at the K-th score.
    K = P
    in_tie = (above < K) & (K <= ge)
    if in_tie.any():
        j = int(np.flatnonzero(in_tie)[0])
        tp = tp_gt[j] + (K - above[j]) * posf[j] / tied[j]
    else:
        strictly_above = np.flatnonzero(ge < K)
        tp = float(tp_ge[strictly_above[-1]]) if strictly_above.size else 0.0
    tp = float(tp)
    fp = K - tp
    fn = P - tp
    tn = N - K - fn
    prevalence = P / N
    precision_at_k = tp / K
    if fp * fn > 0:
        odds_ratio = (tp * tn) / (fp * fn)
    elif tp * tn > 0:
        odds_ratio = float("inf")
    else:
        odds_ratio = float("nan")
    # Fisher exact one-sided test on the table with TP rounded to the nearest integer (halves rounded down, the
    # conservative side); margins (K predicted, P positives, N total) are exact. P(X >= tp) for X ~ Hypergeom(N, P, K).
    tp_int = int(np.ceil(tp - 0.5))
    fisher_p = float(min(1.0, max(0.0, hypergeom.sf(tp_int - 1, N, P, K))))
    return {
        "ap": ap,
        "auprc": auprc,
        "auprc_random": prevalence,
        "auroc": auroc,
        "epr": precision_at_k / prevalence,
        "odds_ratio": float(odds_ratio),
        "fisher_p": fisher_p,
        "precision_at_k": precision_at_k,
        "recall_at_k": tp / P,
        "k": int(K),
        "tp_at_k": tp,
        "prevalence": prevalence,
        "n_positives": P,
        "n_universe": N,
    }


# --------------------------------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------------------------------
def evaluate(
    network,
    truth,
    *,
    genes: Sequence[str] | None = None,
    tf_only=None,
    self_loops: bool = False,
    transpose: bool = False,
) -> dict:
    """Score a network against a reference network over an explicit evaluation universe.

    Parameters
    ----------
    network
        Square gene x gene scores (np.ndarray or scipy sparse), ``network[i, j]`` = regulator i -> target j. For a
        sparse network, entries that are not stored score below every stored entry (tied at the bottom).
    truth
        Boolean (nonzero = edge) matrix over the same genes and orientation, usually from :func:`bengrn.align`.
    genes
        Gene symbols of the rows/columns; needed when ``tf_only`` is a list of names.
    tf_only
        Restrict regulators (rows) to these genes: a list of names (matched upper-cased against ``genes``) or a
        boolean mask over genes. ``None`` = every gene is a possible regulator.
    self_loops
        Include the pairs (i, i) in the universe (default: excluded).
    transpose
        Score ``network.T`` instead of ``network`` (scPRINT does this for OmniPath); the truth is not transposed.

    Returns
    -------
    dict
        ``ap``, ``auprc``, ``auprc_random``, ``auroc``, ``epr``, ``odds_ratio``, ``fisher_p``, ``precision_at_k``,
        ``recall_at_k``, ``k``, ``tp_at_k``, ``prevalence``, ``n_positives``, ``n_universe``, ``n_genes``,
        ``n_regulators``, ``n_regulators_with_edges``, ``n_targets_with_edges`` and the options used (all plain
        Python numbers). Definitions, tie rules and random-predictor values: docs/metrics.md. A perfect predictor has
        ``odds_ratio == inf``.
    """
    rk = _prepare(network, truth, genes=genes, tf_only=tf_only, self_loops=self_loops, transpose=transpose)
    above, tied, pos = _positive_groups(rk)
    out = _metrics_from_groups(above, tied, pos, rk.n_universe)
    out.update(
        n_genes=rk.n_genes,
        n_regulators=rk.n_regulators,
        n_regulators_with_edges=rk.n_regulators_with_edges,
        n_targets_with_edges=rk.n_targets_with_edges,
        self_loops=bool(self_loops),
        transpose=bool(transpose),
        tf_only=tf_only is not None,
    )
    return out


def pr_curve(
    network,
    truth,
    *,
    genes: Sequence[str] | None = None,
    tf_only=None,
    self_loops: bool = False,
    transpose: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact precision-recall curve over the evaluation universe, at every distinct score threshold.

    Same universe options as :func:`evaluate`. The output follows
    ``sklearn.metrics.precision_recall_curve(..., drop_intermediate=False)``: ``thresholds`` ascending (length m),
    ``precision`` and ``recall`` of length m + 1 where entry i is for "score >= thresholds[i]" and the last entry is
    the point (recall 0, precision 1). For a sparse network the absent entries form the threshold ``-inf``.

    Returns
    -------
    (precision, recall, thresholds)
    """
    rk = _prepare(network, truth, genes=genes, tf_only=tf_only, self_loops=self_loops, transpose=transpose)
    s = rk.sorted_scores
    if rk.excluded.size:
        # Distinct values of the universe = distinct values of s whose count exceeds the excluded count.
        vals, counts = _unique_sorted(s)
        xv, xc = _unique_sorted(rk.excluded)
        counts = counts - _count_lookup(vals, xv, xc)
        keep = counts > 0
        vals, counts = vals[keep], counts[keep]
    else:
        vals, counts = _unique_sorted(s)
    u, p = np.unique(rk.pos_scores, return_counts=True)
    pos_counts = np.zeros(vals.size, dtype=np.int64)
    if u.size:
        pos_counts[np.searchsorted(vals, u)] = p
    thresholds = vals.astype(np.float64)
    if rk.n_bottom:
        thresholds = np.concatenate([[-np.inf], thresholds])
        counts = np.concatenate([[rk.n_bottom], counts])
        pos_counts = np.concatenate([[rk.n_pos_bottom], pos_counts])
    # Cumulative from the top (highest threshold) down.
    tps = np.cumsum(pos_counts[::-1])[::-1].astype(np.float64)
    sel = np.cumsum(counts[::-1])[::-1].astype(np.float64)
    precision = np.concatenate([tps / sel, [1.0]])
    recall = np.concatenate([tps / rk.n_positives, [0.0]])
    return precision, recall, thresholds


def _unique_sorted(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values and counts of an ascending array (no re-sort)."""
    if s.size == 0:
        return s[:0], np.zeros(0, dtype=np.int64)
    starts = np.concatenate([[0], np.flatnonzero(s[1:] != s[:-1]) + 1])
    counts = np.diff(np.append(starts, s.size))
    return s[starts], counts.astype(np.int64)


def _count_lookup(vals: np.ndarray, keys: np.ndarray, key_counts: np.ndarray) -> np.ndarray:
    """Counts of ``vals`` among (keys, key_counts); keys are a subset-multiset of vals, both ascending."""
    out = np.zeros(vals.size, dtype=np.int64)
    if keys.size:
        out[np.searchsorted(vals, keys)] = key_counts
    return out
