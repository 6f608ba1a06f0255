"""Exact network metrics against a reference network (definitions: docs/metrics.md).

Conventions
-----------
``network[i, j]`` scores the edge regulator i -> target j (rows = sources); ``truth`` is a boolean matrix over the same
genes in the same orientation. The *evaluation universe* is the set of ordered pairs (regulator, target) scored:
``truth`` (the truth's assayed regulators x measured targets, the default), ``beeline``, ``tf`` or ``all``, without
self-loops unless ``self_loops=True``. Every metric, its null and its flags are computed over exactly this universe.

Ties are handled exactly: precision-recall and ROC quantities are evaluated at distinct score thresholds (like
scikit-learn), and top-K quantities take the expectation over the tied entries at the K-th score, so no result depends
on array order. A zero is no edge: for a scipy sparse network, entries that are not stored (and stored zeros) score
below every nonzero stored entry (all tied).

Layout (after scikit-learn's ``metrics/_ranking.py`` and decoupler's ``bm/metric``):

- ``_validation``: one check per input kind;
- ``_ranking``: the core - the universe's scores sorted once, the positives' groups;
- ``_pr`` (ap, auprc, PR curve), ``_roc`` (auroc), ``_topk`` (epr, odds ratio, Fisher p, precision/recall at K);
- ``_registry``: ``METRICS``, metric name -> function of the groups;
- ``_universe``: the evaluation universes (``truth``, ``beeline``, ``tf``, ``all``);
- ``_null``: the permutation null over the fixed ranking; ``_flags``: when a result cannot support a verdict;
- ``_evaluate``: the public :func:`evaluate` and :func:`pr_curve`.
"""
from __future__ import annotations

from ._evaluate import evaluate, pr_curve
from ._flags import FLAGS
from ._null import NULL_METRICS
from ._registry import METRICS
from ._universe import UNIVERSES

__all__ = ["FLAGS", "METRICS", "NULL_METRICS", "UNIVERSES", "evaluate", "pr_curve"]
