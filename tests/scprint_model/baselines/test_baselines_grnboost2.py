"""GRNBoost2: equal to an arboreto-equivalent scikit-learn loop (networks and AUPRC) on planted data, seeded and
reproducible across n_jobs and a Dask LocalCluster, TF mode, constant genes, bad input, and through the registry."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.metrics import average_precision_score

from bengrn import methods
from bengrn.prepare import log_normalize
from grnndata.toy import toy
from scprint_model.baselines.grnboost2 import ARBORETO, EarlyStopWindow, arboreto_importances, boost, grnboost2
from scprint_model.baselines.targets import target_seeds


@pytest.fixture(scope="module")
def planted():
    t = toy(n_cells=200, n_genes=24, n_regulators=6, n_edges=30, seed=1)
    return t, log_normalize(t.adata.X), np.asarray(t.network.network().toarray()) != 0


class ArboretoMonitor:
    """arboreto 0.1.6's EarlyStopMonitor (window 25), reading improvements as ``rule`` defines them (written here,
    independently of the implementation under test)."""

    def __init__(self, y, rule):
        self.y, self.rule, self.history, self.last = y, rule, [], None

    def __call__(self, i, est, local):
        raw = local["raw_predictions"][:, 0]
        if self.rule == "sklearn" or self.last is None:
            self.history.append(est.oob_improvement_[i])
        else:  # decrease of this stage's loss on the cells it left out
            out = ~local["sample_mask"]
            before = ((self.y[out] - self.last[out]) ** 2).mean()
            self.history.append(before - ((self.y[out] - raw[out]) ** 2).mean())
        self.last = raw.copy()
        lo = max(0, i - 25 + 1)
        return i >= 24 and np.mean(self.history[lo:i + 1]) < 0


def arboreto_loop(x, seed, rule, regulators=None):
    """One GradientBoostingRegressor per target with arboreto's SGBM_KWARGS and importances x n_estimators."""
    n = x.shape[1]
    regulators = np.arange(n) if regulators is None else np.flatnonzero(regulators)
    seeds = target_seeds(seed, n)
    out = np.zeros((n, n))
    for j in range(n):
        regs = regulators[regulators != j]
        y = x[:, j].astype(np.float64)
        est = GradientBoostingRegressor(learning_rate=0.01, n_estimators=5000, max_features=0.1, subsample=0.9,
                                        random_state=int(seeds[j]))
        est.fit(x[:, regs], y, monitor=ArboretoMonitor(y, rule))
        out[regs, j] = est.feature_importances_ * len(est.estimators_)  # column j = target j (rows = regulators)
    return out


@pytest.mark.parametrize("rule", ["stage", "sklearn"])
def test_equals_the_arboreto_loop_in_network_and_auprc(planted, rule):
    t, x, truth = planted
    off = ~np.eye(truth.shape[0], dtype=bool)
    ref = arboreto_loop(x, seed=3, rule=rule)
    got = grnboost2(x, seed=3, oob_improvement=rule, n_jobs=1)
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5)
    ap_ref = average_precision_score(truth[off], ref[off])
    ap_got = average_precision_score(truth[off], got[off])
    assert ap_got == pytest.approx(ap_ref, abs=1e-9)
    assert ap_got > 3 * truth[off].mean(), (ap_got, truth[off].mean())  # the planted edges are found
    trees = got.sum(axis=0)  # each column sums to the number of trees its target kept
    np.testing.assert_allclose(trees, np.round(trees), atol=1e-3)
    assert np.round(trees).min() >= 25  # the first window ends at tree 25


