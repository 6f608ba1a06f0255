"""grnndata.toy: deterministic, documented toy data whose planted edges are recoverable from the counts."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.metrics import roc_auc_score

import ground_truths as gt
from grnndata import GRnnData
from grnndata.toy import toy


def _log_normalise(counts: np.ndarray) -> np.ndarray:
    totals = counts.sum(axis=1, keepdims=True)
    return np.log1p(counts / np.where(totals > 0, totals, 1) * 1e4)


def _pearson_brute_force(x: np.ndarray, i: int, j: int) -> float:
    a, b = x[:, i] - x[:, i].mean(), x[:, j] - x[:, j].mean()
    return float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum()))


def _auroc_brute_force(pos: np.ndarray, neg: np.ndarray) -> float:
    """Mann-Whitney: share of (positive, negative) pairs ranked correctly, ties count one half."""
    wins = sum(float((p > neg).sum() + 0.5 * (p == neg).sum()) for p in pos)
    return wins / (len(pos) * len(neg))


def test_shapes_counts_and_contract_attrs():
    t = toy(n_cells=120, n_genes=30, n_regulators=5, n_edges=25, seed=3)
    assert t.adata.shape == (120, 30) and sp.issparse(t.adata.X)
    x = t.adata.X.toarray()
    assert np.array_equal(x, np.round(x)) and x.min() >= 0 and x.sum(axis=0).min() > 0  # raw counts, no empty gene
    assert list(t.adata.var_names[:5]) == ["SOX2", "POU5F1", "NANOG", "KLF4", "MYC"]
    assert t.adata.var_names.is_unique and int(t.adata.var["is_regulator"].sum()) == 5
    assert list(t.truth.columns) == ["source", "target", "weight"] and len(t.truth) == 25
    assert set(t.truth["source"]) <= set(t.adata.var_names[:5])
    assert not (t.truth["source"] == t.truth["target"]).any()
    assert not t.truth.duplicated(["source", "target"]).any()
    protocol, context = t.truth.attrs["protocol"], t.truth.attrs["context"]
    assert protocol["regulators"] == list(t.adata.var_names[:5]) and protocol["targets"] is None
    assert set(protocol) == {"name", "regulators", "targets", "description"}
    assert context == {"organism": "human", "cell_line": None, "cell_type": "toy"}
    assert t.adata.uns["dataset"]["context"] == context
    assert isinstance(t.network, GRnnData) and t.network.n_obs == 120
    dense = t.network.network().toarray()
    pos = {g: k for k, g in enumerate(t.adata.var_names)}
    for s, g, w in t.truth.itertuples(index=False):  # the planted network holds exactly the truth's edges
        assert dense[pos[s], pos[g]] == w
    assert np.count_nonzero(dense) == len(t.truth)


def test_gene_names_look_like_symbols_and_regulators_are_tfs():
    t = toy(n_genes=300, n_regulators=20, n_edges=100, seed=0)
    genes = t.adata.var_names
    assert (gt.classify_ids(genes) != "uniprot").all() and gt.normalize_symbols(genes).tolist() == list(genes)
    tfs = set(gt.tf_list("human"))
    assert set(genes[:20]) <= tfs and not set(genes[20:]) & tfs
    mouse = toy(n_genes=30, n_regulators=3, n_edges=10, organism="mouse")
    assert list(mouse.adata.var_names[:3]) == ["Sox2", "Pou5f1", "Nanog"]
    assert mouse.truth.attrs["context"]["organism"] == "mouse"


def test_deterministic_for_a_seed():
    a, b, c = toy(seed=11), toy(seed=11), toy(seed=12)
    assert (a.adata.X != b.adata.X).nnz == 0
    pd.testing.assert_frame_equal(a.truth, b.truth)
    assert (a.adata.X != c.adata.X).nnz > 0
    assert not a.truth[["source", "target"]].equals(c.truth[["source", "target"]])


def test_planted_edges_are_recoverable_by_correlation():
    t = toy(n_cells=300, n_genes=40, n_regulators=6, n_edges=40, seed=0)
    x = _log_normalise(t.adata.X.toarray().astype(np.float64))
    n_reg, n_genes = 6, x.shape[1]
    corr = np.abs(np.corrcoef(x, rowvar=False))[:n_reg]  # vectorised
    for i, j in [(0, 7), (2, 30), (5, 6)]:  # spot-check against a brute-force Pearson
        assert corr[i, j] == pytest.approx(abs(_pearson_brute_force(x, i, j)), abs=1e-10)
    labels = t.network.network().toarray()[:n_reg] != 0
    off_diagonal = np.ones((n_reg, n_genes), dtype=bool)
    off_diagonal[np.arange(n_reg), np.arange(n_reg)] = False
    scores, y = corr[off_diagonal], labels[off_diagonal]
    auroc = _auroc_brute_force(scores[y], scores[~y])
    assert auroc == pytest.approx(roc_auc_score(y, scores))
    assert auroc > 0.85  # chance is 0.5
    # the same scores against a shuffled truth are at chance (the signal is the planted edges, not the ranking)
    rng = np.random.default_rng(1)
    nulls = [roc_auc_score(rng.permutation(y), scores) for _ in range(50)]
    assert abs(np.mean(nulls) - 0.5) < 0.05 and auroc > np.max(nulls)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="n_edges=999 exceeds"):
        toy(n_genes=10, n_regulators=2, n_edges=999)
    with pytest.raises(ValueError, match="n_regulators=11 exceeds n_genes=10"):
        toy(n_genes=10, n_regulators=11)
    with pytest.raises(ValueError, match="organism"):
        toy(organism="fly")
    with pytest.raises(ValueError, match="n_cells must be an integer"):
        toy(n_cells=2.5)
