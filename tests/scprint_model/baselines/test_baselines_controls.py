"""Controls and preprocessing checked against numpy/scipy brute force."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.stats

from bengrn.prepare import log_normalize
from scprint_model.baselines import abs_pearson, abs_spearman, random_scores, zscore


@pytest.fixture
def counts():
    rng = np.random.default_rng(0)
    x = rng.poisson(rng.gamma(1.0, 2.0, size=(40, 12))).astype(np.float64)
    x[:, 3] = 0.0  # constant gene (stays constant after per-cell scaling)
    return x


def test_log_normalize_matches_hand_computation(counts):
    expected = np.log1p(counts / counts.sum(axis=1, keepdims=True) * 1e4)
    np.testing.assert_allclose(log_normalize(counts), expected, rtol=1e-6)
    np.testing.assert_allclose(log_normalize(sp.csr_matrix(counts)), expected, rtol=1e-6)


def test_log_normalize_empty_cell_and_bad_input(counts):
    counts[2] = 0
    out = log_normalize(counts)
    assert np.all(out[2] == 0) and np.all(np.isfinite(out))
    with pytest.raises(ValueError, match="negative"):
        log_normalize(-counts)
    counts[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        log_normalize(counts)


def test_zscore_constant_gene_is_zero(counts):
    z = zscore(counts)
    assert np.all(z[:, 3] == 0)
    keep = np.arange(counts.shape[1]) != 3
    np.testing.assert_allclose(z[:, keep], scipy.stats.zscore(counts[:, keep], axis=0), rtol=1e-5, atol=1e-6)


def test_abs_pearson_equals_corrcoef(counts):
    x = log_normalize(counts).astype(np.float64)
    got = abs_pearson(x)
    keep = np.arange(x.shape[1]) != 3
    with np.errstate(invalid="ignore", divide="ignore"):
        ref = np.abs(np.corrcoef(x, rowvar=False))
    assert got.shape == (12, 12) and got.dtype == np.float32
    assert not np.isnan(got).any()
    np.testing.assert_allclose(got[np.ix_(keep, keep)] + np.eye(11), ref[np.ix_(keep, keep)], atol=1e-6)
    assert np.all(got[3] == 0) and np.all(got[:, 3] == 0)
    assert np.all(np.diag(got) == 0)
    np.testing.assert_array_equal(got, got.T)


def test_abs_spearman_equals_scipy(counts):
    x = log_normalize(counts).astype(np.float64)
    got = abs_spearman(x)
    keep = np.flatnonzero(np.arange(x.shape[1]) != 3)
    ref = np.abs(scipy.stats.spearmanr(x[:, keep]).statistic)
    np.fill_diagonal(ref, 0)
    np.testing.assert_allclose(got[np.ix_(keep, keep)], ref, atol=1e-6)
    assert np.all(got[3] == 0)


def test_random_scores_seeded():
    a, b, c = random_scores(30, seed=1), random_scores(30, seed=1), random_scores(30, seed=2)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert np.all(np.diag(a) == 0)
    off = a[~np.eye(30, dtype=bool)]
    assert off.min() >= 0 and off.max() < 1
    # uniform: mean of 870 U(0,1) draws is 0.5 +- 0.01 (sd); 5 sd margin
    assert abs(off.mean() - 0.5) < 0.05
