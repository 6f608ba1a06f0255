"""bengrn.metrics against independent references: scikit-learn, brute-force universes and hand-derived values."""
from __future__ import annotations

import contextlib
import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.stats import fisher_exact
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score

from bengrn.metrics import evaluate, pr_curve


# ----------------------------------------------------------------------------------------------------------------------
# Brute-force reference: build the universe explicitly with Python-level masks.
# ----------------------------------------------------------------------------------------------------------------------
def dense_scores(network) -> np.ndarray:
    """Dense float scores; absent sparse entries get a value below every stored one (as documented)."""
    if sp.issparse(network):
        coo = sp.coo_matrix(network)
        coo.sum_duplicates()
        dense = np.full(coo.shape, float(coo.data.min()) - 1.0)
        dense[coo.row, coo.col] = coo.data
        return dense
    return np.asarray(network, dtype=float)


def universe(network, truth, *, reg_mask=None, self_loops=False, transpose=False):
    """(labels, scores) of the universe, enumerated pair by pair."""
    S = dense_scores(network)
    if transpose:
        S = S.T
    T = truth.toarray() if sp.issparse(truth) else np.asarray(truth)
    n = S.shape[0]
    y, s = [], []
    for i in range(n):
        if reg_mask is not None and not reg_mask[i]:
            continue
        for j in range(n):
            if i == j and not self_loops:
                continue
            y.append(bool(T[i, j]))
            s.append(S[i, j])
    return np.array(y), np.array(s)


def ref_auprc(y, s):
    """Trapezoid over sklearn's exact PR points, started at (recall 0, precision of the first threshold); the last
    step, into the lowest threshold (absent block / bottom tie), is not interpolated: it counts at the prevalence."""
    p, r, _ = precision_recall_curve(y, s)
    p, r = p[:-1][::-1], r[:-1][::-1]  # drop sklearn's (0, 1) point; order by decreasing threshold
    p = np.concatenate([[p[0]], p])
    r = np.concatenate([[0.0], r])
    heights = (p[1:] + p[:-1]) / 2
    heights[-1] = y.mean()
    return float(np.sum(np.diff(r) * heights))


def ref_topk(y, s):
    """Expected TP among the top K=P when ties are broken uniformly at random (per-entry inclusion probability)."""
    K = int(y.sum())
    gt = np.array([(s > v).sum() for v in s])
    eq = np.array([(s == v).sum() for v in s])
    incl = np.clip((K - gt) / eq, 0.0, 1.0)
    return float(incl[y].sum())


def random_case(seed, n=17, tied=False, sparse_net=False, density=0.15):
    rng = np.random.default_rng(seed)
    if tied:
        net = rng.integers(0, 4, size=(n, n)).astype(float)
    else:
        net = rng.normal(size=(n, n))
    if sparse_net:
        keep = rng.random((n, n)) < 0.4
        net = sp.csr_matrix(np.where(keep, net + 10.0, 0.0))  # stored scores all nonzero
    truth = sp.csr_matrix(rng.random((n, n)) < density)
    return net, truth


OPTIONS = [
    dict(),
    dict(self_loops=True),
    dict(transpose=True),
    dict(tf_only="mask"),
    dict(tf_only="names", transpose=True),
    dict(tf_only="mask", self_loops=True, transpose=True),
]


def resolve(opts, n, seed):
    """Turn the option spec into evaluate kwargs and the reference's regulator mask (universe: tf rows, or all)."""
    opts = dict(opts)
    rng = np.random.default_rng(seed + 1000)
    reg_mask = None
    genes = [f"G{i}" for i in range(n)]
    if opts.get("tf_only") is not None:
        reg_mask = rng.random(n) < 0.4
        reg_mask[0] = True
        if opts["tf_only"] == "mask":
            opts["tf_only"] = reg_mask
        else:
            # names, mixed case and with a TF absent from the network, to exercise name matching
            opts["tf_only"] = [g.lower() for g in np.array(genes)[reg_mask]] + ["NOT_A_GENE"]
            opts["genes"] = genes
    else:
        opts["universe"] = "all"
    return opts, reg_mask


