"""AUPRC as the scPRINT paper defines it (docs/metrics.md): hand-computed cases, and truncation never pays."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from bengrn import evaluate

# The 12 ordered pairs of 4 genes without self-loops, row-major: the universe 'all' of the hand examples.
OFF_DIAGONAL = [(i, j) for i in range(4) for j in range(4) if i != j]


def matrices(scores, labels, sparse=False):
    """(network, truth) over 4 genes from per-pair scores (None = not stored) and labels."""
    net = np.zeros((4, 4))
    truth = np.zeros((4, 4), dtype=bool)
    for (i, j), s, y in zip(OFF_DIAGONAL, scores, labels):
        net[i, j] = 0.0 if s is None else s
        truth[i, j] = y
    return (sp.csr_matrix(net) if sparse else net), sp.csr_matrix(truth)


def test_hand_example_with_an_absent_block():
    """Stored: 0.9 (edge), 0.8 (no edge), 0.7 (edge); the third edge and 8 non-edges are absent. P = 3, N = 12.

    Points (recall, precision): start (0, 1); 0.9 -> (1/3, 1); 0.8 -> (1/3, 1/2); 0.7 -> (2/3, 2/3).
    AUPRC = 1/3 * 1 + 0 + 1/3 * (1/2 + 2/3) / 2 + (1 - 2/3) * 1/4 = 12/36 + 7/36 + 3/36 = 11/18
    (the old closure, a trapezoid from (2/3, 2/3) to (1, 1/4), gave 49/72). AP = 1/3 + 1/3 * 2/3 + 1/3 * 1/4 = 23/36.
    """
    scores = [0.9, 0.8, 0.7] + [None] * 9
    labels = [1, 0, 1, 1] + [0] * 8
    res = evaluate(*matrices(scores, labels, sparse=True), universe="all")
    assert (res["n_universe"], res["n_positives"]) == (12, 3)
    assert res["auprc"] == pytest.approx(11 / 18, rel=1e-12)
    assert res["ap"] == pytest.approx(23 / 36, rel=1e-12)


def test_hand_example_with_internal_ties():
    """Dense, three tied levels: 3 (2 entries, 1 edge), 2 (3 entries, 2 edges), 1 (7 entries, 1 edge). P = 4, N = 12.

    Points: start (0, 1/2); level 3 -> (1/4, 1/2); level 2 -> (3/4, 3/5), the tie entering as one straight segment;
    level 1 is the bottom tie. AUPRC = 1/4 * 1/2 + 1/2 * (1/2 + 3/5) / 2 + 1/4 * 1/3 = 1/8 + 11/40 + 1/12 = 29/60
    (old closure: 31/60). AP = 1/4 * 1/2 + 1/2 * 3/5 + 1/4 * 1/3 = 61/120.
    """
    scores = [3, 3, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1]
    labels = [1, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0]
    res = evaluate(*matrices(scores, labels), universe="all")
    assert res["auprc"] == pytest.approx(29 / 60, rel=1e-12)
    assert res["ap"] == pytest.approx(61 / 120, rel=1e-12)
    # The bottom tie of a dense network and the absent block of a sparse one are the same thing.
    sparse = evaluate(*matrices([None if s == 1 else s for s in scores], labels, sparse=True), universe="all")
    assert sparse["auprc"] == pytest.approx(29 / 60, rel=1e-12)


@pytest.mark.parametrize("seed", range(12))
def test_a_truncated_informative_network_never_scores_above_its_dense_ranking(seed):
    rng = np.random.default_rng(seed)
    n = 120
    truth = sp.csr_matrix(rng.random((n, n)) < rng.uniform(0.01, 0.1))
    net = rng.normal(size=(n, n)) + rng.uniform(0.5, 3.0) * truth.toarray()
    net -= net.min() - 1.0  # positive scores, so a truncated copy stores exactly its top entries
    dense = evaluate(net, truth, universe="all")
    for q in (0.005, 0.01, 0.05, 0.2, 0.5, 0.9):
        kept = sp.csr_matrix(np.where(net >= np.quantile(net, 1 - q), net, 0.0))
        trunc = evaluate(kept, truth, universe="all")
        assert trunc["auprc"] <= dense["auprc"] + 1e-12, q
        assert trunc["ap"] <= dense["ap"] + 1e-12, q


def test_dense_continuous_networks_keep_their_value():
    """Only a truth edge on the single lowest score changes a continuous network's AUPRC, by about 1 / (2 P N)."""
    rng = np.random.default_rng(3)
    n = 80
    truth = rng.random((n, n)) < 0.05
    net = rng.normal(size=(n, n)) + truth
    off = ~np.eye(n, dtype=bool)
    lowest = np.unravel_index(np.argmin(np.where(off, net, np.inf)), net.shape)
    for label in (False, True):  # the lowest entry of the universe a non-edge, then an edge
        truth[lowest] = label
        res = evaluate(net, sp.csr_matrix(truth), universe="all")
        y, s = truth[off], net[off]
        order = np.argsort(-s)
        tp = np.cumsum(y[order])
        precision, recall = tp / np.arange(1, y.size + 1), tp / y.sum()
        p = np.concatenate([[precision[0]], precision])
        r = np.concatenate([[0.0], recall])
        trapezoid = float(np.sum(np.diff(r) * (p[1:] + p[:-1]) / 2))  # interpolated all the way
        P, N = y.sum(), y.size
        assert abs(res["auprc"] - trapezoid) <= (1 / (2 * P * N) if label else 1e-14)
