"""Evaluation universes (truth / beeline / tf / all) against a brute-force construction of their pair sets, the
GRnnData input, flags, and the truth protocol masks of bengrn.align."""
from __future__ import annotations

import itertools

import anndata
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.metrics import average_precision_score, roc_auc_score

import grnndata
from bengrn import align, evaluate
from bengrn.metrics import FLAGS


def planted(seed: int, n: int = 24, density: float = 0.08, sparse_net: bool = False):
    """Noisy scores with a boost on the truth's edges; the truth's rows are a random subset of the genes."""
    rng = np.random.default_rng(seed)
    regs = rng.random(n) < 0.4
    regs[:2] = True
    truth = (rng.random((n, n)) < density) & regs[:, None]
    truth[0, 1] = True
    net = np.round(rng.random((n, n)) + 0.5 * truth, 2)  # ties
    if sparse_net:
        net = sp.csr_matrix(np.where(rng.random((n, n)) < 0.5, net + 1.0, 0.0))
    return net, sp.csr_matrix(truth), rng


def pairs_of(universe, genes, T, *, regulators=None, targets=None, tfs=None):
    """The universe's pairs of gene names, built from sets the way each definition reads (self-loops excluded)."""
    edges = {(genes[i], genes[j]) for i, j in zip(*np.nonzero(T)) if i != j}
    sources = {a for a, _ in edges}
    if universe == "all":
        rows, cols = set(genes), set(genes)
    elif universe == "tf":
        rows, cols = set(tfs), set(genes)
    elif universe == "beeline":  # BEELINE computeEarlyPrec, TFEdges=True: product(set(Gene1), uniqueNodes)
        rows, cols = sources, {g for e in edges for g in e}
    else:
        rows = sources if regulators is None else set(regulators)
        cols = set(genes) if targets is None else set(targets)
        if regulators is None and targets is not None:
            rows = {a for a, b in edges if b in cols}
    return {(a, b) for a, b in itertools.product(rows, cols) if a != b}


def labels_scores(pairs, genes, T, S):
    pos = {g: i for i, g in enumerate(genes)}
    ordered = sorted(pairs)
    y = np.array([bool(T[pos[a], pos[b]]) for a, b in ordered])
    s = np.array([S[pos[a], pos[b]] for a, b in ordered])
    return y, s


def dense_scores(net):
    if sp.issparse(net):
        coo = sp.coo_matrix(net)
        out = np.full(net.shape, coo.data.min() - 1.0)
        out[coo.row, coo.col] = coo.data
        return out
    return net


@pytest.mark.parametrize("sparse_net", [False, True], ids=["dense", "sparse"])
@pytest.mark.parametrize("transpose", [False, True], ids=["plain", "transposed"])
@pytest.mark.parametrize(
    "universe, with_masks",
    [("truth", False), ("truth", True), ("truth", "targets only"), ("beeline", False), ("tf", False), ("all", False)],
)
def test_universes_match_bruteforce_pair_sets(universe, with_masks, transpose, sparse_net):
    for seed in range(3):
        net, truth, rng = planted(seed, sparse_net=sparse_net)
        n = truth.shape[0]
        genes = [f"G{i}" for i in range(n)]
        T = truth.toarray()
        kwargs, ref = {}, {}
        if universe == "tf":
            tfs = [g for g, keep in zip(genes, rng.random(n) < 0.5) if keep] + ["G0"]
            kwargs, ref = dict(tf_only=tfs, genes=genes), dict(tfs=tfs)
        if with_masks:
            reg_mask = (rng.random(n) < 0.5) | T.any(axis=1)  # assayed regulators: some have no edge at all
            tgt_mask = rng.random(n) < 0.7
            tgt_mask[1] = True
            if with_masks == "targets only":
                kwargs, ref = dict(targets=tgt_mask), dict(targets=np.array(genes)[tgt_mask])
            else:
                kwargs = dict(regulators=np.array(genes)[reg_mask], targets=tgt_mask, genes=genes)
                ref = dict(regulators=np.array(genes)[reg_mask], targets=np.array(genes)[tgt_mask])
        res = evaluate(net, truth, universe=universe, transpose=transpose, **kwargs)
        pairs = pairs_of(universe, genes, T, **ref)
        S = dense_scores(net).T if transpose else dense_scores(net)
        y, s = labels_scores(pairs, genes, T, S)
        assert res["universe"] == universe
        assert res["n_universe"] == len(pairs)
        assert res["n_positives"] == y.sum()
        assert res["n_regulators"] == len({a for a, _ in pairs})
        assert res["n_targets"] == len({b for _, b in pairs})
        assert res["n_truth_outside_universe"] == T.sum() - y.sum()
        assert res["ap"] == pytest.approx(average_precision_score(y, s), rel=1e-10)
        assert res["auroc"] == pytest.approx(roc_auc_score(y, s), rel=1e-10)
        assert res["expected_hits_at_k"] == pytest.approx(y.sum() ** 2 / y.size, rel=1e-12)