@pytest.mark.parametrize("sparse_net", [False, True], ids=["dense", "sparse"])
@pytest.mark.parametrize("tied", [False, True], ids=["continuous", "tied"])
@pytest.mark.parametrize("opt_index", range(len(OPTIONS)))
def test_matches_sklearn_and_bruteforce(sparse_net, tied, opt_index):
    for seed in range(3):
        net, truth = random_case(seed, tied=tied, sparse_net=sparse_net)
        n = truth.shape[0]
        kwargs, reg_mask = resolve(OPTIONS[opt_index], n, seed)
        res = evaluate(net, truth, **kwargs)
        y, s = universe(
            net, truth, reg_mask=reg_mask, self_loops=kwargs.get("self_loops", False),
            transpose=kwargs.get("transpose", False),
        )
        assert res["n_universe"] == y.size
        assert res["n_positives"] == y.sum()
        T = truth.toarray()
        U = np.ones_like(T) if reg_mask is None else np.repeat(reg_mask[:, None], n, axis=1)
        if not kwargs.get("self_loops", False):
            U = U & ~np.eye(n, dtype=bool)
        assert res["n_regulators_with_edges"] == (T & U).any(axis=1).sum()
        assert res["n_targets_with_edges"] == (T & U).any(axis=0).sum()
        assert res["n_regulators"] == (n if reg_mask is None else reg_mask.sum())
        assert res["prevalence"] == pytest.approx(y.mean(), rel=1e-12)
        assert res["ap"] == pytest.approx(average_precision_score(y, s), rel=1e-10, abs=1e-12)
        assert res["auroc"] == pytest.approx(roc_auc_score(y, s), rel=1e-10, abs=1e-12)
        assert res["auprc"] == pytest.approx(ref_auprc(y, s), rel=1e-10, abs=1e-12)
        assert res["auprc_random"] == pytest.approx(y.mean(), rel=1e-12)
        tp = ref_topk(y, s)
        K, P, N = int(y.sum()), int(y.sum()), y.size
        assert res["k"] == K
        assert res["tp_at_k"] == pytest.approx(tp, rel=1e-10, abs=1e-12)
        assert res["precision_at_k"] == pytest.approx(tp / K, rel=1e-10, abs=1e-12)
        assert res["recall_at_k"] == pytest.approx(tp / P, rel=1e-10, abs=1e-12)
        assert res["epr"] == pytest.approx((tp / K) / (P / N), rel=1e-10, abs=1e-12)
        fp, fn = K - tp, P - tp
        tn = N - K - fn
        if fp * fn > 0:
            assert res["odds_ratio"] == pytest.approx(tp * tn / (fp * fn), rel=1e-10, abs=1e-12)
        # Fisher on the table with TP rounded to nearest (halves down), same margins.
        t = int(np.ceil(tp - 0.5))
        table = [[t, K - t], [P - t, N - K - P + t]]
        assert res["fisher_p"] == pytest.approx(fisher_exact(table, alternative="greater")[1], rel=1e-8, abs=1e-15)
        p, r, thr = pr_curve(net, truth, **kwargs)
        ps, rs, ts = precision_recall_curve(y, s)
        np.testing.assert_allclose(p, ps, rtol=1e-12)
        np.testing.assert_allclose(r, rs, rtol=1e-12)
        if sp.issparse(net):
            assert thr[0] == -np.inf  # the absent block; sklearn sees our stand-in value
            np.testing.assert_allclose(thr[1:], ts[1:], rtol=1e-12)
        else:
            np.testing.assert_allclose(thr, ts, rtol=1e-12)


