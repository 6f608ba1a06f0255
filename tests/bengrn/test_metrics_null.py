"""The permutation null of evaluate(n_null=...): draw by draw against a brute-force loop that permutes the labels and
scores again from scratch, its spread against independent permutations, and its mean against the random values."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.metrics import average_precision_score, roc_auc_score

from bengrn import evaluate
from bengrn.metrics import NULL_METRICS
from bengrn.metrics._null import draw_positions


def universe_pairs(n, rows=None, cols=None):
    """(i, j) of the universe (self-loops excluded), enumerated pair by pair."""
    ij = [(i, j) for i in range(n) for j in range(n)
          if i != j and (rows is None or rows[i]) and (cols is None or cols[j])]
    return np.array(ij).T


def scored(net, transpose):
    """Dense scores of the scored orientation; absent sparse entries get a value below every stored one."""
    if sp.issparse(net):
        coo = sp.coo_matrix(net)
        dense = np.full(net.shape, coo.data.min() - 1.0)
        dense[coo.row, coo.col] = coo.data
        net = dense
    return net.T if transpose else net


def case(seed, kind):
    """(network, truth, evaluate kwargs, rows mask, cols mask) for one universe kind."""
    rng = np.random.default_rng(seed)
    n = 14
    net = np.round(rng.random((n, n)), 1)  # 11 tied levels
    truth = sp.csr_matrix(rng.random((n, n)) < 0.15)
    rows = cols = None
    if kind.endswith("continuous"):  # all scores distinct: the null's no-tie fast path
        net = rng.random((n, n))
        kind = kind[: -len(" continuous")]
    if kind == "all":
        kwargs = dict(universe="all")
    elif kind == "tf sparse transposed":
        net = sp.csr_matrix(np.where(rng.random((n, n)) < 0.4, net + 1.0, 0.0))
        rows = rng.random(n) < 0.6
        kwargs = dict(universe="tf", tf_only=rows, transpose=True)
    else:  # the truth's protocol: assayed regulators x measured targets
        rows, cols = rng.random(n) < 0.6, rng.random(n) < 0.8
        kwargs = dict(universe="truth", regulators=rows, targets=cols)
    return net, truth, kwargs, rows, cols


def brute_force_draws(net, truth, kwargs, rows, cols, positions, sklearn=True):
    """Each labelling rebuilt as a truth matrix and scored from scratch (a new sort per draw), plus scikit-learn."""
    n = truth.shape[0]
    I, J = universe_pairs(n, rows, cols)
    s = scored(net, kwargs.get("transpose", False))[I, J]
    order = np.argsort(s, kind="stable")  # position 0 = lowest score, as draw_positions counts
    out = {m: [] for m in NULL_METRICS}
    out["sk_ap"], out["sk_auroc"] = [], []
    for q in positions:
        pick = order[q]
        t = sp.csr_matrix((np.ones(q.size, dtype=bool), (I[pick], J[pick])), shape=(n, n))
        res = evaluate(net, t, **kwargs)
        for m in NULL_METRICS:
            out[m].append(res[m])
        if sklearn:
            y = np.zeros(s.size, dtype=bool)
            y[pick] = True
            out["sk_ap"].append(average_precision_score(y, s))
            out["sk_auroc"].append(roc_auc_score(y, s))
    return {k: np.array(v) for k, v in out.items()}


@pytest.mark.parametrize("kind", ["all", "tf sparse transposed", "truth masks", "all continuous",
                                  "tf sparse transposed continuous", "truth masks continuous"])
def test_null_matches_bruteforce_loop_draw_by_draw(kind):
    net, truth, kwargs, rows, cols = case(3, kind)
    n_null, seed = 60, 11
    res = evaluate(net, truth, n_null=n_null, seed=seed, **kwargs)
    rng = np.random.default_rng(seed)
    positions = [draw_positions(rng, res["n_universe"], res["n_positives"]) for _ in range(n_null)]
    ref = brute_force_draws(net, truth, kwargs, rows, cols, positions)
    np.testing.assert_allclose(ref["ap"], ref["sk_ap"], rtol=1e-10)
    np.testing.assert_allclose(ref["auroc"], ref["sk_auroc"], rtol=1e-10)
    for m in NULL_METRICS:
        d = ref[m]
        assert res[f"{m}_null_mean"] == pytest.approx(d.mean(), rel=1e-10), m
        assert res[f"{m}_null_sd"] == pytest.approx(d.std(ddof=1), rel=1e-9), m
        assert res[f"{m}_z"] == pytest.approx((res[m] - d.mean()) / d.std(ddof=1), rel=1e-8), m
        assert res[f"{m}_p"] == pytest.approx((1 + np.sum(d >= res[m])) / (n_null + 1), rel=1e-12), m
    assert res["n_null"] == n_null and res["null_seed"] == seed


def test_null_spread_matches_independent_permutations():
    """The null's sd against a loop of np.random permutations of the labels (no shared randomness)."""
    net, truth, kwargs, rows, cols = case(5, "tf sparse transposed")
    n_draws = 1000
    res = evaluate(net, truth, n_null=n_draws, seed=1, **kwargs)
    rng = np.random.default_rng(12345)
    N, P = res["n_universe"], res["n_positives"]
    positions = [np.flatnonzero(rng.permutation(np.arange(N) < P)) for _ in range(n_draws)]
    ref = brute_force_draws(net, truth, kwargs, rows, cols, positions, sklearn=False)
    for m in NULL_METRICS:
        sd = ref[m].std(ddof=1)
        # Two independent estimates of one sd from 1,000 draws each: relative error ~2-3% each.
        assert res[f"{m}_null_sd"] == pytest.approx(sd, rel=0.15), m
        assert res[f"{m}_null_mean"] == pytest.approx(ref[m].mean(), abs=5 * sd / np.sqrt(n_draws)), m