def test_default_universe_is_truth_and_tf_only_means_tf():
    net, truth, _ = planted(5)
    genes = [f"G{i}" for i in range(truth.shape[0])]
    assert evaluate(net, truth) == evaluate(net, truth, universe="truth")
    assert evaluate(net, truth, tf_only=genes[:6], genes=genes) == evaluate(
        net, truth, universe="tf", tf_only=genes[:6], genes=genes
    )


def test_universe_argument_errors():
    net, truth, _ = planted(1)
    mask = np.ones(truth.shape[0], dtype=bool)
    with pytest.raises(ValueError, match="universe must be one of"):
        evaluate(net, truth, universe="tfs")
    with pytest.raises(ValueError, match="needs tf_only"):
        evaluate(net, truth, universe="tf")
    with pytest.raises(ValueError, match="universe='tf'"):
        evaluate(net, truth, universe="beeline", tf_only=mask)
    with pytest.raises(ValueError, match="universe='truth'"):
        evaluate(net, truth, universe="all", regulators=mask)
    with pytest.raises(ValueError, match="regulators selects no regulator"):
        evaluate(net, truth, regulators=~mask)
    with pytest.raises(ValueError, match="n_null must be an integer"):
        evaluate(net, truth, n_null=-1)


def test_grnndata_input_uses_its_grn_network_and_genes():
    net, truth, _ = planted(2)
    genes = [f"G{i}" for i in range(truth.shape[0])]
    grn = grnndata.GRnnData(networks=net, genes=genes)
    tfs = genes[::2]
    assert evaluate(grn, truth, tf_only=tfs) == evaluate(net, truth, tf_only=tfs, genes=genes)
    with pytest.raises(ValueError, match="differs from the GRnnData"):
        evaluate(grn, truth, genes=genes[::-1])
    empty = grnndata.GRnnData(networks={"other": net}, genes=genes)
    with pytest.raises(ValueError, match="no 'GRN' network"):
        evaluate(empty, truth)
    with pytest.raises(TypeError, match=r"wrap it as grnndata.GRnnData\(adata\)"):
        evaluate(anndata.AnnData(var=pd.DataFrame(index=genes)), truth)


def test_flags_fire_on_a_three_edge_benchmark():
    """3 truth edges from one regulator among 500 genes: every flag fires, and a 400-edge benchmark has none."""
    rng = np.random.default_rng(0)
    n = 500
    net = rng.random((n, n))
    truth = sp.csr_matrix(([True] * 3, ([7, 7, 7], [1, 2, 3])), shape=(n, n))
    res = evaluate(net, truth, universe="all")
    assert res["flags"] == ["few_truth_edges", "few_regulators", "few_expected_hits"]
    assert res["expected_hits_at_k"] == pytest.approx(9 / (n * n - n))
    assert set(res["flags"]) <= set(FLAGS)
    # Universe 'truth' (row 7 only): 3 edges, 1 regulator, 9 / 499 expected hits.
    assert evaluate(net, truth)["flags"] == ["few_truth_edges", "few_regulators", "few_expected_hits"]
    big = sp.csr_matrix(rng.random((60, 60)) < 0.15)  # ~530 edges over 60 regulators: ~80 expected hits at K
    res = evaluate(rng.random((60, 60)), big, universe="all")
    assert res["n_positives"] > 100 and res["n_regulators_with_edges"] == 60 and res["flags"] == []