def test_topk_expectation_matches_permutation_average():
    """EPR/OR tie rule: the expectation over random tie orderings, checked by enumerating all orderings."""
    rng = np.random.default_rng(3)
    n = 5
    net = rng.integers(0, 2, size=(n, n)).astype(float)  # two tied blocks only
    truth = sp.csr_matrix(rng.random((n, n)) < 0.3)
    res = evaluate(net, truth, universe="all")
    y, s = universe(net, truth)
    K = int(y.sum())
    # Enumerate every choice of which tied entries at the K-th score enter the top K (all equally likely).
    order = np.argsort(-s, kind="stable")
    kth = s[order[K - 1]]
    above = np.flatnonzero(s > kth)
    tie = np.flatnonzero(s == kth)
    need = K - above.size
    tps = [y[above].sum() + y[list(c)].sum() for c in itertools.combinations(tie, need)]
    assert res["tp_at_k"] == pytest.approx(np.mean(tps), rel=1e-12)
    # The result does not depend on where the tied entries sit in the array.
    res2 = evaluate(net[::-1, ::-1].copy(), sp.csr_matrix(truth.toarray()[::-1, ::-1]), universe="all")
    assert res2["tp_at_k"] == pytest.approx(res["tp_at_k"], rel=1e-12)


@pytest.mark.parametrize("sparse_net", [False, True], ids=["dense", "sparse"])
def test_gene_permutation_invariance(sparse_net):
    rng = np.random.default_rng(7)
    n = 40
    net, truth = random_case(7, n=n, tied=True, sparse_net=sparse_net)
    genes = np.array([f"g{i}" for i in range(n)])
    tfs = list(genes[rng.random(n) < 0.5])
    perm = rng.permutation(n)
    net_p = net[perm][:, perm]
    truth_p = truth[perm][:, perm]
    for kwargs in (dict(), dict(transpose=True, self_loops=True)):
        a = evaluate(net, truth, genes=genes, tf_only=tfs, **kwargs)
        b = evaluate(net_p, truth_p, genes=genes[perm], tf_only=tfs, **kwargs)
        for key in ("ap", "auprc", "auroc", "epr", "odds_ratio", "fisher_p", "tp_at_k", "n_universe", "n_positives"):
            assert a[key] == pytest.approx(b[key], rel=1e-12), key


# ----------------------------------------------------------------------------------------------------------------------
# Textbook predictors
# ----------------------------------------------------------------------------------------------------------------------
@pytest.fixture
def textbook():
    rng = np.random.default_rng(11)
    n = 30
    truth = rng.random((n, n)) < 0.1
    np.fill_diagonal(truth, False)
    N = n * n - n
    P = int(truth.sum())
    return truth, sp.csr_matrix(truth), N, P


def test_perfect_predictor(textbook):
    truth, truth_sp, N, P = textbook
    res = evaluate(truth.astype(float), truth_sp, universe="all")
    assert res["ap"] == 1.0 and res["auprc"] == 1.0 and res["auroc"] == 1.0
    assert res["precision_at_k"] == 1.0 and res["recall_at_k"] == 1.0
    assert res["epr"] == pytest.approx(N / P)
    assert res["odds_ratio"] == float("inf")
    # P(X >= P) for X ~ Hypergeom(N, P, P) = 1 / C(N, P)
    from math import comb

    assert res["fisher_p"] == pytest.approx(1 / comb(N, P), rel=1e-6)
    # Also as a sparse network storing only the true edges (absent entries tied at the bottom), and as a bool matrix.
    for net in (sp.csr_matrix(truth.astype(float)), truth):
        res_sp = evaluate(net, truth_sp, universe="all")
        assert res_sp["ap"] == 1.0 and res_sp["auroc"] == 1.0 and res_sp["odds_ratio"] == float("inf")


def test_inverted_predictor(textbook):
    truth, truth_sp, N, P = textbook
    res = evaluate(-truth.astype(float), truth_sp, universe="all")
    prev = P / N
    assert res["auroc"] == 0.0
    assert res["ap"] == pytest.approx(prev)  # one step to recall 1 at precision = prevalence
    assert res["auprc"] == pytest.approx(prev)  # the bottom tie holds every positive: (1 - 0) * prevalence
    assert res["precision_at_k"] == 0.0 and res["epr"] == 0.0 and res["odds_ratio"] == 0.0
    assert res["fisher_p"] == 1.0


