"""Precision-recall family: average precision, AUPRC (the paper's trapezoid) and the exact precision-recall curve."""
from __future__ import annotations

import numpy as np

from ._ranking import Groups, Ranking, distinct_levels


def ap(g: Groups) -> float:
    """Step-wise average precision (scikit-learn's): recall only increases at thresholds holding positives."""
    return float(np.sum(g.pos * g.precision) / g.n_positives)


def auprc(g: Groups) -> float:
    """Trapezoidal area under the exact PR curve, the scPRINT paper's rule (Methods, "BenGRN and gene network metrics").

    Points at every distinct threshold, started at (recall 0, precision of the first threshold); only segments ending at
    a threshold holding positives change recall, and the point before threshold ``u`` is the next higher distinct score
    (all ``above`` entries selected), or the start point when nothing scores above ``u``. The lowest threshold of the
    universe (the absent block of a sparse network, the bottom tie of a dense one) is not interpolated: the floor is the
    prevalence line, so its recall gain counts at the prevalence, ``(1 - recall_last) * prevalence``.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        prev_prec = np.where(g.above > 0, g.tp_gt / np.maximum(g.above, 1), g.precision)
    height = np.where(g.ge >= g.n_universe, g.prevalence, (g.precision + prev_prec) / 2.0)
    return float(np.sum((g.pos / g.n_positives) * height))


def auprc_random(g: Groups) -> float:
    """The area under the prevalence line (a random predictor's AUPRC)."""
    return g.prevalence


def precision_recall_curve(rk: Ranking) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(precision, recall, thresholds)`` as ``sklearn.metrics.precision_recall_curve(drop_intermediate=False)``."""
    thresholds, counts, pos_counts = distinct_levels(rk)
    # Cumulative from the top (highest threshold) down.
    tps = np.cumsum(pos_counts[::-1])[::-1].astype(np.float64)
    sel = np.cumsum(counts[::-1])[::-1].astype(np.float64)
    precision = np.concatenate([tps / sel, [1.0]])
    recall = np.concatenate([tps / rk.n_positives, [0.0]])
    return precision, recall, thresholds
