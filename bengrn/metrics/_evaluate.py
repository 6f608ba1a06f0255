"""Public entry points :func:`evaluate` and :func:`pr_curve`: checks, one ranking, then the registered metrics."""
from __future__ import annotations

import logging
from typing import Sequence

import numpy as np

from ._flags import expected_hits_at_k, flags_for
from ._null import null_draws, summarize
from ._pr import precision_recall_curve
from ._ranking import Ranking, build_ranking, positive_groups
from ._registry import compute
from ._universe import check_universe, universe_masks
from ._validation import (
    check_gene_mask,
    check_genes,
    check_matrix,
    check_n_null,
    check_pair,
    truth_positives,
    unwrap_network,
)

logger = logging.getLogger(__name__)


def _rank(network, truth, *, universe, regulators, targets, genes, tf_only, self_loops: bool,
          transpose: bool) -> tuple[Ranking, str, int]:
    """Validate the inputs once and build the universe's ranking; also return the universe and the truth's size."""
    network, genes = unwrap_network(network, genes)
    network = check_matrix(network, "network")
    truth = check_matrix(truth, "truth")
    n = check_pair(network, truth)
    genes = check_genes(genes, n)
    universe = check_universe(universe, tf_only=tf_only, regulators=regulators, targets=targets)
    positives = truth_positives(truth)
    rows_mask, cols_mask = universe_masks(
        universe,
        n=n,
        t_rows=positives[0],
        t_cols=positives[1],
        regulators=check_gene_mask(regulators, genes, n, "regulators"),
        targets=check_gene_mask(targets, genes, n, "targets", what="target"),
        tf_only=check_gene_mask(tf_only, genes, n, "tf_only"),
        self_loops=self_loops,
    )
    rk = build_ranking(
        network, positives, n=n, rows_mask=rows_mask, cols_mask=cols_mask, self_loops=self_loops, transpose=transpose
    )
    return rk, universe, int(positives[0].size)


def evaluate(
    network,
    truth,
    *,
    universe: str | None = None,
    regulators=None,
    targets=None,
    n_null: int = 0,
    seed: int = 0,
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
        Square gene x gene scores (np.ndarray or scipy sparse), ``network[i, j]`` = regulator i -> target j, or a
        ``GRnnData`` (its ``"GRN"`` network and genes). A zero is no edge: for a sparse network, entries that are not
        stored, and stored zeros, score below every nonzero stored entry (tied at the bottom).
    truth
        Boolean (nonzero = edge) matrix over the same genes and orientation, usually from :func:`bengrn.align`.
    universe
        Which (regulator, target) pairs are scored (docs/metrics.md): ``"truth"`` (default; the truth's assayed
        ``regulators`` x measured ``targets``, or without them the rows holding a truth edge x all genes),
        ``"beeline"`` (truth regulators x truth genes), ``"tf"`` (the ``tf_only`` rows x all genes; the default when
        ``tf_only`` is given) or ``"all"``.
    regulators, targets
        The truth's protocol for ``universe="truth"``: boolean masks over genes (``stats["regulators"]`` and
        ``stats["targets"]`` of :func:`bengrn.align`) or gene names (with ``genes=``).
    n_null
        Number of label permutations of the null (0 = none); adds ``{m}_null_mean``, ``{m}_null_sd``, ``{m}_z`` and
        the empirical one-sided ``{m}_p`` for m in auprc, ap, auroc, odds_ratio, epr.
    seed
        Seed of the permutation null.
    genes
        Gene symbols of the rows/columns; needed when a gene set is given as names.
    tf_only
        Regulators of ``universe="tf"``: names (matched by ``ground_truths.ids.symbol_key`` against ``genes``) or a
        boolean mask over genes.
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
        ``n_regulators``, ``n_targets``, ``n_regulators_with_edges``, ``n_targets_with_edges``,
        ``n_truth_outside_universe``, ``expected_hits_at_k``, ``universe``, ``flags`` (list of str, see
        ``bengrn.metrics.FLAGS``), the null keys and the options used (plain Python values). Definitions, tie rules
        and random-predictor values: docs/metrics.md. A perfect predictor has ``odds_ratio == inf``.
    """
    n_null = check_n_null(n_null)
    rk, universe, n_truth = _rank(
        network, truth, universe=universe, regulators=regulators, targets=targets, genes=genes, tf_only=tf_only,
        self_loops=self_loops, transpose=transpose,
    )
    out = compute(positive_groups(rk))
    flags = flags_for(rk)
    out.update(
        prevalence=rk.n_positives / rk.n_universe,
        n_positives=rk.n_positives,
        n_universe=rk.n_universe,
        n_genes=rk.n_genes,
        n_regulators=rk.n_regulators,
        n_targets=rk.n_targets,
        n_regulators_with_edges=rk.n_regulators_with_edges,
        n_targets_with_edges=rk.n_targets_with_edges,
        n_truth_outside_universe=n_truth - rk.n_positives,
        expected_hits_at_k=expected_hits_at_k(rk),
        universe=universe,
        flags=flags,
        self_loops=bool(self_loops),
        transpose=bool(transpose),
        tf_only=tf_only is not None,
    )
    if n_null:
        out.update(summarize(out, null_draws(rk, n_null, seed)), n_null=n_null, null_seed=int(seed))
    if flags:  # in the result; the runner and scorer warn once per run, naming method, truth and dataset
        logger.info("universe %r (%d truth edges): %s", universe, rk.n_positives, ", ".join(flags))
    if return_curve:
        return out, precision_recall_curve(rk)
    return out


def pr_curve(
    network,
    truth,
    *,
    universe: str | None = None,
    regulators=None,
    targets=None,
    genes: Sequence[str] | None = None,
    tf_only=None,
    self_loops: bool = False,
    transpose: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact precision-recall curve over the evaluation universe, at every distinct score threshold.

    Same universe options as :func:`evaluate` (``evaluate(..., return_curve=True)`` gives both from one sort). The
    output follows ``sklearn.metrics.precision_recall_curve(..., drop_intermediate=False)``: ``thresholds`` ascending
    (length m), ``precision`` and ``recall`` of length m + 1 where entry i is for "score >= thresholds[i]" and the
    last entry is the point (recall 0, precision 1). For a sparse network the absent entries form the threshold
    ``-inf``.

    Returns
    -------
    (precision, recall, thresholds)
    """
    rk, _, _ = _rank(
        network, truth, universe=universe, regulators=regulators, targets=targets, genes=genes, tf_only=tf_only,
        self_loops=self_loops, transpose=transpose,
    )
    return precision_recall_curve(rk)
