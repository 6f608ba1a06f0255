"""GENIE3: equality with scikit-learn's forests, recovery of a simulated network, real THP1 data, determinism,
n_jobs/Dask invariance, constant genes and the TF-only mode."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import ExtraTreesRegressor, RandomForestRegressor
from sklearn.metrics import average_precision_score

from scprint_model.baselines import random_scores
from scprint_model.baselines.genie3 import forest_importances, genie3
from scprint_model.baselines.targets import target_seeds as _target_seeds


def simulate_linear(n_cells=300, n_genes=20, n_regulators=4, seed=0):
    """Regulators ~ N(0, 1); every other gene = sum of 1-2 regulators (random sign, |w| in [0.7, 1.3]) + noise."""
    rng = np.random.default_rng(seed)
    w = np.zeros((n_genes, n_genes))
    for t in range(n_regulators, n_genes):
        regs = rng.choice(n_regulators, size=rng.integers(1, 3), replace=False)
        w[regs, t] = rng.choice([-1.0, 1.0], size=regs.size) * rng.uniform(0.7, 1.3, size=regs.size)
    x = np.zeros((n_cells, n_genes))
    x[:, :n_regulators] = rng.normal(size=(n_cells, n_regulators))
    x[:, n_regulators:] = x @ w[:, n_regulators:] + 0.5 * rng.normal(size=(n_cells, n_genes - n_regulators))
    return x.astype(np.float32), w != 0  # truth[i, j]: regulator i -> target j


@pytest.fixture(scope="module")
def linear():
    return simulate_linear()


@pytest.mark.parametrize("method,cls", [("RF", RandomForestRegressor), ("ET", ExtraTreesRegressor)])
def test_forest_importances_equal_sklearn(linear, method, cls):
    x, _ = linear
    X, y = np.asfortranarray(x[:, 1:]), x[:, 0].astype(np.float64)
    est = cls(n_estimators=15, max_features=4, random_state=11).fit(X, y)
    ref = np.mean([t.tree_.compute_feature_importances(normalize=False) for t in est.estimators_], axis=0)
    got = forest_importances(X, y, n_trees=15, tree_method=method, max_features=4, min_samples_leaf=1, seed=11)
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=0)


def test_genie3_columns_match_a_plain_sklearn_loop(linear):
    x, _ = linear
    x = x[:, :8]
    got = genie3(x, n_trees=10, seed=5, n_jobs=1)
    seeds = _target_seeds(5, 8)
    for j in range(8):
        regs = np.delete(np.arange(8), j)
        y = x[:, j].astype(np.float64)
        est = RandomForestRegressor(n_estimators=10, max_features=2, random_state=int(seeds[j]))
        est.fit(x[:, regs], y / y.std())
        imp = np.mean([t.tree_.compute_feature_importances(normalize=False) for t in est.estimators_], axis=0)
        # column j holds the importances for target j (rows = regulators), normalised to sum to 1
        np.testing.assert_allclose(got[regs, j], imp / imp.sum(), rtol=1e-5)
        assert got[j, j] == 0


def test_genie3_recovers_simulated_network(linear):
    x, truth = linear
    off = ~np.eye(truth.shape[0], dtype=bool)
    prevalence = truth[off].mean()
    for seed in (0, 1):
        scores = genie3(x, n_trees=30, seed=seed, n_jobs=1)
        ap = average_precision_score(truth[off], scores[off])
        assert ap > 3 * prevalence, (seed, ap, prevalence)


def test_genie3_tf_mode_on_simulation(linear):
    x, truth = linear
    tf = np.zeros(truth.shape[0], dtype=bool)
    tf[:4] = True
    scores = genie3(x, regulators=tf, n_trees=50, seed=0, n_jobs=1)
    assert np.all(scores[~tf] == 0)
    # with the true regulators given, the strongest regulator of each target is a true one
    targets = np.arange(4, truth.shape[0])
    best = scores[:, targets].argmax(axis=0)
    assert truth[best, targets].mean() >= 0.9


def test_genie3_deterministic_and_independent_of_n_jobs(linear):
    x, _ = linear
    a = genie3(x, n_trees=8, seed=3, n_jobs=1)
    b = genie3(x, n_trees=8, seed=3, n_jobs=2, batch_size=3)
    c = genie3(x, n_trees=8, seed=4, n_jobs=1)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    sums = a.sum(axis=0)
    np.testing.assert_allclose(sums, 1.0, rtol=1e-5)
    assert np.all(np.diag(a) == 0)


def test_genie3_constant_genes(linear):
    x, _ = linear
    x = x[:, :8].copy()
    x[:, 2] = 1.5  # constant: target column and regulator row must be zero, no NaN
    scores = genie3(x, n_trees=8, seed=0, n_jobs=1, progress=True)
    assert np.all(np.isfinite(scores))
    assert np.all(scores[:, 2] == 0) and np.all(scores[2] == 0)
    keep = np.arange(8) != 2
    np.testing.assert_allclose(scores[:, keep].sum(axis=0), 1.0, rtol=1e-5)


def test_genie3_bad_input():
    x = np.random.default_rng(0).normal(size=(20, 4))
    with pytest.raises(ValueError, match="tree_method"):
        genie3(x, tree_method="GBM")
    with pytest.raises(ValueError, match="max_features"):
        genie3(x, max_features="half")
    with pytest.raises(ValueError, match="NaN"):
        genie3(np.full((5, 3), np.nan))
    with pytest.raises(ValueError, match="mask must have length"):
        genie3(x, regulators=np.ones(3, dtype=bool))


def test_genie3_dask_local_cluster_equals_local(linear):
    distributed = pytest.importorskip("distributed")
    x, _ = linear
    x = x[:, :10]
    local = genie3(x, n_trees=8, seed=2, n_jobs=1)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, host="127.0.0.1",
                                  protocol="tcp://", dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            via_client = genie3(x, n_trees=8, seed=2, scheduler=client, batch_size=2)
        via_address = genie3(x, n_trees=8, seed=2, scheduler=cluster.scheduler_address)
    np.testing.assert_array_equal(via_client, local)
    np.testing.assert_array_equal(via_address, local)


def test_genie3_thp1_against_random_control(shared_data):
    """Real data: BEELINE THP1 (45 TFs x 960 cells, qRT-PCR, already log-scale) against its refNetwork.

    Measured (docs/methods.md): directed GENIE3 is NOT above chance here (AUPRC ~0.16 vs random 0.170 +- 0.009),
    while |Pearson| / |Spearman| are (~0.22). What is robust, and asserted: the data carry signal (the correlation
    controls beat the 95th percentile of 20 random networks), and GENIE3 captures that co-expression (its
    symmetrised scores rank gene pairs like |Spearman| does).
    """
    import pandas as pd
    import scipy.stats

    from bengrn import align
    from bengrn.metrics import evaluate
    from scprint_model.baselines import abs_pearson, abs_spearman

    folder = shared_data / "expression" / "beeline" / "THP1"
    expr = pd.read_csv(folder / "ExpressionData.csv", index_col=0)  # genes x cells
    ref = pd.read_csv(folder / "refNetwork.csv").rename(columns={"Gene1": "source", "Gene2": "target"})
    genes = list(expr.index)
    truth, _ = align(ref, genes)
    x = expr.to_numpy(dtype=np.float32).T
    random_auprc = [evaluate(random_scores(len(genes), seed=s), truth)["auprc"] for s in range(20)]
    threshold = np.percentile(random_auprc, 95)
    assert evaluate(abs_pearson(x), truth)["auprc"] > threshold
    spearman = abs_spearman(x)
    assert evaluate(spearman, truth)["auprc"] > threshold
    off = ~np.eye(len(genes), dtype=bool)
    for seed in (0, 1):
        scores = genie3(x, n_trees=10, seed=seed, n_jobs=2)
        m = evaluate(scores, truth)
        assert 0 < m["auprc"] < 1 and np.isfinite(m["odds_ratio"])
        rho = scipy.stats.spearmanr((scores + scores.T)[off], spearman[off]).statistic
        assert rho > 0.3, rho  # measured ~0.5; unrelated scores give ~0