@pytest.mark.parametrize("rule", ["stage", "sklearn"])
def test_the_monitor_on_the_estimator_equals_the_direct_stages(planted, rule):
    """EarlyStopWindow (the fallback path, usable with any GradientBoostingRegressor) gives boost()'s model."""
    _, x, _ = planted
    regs, y = np.asarray(x[:, 1:], dtype=np.float32), x[:, 0].astype(np.float64)
    est = GradientBoostingRegressor(learning_rate=0.01, n_estimators=5000, max_features=0.1, subsample=0.9,
                                    random_state=7).fit(regs, y, monitor=EarlyStopWindow(25, rule))
    imp, n_trees = boost(regs, y, 7, **{**ARBORETO, "oob_improvement": rule})
    assert n_trees == len(est.estimators_)
    np.testing.assert_allclose(arboreto_importances(imp, n_trees), est.feature_importances_ * n_trees, rtol=1e-10)


def test_seeded_and_independent_of_n_jobs(planted):
    _, x, _ = planted
    a = grnboost2(x, seed=5, n_jobs=1, max_trees=60)
    b = grnboost2(x, seed=5, n_jobs=2, batch_size=5, max_trees=60)
    c = grnboost2(x, seed=6, n_jobs=1, max_trees=60)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert np.all(np.diag(a) == 0)


def test_dask_local_cluster_equals_local(planted):
    distributed = pytest.importorskip("distributed")
    _, x, _ = planted
    x = x[:, :10]
    local = grnboost2(x, seed=2, n_jobs=1, oob_improvement="sklearn")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, host="127.0.0.1",
                                  protocol="tcp://", dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            via_client = grnboost2(x, seed=2, scheduler=client, batch_size=3, oob_improvement="sklearn")
        via_address = grnboost2(x, seed=2, scheduler=cluster.scheduler_address, oob_improvement="sklearn")
    np.testing.assert_array_equal(via_client, local)
    np.testing.assert_array_equal(via_address, local)


def test_tf_mode_and_constant_genes(planted):
    t, x, _ = planted
    x = x[:, :12].copy()
    x[:, 7] = 0.0  # a constant gene: zero row and zero column
    tf = np.zeros(12, dtype=bool)
    tf[[0, 1, 2, 7]] = True
    got = grnboost2(x, regulators=tf, seed=0, n_jobs=1, max_trees=60)
    assert np.all(got[~tf] == 0) and np.all(got[7] == 0) and np.all(got[:, 7] == 0)
    ref = arboreto_loop(x, seed=0, rule="stage", regulators=tf & (np.ptp(x, axis=0) > 0))
    ref[:, 7] = 0.0  # the implementation skips constant targets (nothing to explain)
    # max_trees=60 caps the loop's 5,000; compare on the targets that stopped before 60 trees
    early = ref.sum(axis=0) < 60
    np.testing.assert_allclose(got[:, early], ref[:, early], rtol=1e-5, atol=1e-5)


def test_bad_input():
    x = np.random.default_rng(0).normal(size=(20, 4))
    with pytest.raises(ValueError, match="oob_improvement"):
        grnboost2(x, oob_improvement="old")
    with pytest.raises(ValueError, match="max_trees"):
        grnboost2(x, max_trees=0)
    with pytest.raises(ValueError, match="NaN"):
        grnboost2(np.full((5, 3), np.nan))
    with pytest.raises(ValueError, match="mask must have length"):
        grnboost2(x, regulators=np.ones(3, dtype=bool))


def test_registry_methods_and_provenance(planted):
    t, x, _ = planted
    adata = t.adata[:, :10].copy()
    net = methods.infer("grnboost2-tf", adata, seed=1, tf_list=list(adata.var_names[:3]), n_jobs=1, max_trees=40)
    w = np.asarray(net.network())
    assert np.all(w[3:] == 0) and w[:3].sum() > 0
    params = net.network_metadata()["parameters"]
    assert params["max_trees"] == 40 and params["oob_improvement"] == "stage" and params["learning_rate"] == 0.01
    assert params["tf_list"].endswith("3 of 10 genes")
    direct = grnboost2(log_normalize(adata.X), regulators=np.arange(10) < 3, seed=1, n_jobs=1, max_trees=40)
    np.testing.assert_allclose(w, direct, rtol=1e-6)
    assert methods.info("grnboost2")["options"]["window"] == 25