def test_constant_predictor(textbook):
    truth, truth_sp, N, P = textbook
    res = evaluate(np.full(truth.shape, 0.3), truth_sp, universe="all")
    prev = P / N
    assert res["ap"] == pytest.approx(prev)
    assert res["auprc"] == pytest.approx(prev)
    assert res["auroc"] == 0.5
    assert res["epr"] == pytest.approx(1.0)
    assert res["odds_ratio"] == pytest.approx(1.0)
    assert res["tp_at_k"] == pytest.approx(P * P / N)
    # A sparse network with a single stored entry outside the universe (diagonal) is also constant on the universe.
    res_sp = evaluate(sp.csr_matrix(([1.0], ([0], [0])), shape=truth.shape), truth_sp, universe="all")
    assert res_sp["auroc"] == 0.5 and res_sp["ap"] == pytest.approx(prev)


def test_random_predictor_chance_values():
    """Random scores: metrics scatter around their random values within the textbook standard errors."""
    n = 150
    rng = np.random.default_rng(0)
    truth = sp.csr_matrix(rng.random((n, n)) < 0.02)
    N = n * n - n
    P = int(truth.sum() - truth.diagonal().sum())
    aurocs, eprs, aps = [], [], []
    for seed in range(8):
        res = evaluate(np.random.default_rng(100 + seed).random((n, n)), truth, universe="all")
        aurocs.append(res["auroc"])
        eprs.append(res["epr"])
        aps.append(res["ap"] / res["prevalence"])
    se_auc = np.sqrt((N + 1) / (12 * P * (N - P)))  # Mann-Whitney null SE
    assert abs(np.mean(aurocs) - 0.5) < 4 * se_auc / np.sqrt(8)
    # TP@K ~ Hypergeom(N, P, K=P): mean P^2/N, so EPR has mean 1 and SD ~ sqrt(P^2/N)/(P^2/N).
    se_epr = 1 / np.sqrt(P * P / N)
    assert abs(np.mean(eprs) - 1.0) < 4 * se_epr / np.sqrt(8)
    assert 0.7 < np.mean(aps) < 1.5


# ----------------------------------------------------------------------------------------------------------------------
# Sparse semantics and dtypes
# ----------------------------------------------------------------------------------------------------------------------
def test_sparse_absent_entries_rank_below_negative_scores():
    # Present entries include a negative score; absent entries must still rank below it.
    net = sp.csr_matrix(np.array([[0, -5.0, 0], [0, 0, 0], [2.0, 0, 0]]))
    truth = sp.csr_matrix(np.array([[0, 1, 0], [0, 0, 0], [0, 0, 0]], dtype=bool))
    res = evaluate(net, truth, universe="all")
    # universe, row-major without the diagonal: (0,1) pos -5, (0,2) absent, (1,0) absent, (1,2) absent, (2,0) 2.0,
    # (2,1) absent; absent entries are given -9 here (below every stored score).
    y = np.array([1, 0, 0, 0, 0, 0])
    s = np.array([-5.0, -9, -9, -9, 2.0, -9])
    assert res["auroc"] == pytest.approx(roc_auc_score(y, s))
    assert res["ap"] == pytest.approx(0.5)
    # The zero rule (issue 12): an explicit stored zero is no edge, so a 0.0 stored at (1, 0) scores as absent, below -5.
    net2 = sp.csr_matrix((np.array([-5.0, 0.0, 2.0]), np.array([1, 0, 0]), np.array([0, 1, 2, 3])), shape=(3, 3))
    assert net2.nnz == 3
    res2 = evaluate(net2, truth, universe="all")
    assert res2["auroc"] == pytest.approx(roc_auc_score(y, s))
    assert res2 == res


def test_float32_and_integer_networks_match_float64():
    net, truth = random_case(5, n=25, tied=True)
    ref = evaluate(net, truth)
    for dtype in (np.float32, np.int16):
        res = evaluate(net.astype(dtype), truth)
        for key in ("ap", "auprc", "auroc", "epr"):
            assert res[key] == pytest.approx(ref[key], rel=1e-12)