def test_null_mean_matches_random_expectations():
    """Continuous scores, 40,000 pairs, P = 2,000: null means vs auprc_random, E[AP], epr 1 and auroc 0.5."""
    rng = np.random.default_rng(0)
    n = 201
    truth = sp.csr_matrix(rng.random((n, n)) < 0.05)
    net = rng.random((n, n)) + 0.3 * truth.toarray()  # informative, so the observed values sit far above the null
    n_null = 200
    res = evaluate(net, truth, universe="all", n_null=n_null, seed=7)
    N, P = res["n_universe"], res["n_positives"]
    se = {m: res[f"{m}_null_sd"] / np.sqrt(n_null) for m in NULL_METRICS}
    # A random ranking's expected AP: E[precision at a positive of rank k] averaged over k (exact for no ties).
    harmonic = np.sum(1.0 / np.arange(1, N + 1))
    expected_ap = (P - 1) / (N - 1) + (N - P) * harmonic / (N * (N - 1))
    assert res["ap_null_mean"] == pytest.approx(expected_ap, abs=4 * se["ap"])
    # AUPRC: its random value is the prevalence up to the same O(log N / N) finite-size term as AP.
    assert abs(res["auprc_null_mean"] - res["auprc_random"]) < 4 * se["auprc"] + harmonic / N
    assert res["epr_null_mean"] == pytest.approx(1.0, abs=4 * se["epr"])
    assert res["auroc_null_mean"] == pytest.approx(0.5, abs=4 * se["auroc"])
    # The AUROC null sd equals the Mann-Whitney formula.
    assert res["auroc_null_sd"] == pytest.approx(np.sqrt((N + 1) / (12 * P * (N - P))), rel=0.15)
    for m in NULL_METRICS:
        assert res[f"{m}_z"] > 5 and res[f"{m}_p"] == pytest.approx(1 / (n_null + 1)), m


def test_null_of_a_constant_network_and_seeding():
    rng = np.random.default_rng(2)
    truth = sp.csr_matrix(rng.random((20, 20)) < 0.2)
    res = evaluate(np.full((20, 20), 0.5), truth, universe="all", n_null=30)
    assert res["auprc_null_mean"] == pytest.approx(res["prevalence"], rel=1e-12)
    assert res["auprc_null_sd"] == 0.0 and np.isnan(res["auprc_z"]) and res["auprc_p"] == 1.0
    net = rng.random((20, 20))
    a, b, c = (evaluate(net, truth, n_null=25, seed=s) for s in (4, 4, 5))
    assert a == b and a["ap_null_mean"] != c["ap_null_mean"]
    assert "ap_null_mean" not in evaluate(net, truth)
