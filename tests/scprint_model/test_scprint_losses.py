"""NB / ZINB log-likelihoods against scipy.stats.nbinom."""
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

torch = pytest.importorskip("torch")

from scprint_model.losses import nb_log_prob, zinb_log_prob, zinb_nll  # noqa: E402


def _draw(seed=0, n=400):
    rng = np.random.default_rng(seed)
    mu = rng.uniform(0.05, 50, n)
    theta = rng.uniform(0.1, 20, n)
    x = rng.poisson(mu * rng.uniform(0, 2, n)).astype(float)
    x[:50] = 0
    return x, mu, theta


def test_nb_log_prob_equals_scipy():
    x, mu, theta = _draw()
    ours = nb_log_prob(*(torch.tensor(a, dtype=torch.float64) for a in (x, mu, theta))).numpy()
    ref = stats.nbinom.logpmf(x, n=theta, p=theta / (theta + mu))
    np.testing.assert_allclose(ours, ref, rtol=1e-6, atol=1e-6)


def test_zinb_log_prob_equals_scipy_mixture():
    x, mu, theta = _draw(1)
    logit = np.random.default_rng(2).normal(0, 2, x.size)
    pi = 1 / (1 + np.exp(-logit))
    ref = np.log(pi * (x == 0) + (1 - pi) * stats.nbinom.pmf(x, n=theta, p=theta / (theta + mu)))
    t = [torch.tensor(a, dtype=torch.float64) for a in (x, mu, theta, logit)]
    np.testing.assert_allclose(zinb_log_prob(*t).numpy(), ref, rtol=1e-6, atol=1e-6)
    # the mean NLL with a mask only averages the kept entries
    mask = torch.tensor(np.arange(x.size) % 3 == 0)
    assert float(zinb_nll(*t, mask=mask)) == pytest.approx(-ref[np.arange(x.size) % 3 == 0].mean(), rel=1e-6)


def test_zinb_extreme_logits_stay_finite():
    x = torch.tensor([0.0, 3.0, 0.0, 5.0], dtype=torch.float64)
    mu, theta = torch.full((4,), 2.0, dtype=torch.float64), torch.full((4,), 1.0, dtype=torch.float64)
    ll = zinb_log_prob(x, mu, theta, torch.tensor([80.0, -80.0, -80.0, 80.0], dtype=torch.float64))
    assert torch.isfinite(ll[:3]).all()
    assert ll[0] == pytest.approx(0.0, abs=1e-9)  # pi ~ 1, x = 0
    assert float(ll[1]) == pytest.approx(stats.nbinom.logpmf(3, 1.0, 1 / 3), rel=1e-6)  # pi ~ 0


def test_import_is_lazy_without_torch():
    code = "import sys, scprint_model; assert 'torch' not in sys.modules; print(scprint_model.__all__)"
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