def test_nan_on_excluded_diagonal_is_ignored():
    net, truth = random_case(2, n=12)
    net = net.copy()
    base = evaluate(net, truth)
    np.fill_diagonal(net, np.nan)
    res = evaluate(net, truth)
    assert res["ap"] == pytest.approx(base["ap"], rel=1e-12)
    with pytest.raises(ValueError, match="NaN/inf"):
        evaluate(net, truth, self_loops=True)


# ----------------------------------------------------------------------------------------------------------------------
# Validation
# ----------------------------------------------------------------------------------------------------------------------
def test_errors():
    rng = np.random.default_rng(0)
    net = rng.random((6, 6))
    truth = sp.csr_matrix(rng.random((6, 6)) < 0.3)
    with pytest.raises(ValueError, match="shape"):
        evaluate(net, truth[:5, :5])
    with pytest.raises(ValueError, match="square"):
        evaluate(net[:5], truth[:5])
    with pytest.raises(ValueError, match="2-D"):
        evaluate(np.zeros((6, 6, 2)), truth)
    with pytest.raises(ValueError, match="no edge inside the evaluation universe"):
        evaluate(net, sp.identity(6, dtype=bool, format="csr"))
    with pytest.raises(ValueError, match="empty"):
        evaluate(np.zeros((0, 0)), sp.csr_matrix((0, 0), dtype=bool))
    with pytest.raises(ValueError, match="no stored entries"):
        evaluate(sp.csr_matrix((6, 6)), truth)
    bad = net.copy()
    bad[0, 1] = np.inf
    with pytest.raises(ValueError, match="NaN/inf"):
        evaluate(bad, truth, universe="all")
    bad[0, 1] = np.nan
    with pytest.raises(ValueError, match="NaN/inf"):
        evaluate(bad, truth, universe="all")
    with pytest.raises(ValueError, match="NaN/inf"):
        evaluate(sp.csr_matrix(bad), truth, universe="all")
    with pytest.raises(ValueError, match="genes="):
        evaluate(net, truth, tf_only=["A"])
    with pytest.raises(ValueError, match="selects no regulator"):
        evaluate(net, truth, tf_only=["X"], genes=list("ABCDEF"))
    with pytest.raises(ValueError, match="mask"):
        evaluate(net, truth, tf_only=np.ones(5, dtype=bool))
    with pytest.raises(ValueError, match="genes has"):
        evaluate(net, truth, genes=list("ABC"))
    with pytest.raises(TypeError):
        evaluate(np.array([["a"] * 6] * 6, dtype=object), truth)
    import pandas as pd

    with pytest.raises(TypeError, match="bengrn.align"):
        evaluate(net, pd.DataFrame({"source": ["A"], "target": ["B"]}))


def test_fuzz_small_extreme_cases():
    """Many tiny universes with extreme ties (1-3 distinct scores), sparse/dense, every option, vs. the references."""
    rng = np.random.default_rng(123)
    checked = 0
    while checked < 80:
        n = int(rng.integers(2, 9))
        levels = int(rng.integers(1, 4))
        net = rng.integers(0, levels, size=(n, n)).astype(float)
        truth = rng.random((n, n)) < rng.uniform(0.05, 0.6)
        sparse_net = bool(rng.integers(0, 2))
        if sparse_net:
            net = sp.csr_matrix(np.where(rng.random((n, n)) < 0.5, net + 1.0, 0.0))
            if net.nnz == 0:
                continue
        reg_mask = rng.random(n) < 0.7 if rng.integers(0, 2) else None
        if reg_mask is not None and not reg_mask.any():
            continue
        kwargs = dict(self_loops=bool(rng.integers(0, 2)), transpose=bool(rng.integers(0, 2)))
        space = dict(universe="all" if reg_mask is None else "tf")
        y, s = universe(net, sp.csr_matrix(truth), reg_mask=reg_mask, **kwargs)
        if y.sum() == 0 or y.all():
            with pytest.raises(ValueError) if y.sum() == 0 else contextlib.nullcontext():
                evaluate(net, sp.csr_matrix(truth), tf_only=reg_mask, **space, **kwargs)
            continue
        res = evaluate(net, sp.csr_matrix(truth), tf_only=reg_mask, **space, **kwargs)
        assert res["ap"] == pytest.approx(average_precision_score(y, s), rel=1e-10)
        assert res["auroc"] == pytest.approx(roc_auc_score(y, s), rel=1e-10)
        assert res["auprc"] == pytest.approx(ref_auprc(y, s), rel=1e-10, abs=1e-12)
        assert res["tp_at_k"] == pytest.approx(ref_topk(y, s), rel=1e-10, abs=1e-12)
        checked += 1