# ---------------------------------------------------------------------------------------------------------------------
# bengrn.align: the truth's protocol as masks over the network's genes
# ---------------------------------------------------------------------------------------------------------------------
def test_align_protocol_masks():
    genes = ["SOX2", "Pou5f1", "NANOG", "GATA6", "MYC", "KLF4"]
    edges = pd.DataFrame(
        {"source": ["SOX2", "POU5F1", "NANOG", "GATA6", "MYC"], "target": ["NANOG", "sox2", "MYC", "GATA6", "KLF4"]}
    )
    truth, stats = align(edges, genes)  # no protocol: regulators with an aligned edge to another gene, all targets
    assert stats["regulators"].tolist() == [True, True, True, False, True, False]  # GATA6 has a self-loop only
    assert stats["targets"].all() and stats["protocol"] is None
    assert stats["n_edges_outside_protocol"] == 1  # the GATA6 self-loop
    edges.attrs["protocol"] = {
        "name": "assayed", "regulators": ["sox2", "NANOG", "KLF4"], "targets": ["NANOG", "SOX2", "KLF4", "GATA6"],
        "description": "toy",
    }
    _, stats = align(edges, genes)
    assert stats["regulators"].tolist() == [True, False, True, False, False, True]
    assert stats["targets"].tolist() == [True, False, True, True, False, True]
    assert (stats["n_protocol_regulators"], stats["n_protocol_targets"]) == (3, 4)
    # inside: SOX2->NANOG; outside: POU5F1->SOX2 (regulator), NANOG->MYC (target), GATA6 self-loop, MYC->KLF4
    assert stats["n_edges_outside_protocol"] == 4 and stats["protocol"] == "assayed"
    res = evaluate(np.arange(36.0).reshape(6, 6), truth, regulators=stats["regulators"], targets=stats["targets"])
    assert res["n_positives"] == 1 and res["n_universe"] == 3 * 4 - 3  # SOX2, NANOG, KLF4 are also targets
    assert res["n_truth_outside_universe"] == 4


def test_toy_truth_protocol_end_to_end():
    """grnndata.toy: its truth's protocol (every regulator assayed, every gene a target) becomes the 'truth' universe;
    the planted network is perfect there, and a correlation network stands far above its permutation null."""
    from grnndata.toy import toy

    t = toy(n_cells=300, n_genes=60, n_regulators=8, n_edges=90, seed=1)
    genes = t.adata.var_names
    truth, stats = align(t.truth, genes)
    assert stats["regulators"].tolist() == t.adata.var["is_regulator"].tolist()
    assert stats["targets"].all() and stats["n_edges_outside_protocol"] == 0
    masks = dict(regulators=stats["regulators"], targets=stats["targets"])
    res = evaluate(t.network, truth, **masks)
    assert (res["n_regulators"], res["n_targets"], res["n_universe"]) == (8, 60, 8 * 60 - 8)
    assert res["ap"] == 1.0 and res["auprc"] == 1.0 and res["n_truth_outside_universe"] == 0
    x = np.log1p(t.adata.X.toarray())
    corr = np.abs(np.corrcoef(x.T))
    res = evaluate(corr, truth, n_null=200, seed=0, **masks)
    assert res["auprc_z"] > 3 and res["auprc_p"] == pytest.approx(1 / 201)
    assert res["auprc"] > res["auprc_null_mean"] + 3 * res["auprc_null_sd"]
