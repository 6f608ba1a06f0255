"""Public entry points :func:`evaluate` and :func:`pr_curve`: checks, one ranking, then the registered metrics."""
from __future__ import annotations

import logging
from typing import Sequence

import numpy as np

from ._pr import precision_recall_curve
from ._ranking import Ranking, build_ranking, positive_groups
from ._registry import compute
from ._validation import check_gene_mask, check_genes, check_matrix, check_pair

logger = logging.getLogger(__name__)


def _rank(network, truth, *, genes, tf_only, self_loops: bool, transpose: bool) -> Ranking:
    """Validate the inputs once and build the universe's ranking."""
    network = check_matrix(network, "network")
    truth = check_matrix(truth, "truth")
    n = check_pair(network, truth)
    genes = check_genes(genes, n)
    rows_mask = check_gene_mask(tf_only, genes, n, "tf_only")
    return build_ranking(
        network, truth, n=n, rows_mask=rows_mask, cols_mask=None, self_loops=self_loops, transpose=transpose
    )


def evaluate(
    network,
    truth,
    *,
    genes: Sequence[str] | None = None,
    tf_only=None,
    self_loops: bool = False,
    transpose: bool = False,
    return_curve: bool = False,
):
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
        Restrict regulators (rows) to these genes: a list of names (matched by ``ground_truths.ids.symbol_key``
        against ``genes``) or a boolean mask over genes. ``None`` = every gene is a possible regulator.
    self_loops
        Include the pairs (i, i) in the universe (default: excluded).
    transpose
        Score ``network.T`` instead of ``network`` (scPRINT does this for OmniPath); the truth is not transposed.
    return_curve
        Also return the exact precision-recall curve (as :func:`pr_curve`), from the same single sort.

    Returns
    -------
    dict, or (dict, (precision, recall, thresholds)) with ``return_curve``
        ``ap``, ``auprc``, ``auprc_random``, ``auroc``, ``epr``, ``odds_ratio``, ``fisher_p``, ``precision_at_k``,
        ``recall_at_k``, ``k``, ``tp_at_k``, ``prevalence``, ``n_positives``, ``n_universe``, ``n_genes``,
        ``n_regulators``, ``n_regulators_with_edges``, ``n_targets_with_edges`` and the options used (all plain
        Python numbers). Definitions, tie rules and random-predictor values: docs/metrics.md. A perfect predictor has
        ``odds_ratio == inf``.
    """
    rk = _rank(network, truth, genes=genes, tf_only=tf_only, self_loops=self_loops, transpose=transpose)
    out = compute(positive_groups(rk))
    out.update(
        prevalence=rk.n_positives / rk.n_universe,
        n_positives=rk.n_positives,
        n_universe=rk.n_universe,
        n_genes=rk.n_genes,
        n_regulators=rk.n_regulators,
        n_regulators_with_edges=rk.n_regulators_with_edges,
        n_targets_with_edges=rk.n_targets_with_edges,
        self_loops=bool(self_loops),
        transpose=bool(transpose),
        tf_only=tf_only is not None,
    )
    if return_curve:
        return out, precision_recall_curve(rk)
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
    rk = _rank(network, truth, genes=genes, tf_only=tf_only, self_loops=self_loops, transpose=transpose)
    return precision_recall_curve(rk)