def test_inputs_are_not_modified():
    net, truth = random_case(9, n=15, tied=True)
    net_sp, _ = random_case(9, n=15, tied=True, sparse_net=True)
    net_sp = sp.csr_matrix((net_sp.data, net_sp.indices, net_sp.indptr), shape=net_sp.shape)
    net_sp.data[0] = 0.0  # an explicit zero must survive too
    before = (net.copy(), net_sp.copy(), truth.copy())
    for network in (net, net_sp):
        evaluate(network, truth, transpose=True, tf_only=np.arange(15) % 2 == 0)
        pr_curve(network, truth)
    np.testing.assert_array_equal(net, before[0])
    assert net_sp.nnz == before[1].nnz and np.array_equal(net_sp.data, before[1].data)
    assert (truth != before[2]).nnz == 0


@pytest.mark.parametrize("sparse_net", [False, True], ids=["dense", "sparse"])
def test_return_curve_is_pr_curve_of_the_same_ranking(sparse_net):
    """evaluate(..., return_curve=True) gives the metrics and sklearn's PR curve from one call."""
    net, truth = random_case(4, n=20, tied=True, sparse_net=sparse_net)
    mask = np.arange(20) % 3 != 0
    res, (p, r, thr) = evaluate(net, truth, tf_only=mask, transpose=True, return_curve=True)
    assert res == evaluate(net, truth, tf_only=mask, transpose=True)
    y, s = universe(net, truth, reg_mask=mask, transpose=True)
    ps, rs, _ = precision_recall_curve(y, s)
    np.testing.assert_allclose(p, ps, rtol=1e-12)
    np.testing.assert_allclose(r, rs, rtol=1e-12)
    for a, b in zip((p, r, thr), pr_curve(net, truth, tf_only=mask, transpose=True)):
        np.testing.assert_array_equal(a, b)


def test_zero_rule_stored_zeros_score_as_absent():
    """A zero is no edge (issue 12): stored zeros, absent entries and dense zeros give the same numbers."""
    rng = np.random.default_rng(8)
    n = 30
    dense = np.where(rng.random((n, n)) < 0.3, rng.random((n, n)) + 0.01, 0.0)
    truth = sp.csr_matrix((rng.random((n, n)) < 0.1) | (dense > 0.7))
    explicit = _with_stored_zeros(dense, rng)
    assert (explicit.data == 0).sum() > 100
    ref = evaluate(dense, truth, universe="all")
    for net in (explicit, sp.csr_matrix(dense)):
        res, (p, r, thr) = evaluate(net, truth, universe="all", return_curve=True)
        for key in ("ap", "auprc", "auroc", "epr", "odds_ratio", "tp_at_k"):
            assert res[key] == pytest.approx(ref[key], rel=1e-12), key
        assert thr[0] == -np.inf and np.all(thr[1:] > 0)
    with pytest.raises(ValueError, match="other than zeros"):
        evaluate(sp.csr_matrix((np.zeros(3), ([0, 1, 2], [1, 2, 0])), shape=(n, n)), truth)


def _with_stored_zeros(dense, rng):
    """A CSR matrix equal to ``dense`` that also stores explicit zeros at random empty positions."""
    extra = (rng.random(dense.shape) < 0.5) & (dense == 0)
    rows, cols = np.nonzero((dense != 0) | extra)
    return sp.csr_matrix((dense[rows, cols], (rows, cols)), shape=dense.shape)
