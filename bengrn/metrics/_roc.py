"""ROC family: the area under the ROC curve (Mann-Whitney U with half credit for ties)."""
from __future__ import annotations

import numpy as np

from ._ranking import Groups


def auroc(g: Groups) -> float:
    """``P(score(pos) > score(neg)) + 0.5 P(score(pos) = score(neg))``; NaN without negatives."""
    P = g.n_positives
    n_neg = g.n_universe - P
    if n_neg <= 0:
        return float("nan")
    neg_above = g.above - g.tp_gt
    neg_tied = g.tied - g.pos
    neg_below = n_neg - neg_above - neg_tied
    return float(np.sum(g.pos * (neg_below + 0.5 * neg_tied)) / (P * n_neg))
