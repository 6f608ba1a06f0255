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

Layout (after scikit-learn's ``metrics/_ranking.py`` and decoupler's ``bm/metric``):

- ``_validation``: one check per input kind;
- ``_ranking``: the core - the universe's scores sorted once, the positives' groups;
- ``_pr`` (ap, auprc, PR curve), ``_roc`` (auroc), ``_topk`` (epr, odds ratio, Fisher p, precision/recall at K);
- ``_registry``: ``METRICS``, metric name -> function of the groups;
- ``_evaluate``: the public :func:`evaluate` and :func:`pr_curve`.
"""
from __future__ import annotations

from ._evaluate import evaluate, pr_curve
from ._registry import METRICS

__all__ = ["METRICS", "evaluate", "pr_curve"]
