"""The metric registry: name -> function of the positives' :class:`~bengrn.metrics._ranking.Groups`.

:func:`bengrn.metrics.evaluate` reports every entry, in this order; a new metric is one function and one line here.
"""
from __future__ import annotations

from typing import Callable

from . import _pr, _roc, _topk
from ._ranking import Groups

METRICS: dict[str, Callable[[Groups], float]] = {
    "ap": _pr.ap,
    "auprc": _pr.auprc,
    "auprc_random": _pr.auprc_random,
    "auroc": _roc.auroc,
    "epr": _topk.epr,
    "odds_ratio": _topk.odds_ratio,
    "fisher_p": _topk.fisher_p,
    "precision_at_k": _topk.precision_at_k,
    "recall_at_k": _topk.recall_at_k,
    "k": _topk.k,
    "tp_at_k": _topk.tp_at_k,
}


def compute(g: Groups, names=None) -> dict:
    """``{name: METRICS[name](g)}`` for ``names`` (default: every registered metric)."""
    return {name: METRICS[name](g) for name in (METRICS if names is None else names)}
