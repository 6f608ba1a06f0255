"""Count likelihoods (negative binomial and zero-inflated negative binomial), written out by hand.

Parameterisation: mean ``mu`` > 0 and inverse dispersion ``theta`` > 0, so that Var = mu + mu**2 / theta. This is
scipy's ``nbinom(n=theta, p=theta / (theta + mu))``. The zero-inflation is given as a logit ``pi_logit``.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

_EPS = 1e-8


def nb_log_prob(x: torch.Tensor, mu: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
    """Elementwise log P(x | NB(mu, theta))."""
    log_theta_mu = torch.log(theta + mu + _EPS)
    return (
        torch.lgamma(x + theta)
        - torch.lgamma(theta)
        - torch.lgamma(x + 1.0)
        + theta * (torch.log(theta + _EPS) - log_theta_mu)
        + x * (torch.log(mu + _EPS) - log_theta_mu)
    )


def zinb_log_prob(x: torch.Tensor, mu: torch.Tensor, theta: torch.Tensor, pi_logit: torch.Tensor) -> torch.Tensor:
    """Elementwise log P(x | ZINB(mu, theta, pi = sigmoid(pi_logit))).

    Computed in log space with softplus so that extreme logits stay finite.
    """
    nb = nb_log_prob(x, mu, theta)
    # log(pi + (1 - pi) * NB(0)) = logsumexp(log pi, log(1-pi) + log NB(0)); log pi = -softplus(-l), log(1-pi) = -softplus(l)
    nb_zero = theta * (torch.log(theta + _EPS) - torch.log(theta + mu + _EPS))
    zero_case = torch.logaddexp(-F.softplus(-pi_logit), -F.softplus(pi_logit) + nb_zero)
    nonzero_case = -F.softplus(pi_logit) + nb
    return torch.where(x < 0.5, zero_case, nonzero_case)


def zinb_nll(x: torch.Tensor, mu: torch.Tensor, theta: torch.Tensor, pi_logit: torch.Tensor,
             mask: torch.Tensor | None = None) -> torch.Tensor:
    """Mean negative ZINB log-likelihood over the (unmasked) entries."""
    ll = zinb_log_prob(x, mu, theta, pi_logit)
    if mask is None:
        return -ll.mean()
    mask = mask.to(ll.dtype)
    return -(ll * mask).sum() / mask.sum().clamp_min(1.0)
