"""DeepSEM: recovery of a planted network, orientation, determinism, TF mask, bad input."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import average_precision_score

torch = pytest.importorskip("torch")

from scprint_model.baselines.deepsem import deepsem  # noqa: E402


def simulate(n_cells=400, n_genes=10, n_tfs=2, noise=0.3, seed=0):
    """TF_k ~ N(0, 1); target t = w * TF_(t mod n_tfs) + noise, |w| in [0.8, 1.2]. truth[i, j]: i -> j."""
    rng = np.random.default_rng(seed)
    w = np.zeros((n_genes, n_genes))
    for t in range(n_tfs, n_genes):
        w[t % n_tfs, t] = rng.choice([-1.0, 1.0]) * rng.uniform(0.8, 1.2)
    x = np.zeros((n_cells, n_genes))
    x[:, :n_tfs] = rng.normal(size=(n_cells, n_tfs))
    for t in range(n_tfs, n_genes):
        x[:, t] = x @ w[:, t] + noise * rng.normal(size=n_cells)
    return x, w != 0


@pytest.fixture(autouse=True)
def _single_thread():
    # Fewer threads: faster on the shared 2-core CI machine, and bit-identical reruns.
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


def test_deepsem_recovers_planted_edges():
    x, truth = simulate()
    off = ~np.eye(truth.shape[0], dtype=bool)
    undirected = truth | truth.T
    prevalence = undirected[off].mean()
    for seed in (0, 1):
        scores = deepsem(x, n_epochs=30, lr=1e-2, alpha=1.0, seed=seed)
        assert scores.shape == truth.shape and np.all(np.diag(scores) == 0)
        # DeepSEM's linear-Gaussian SEM identifies the skeleton better than directions: score it undirected.
        ap = average_precision_score(undirected[off], (scores + scores.T)[off])
        assert ap > 1.5 * prevalence, (seed, ap, prevalence)


def test_deepsem_is_seeded_and_masks_non_regulators():
    x, _ = simulate(n_cells=100, n_genes=6)
    a = deepsem(x, n_epochs=3, seed=7)
    b = deepsem(x, n_epochs=3, seed=7)
    c = deepsem(x, n_epochs=3, seed=8)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    tf = np.array([True, True, False, False, False, False])
    masked = deepsem(x, n_epochs=3, seed=7, regulators=tf)
    assert np.all(masked[~tf] == 0)
    np.testing.assert_array_equal(masked[tf], a[tf])  # the mask is applied to the output, as in the original


def test_deepsem_bad_input():
    with pytest.raises(ValueError, match="n_epochs"):
        deepsem(np.ones((10, 3)), n_epochs=0)
    with pytest.raises(ValueError, match="mask"):
        deepsem(np.random.default_rng(0).normal(size=(10, 3)), regulators=[True, False])
