"""Top-K family with K = P (the number of truth edges): expected hits, precision/recall at K, EPR, odds ratio, Fisher.

Ties at the K-th score are resolved by the expectation over uniformly random orderings of the tied entries.
"""
from __future__ import annotations

import numpy as np

from ._ranking import Groups


def k(g: Groups) -> int:
    """K = P, the number of truth edges in the universe."""
    return g.n_positives


def tp_at_k(g: Groups) -> float:
    """Expected number of positives among the top K entries."""
    K = g.n_positives
    in_tie = (g.above < K) & (K <= g.ge)
    if in_tie.any():
        j = int(np.flatnonzero(in_tie)[0])
        return float(g.tp_gt[j] + (K - g.above[j]) * g.pos[j] / g.tied[j])
    strictly_above = np.flatnonzero(g.ge < K)
    return float(g.tp_ge[strictly_above[-1]]) if strictly_above.size else 0.0


def precision_at_k(g: Groups) -> float:
    return tp_at_k(g) / g.n_positives


def recall_at_k(g: Groups) -> float:
    return tp_at_k(g) / g.n_positives


def epr(g: Groups) -> float:
    """BEELINE's early precision ratio: precision at K over the prevalence."""
    return precision_at_k(g) / g.prevalence


def _table(g: Groups) -> tuple[float, float, float, float]:
    """(TP, FP, FN, TN) of the top-K prediction set."""
    tp = tp_at_k(g)
    K = P = g.n_positives
    fp = K - tp
    fn = P - tp
    return tp, fp, fn, g.n_universe - K - fn


def odds_ratio(g: Groups) -> float:
    """Diagnostic odds ratio at K, ``TP TN / (FP FN)`` (the scPRINT paper's "EPR"); inf when FP FN = 0 < TP TN."""
    tp, fp, fn, tn = _table(g)
    if fp * fn > 0:
        return float((tp * tn) / (fp * fn))
    return float("inf") if tp * tn > 0 else float("nan")


def fisher_p(g: Groups) -> float:
    """One-sided Fisher exact p of the top-K table, P(X >= TP) for X ~ Hypergeom(N, P, K).

    TP is rounded to the nearest integer (halves down, the conservative side); the margins are exact.
    """
    # scipy.stats costs ~0.4 s of import time and is needed by this one function only.
    from scipy.stats import hypergeom

    N, P = g.n_universe, g.n_positives
    tp_int = int(np.ceil(tp_at_k(g) - 0.5))
    return float(min(1.0, max(0.0, hypergeom.sf(tp_int - 1, N, P, P))))
