"""DeepSEM (Shu et al. 2021, Nat Comput Sci 1:491): a structural-equation variational autoencoder for gene networks.

Model (our implementation of the published architecture, the "non cell-type-specific GRN" setting):

* Each cell is a row vector x over genes. A linear SEM with adjacency A says ``x = x A^T + z`` (DeepSEM convention:
  ``A[t, r]`` is the effect of regulator r on target t, rows = targets), so ``z = x (I - A^T)`` and
  ``x = z (I - A^T)^-1``.
* Encoder: a gene-wise MLP (shared across genes, 1 -> hidden -> hidden, tanh) gives a per-gene mean and log-variance,
  both mixed by ``(I - A^T)`` to give q(z | x).
* Decoder: ``z (I - A^T)^-1`` then a gene-wise MLP (1 -> hidden -> hidden -> 1) reconstructs x.
* Prior p(z): a learned per-gene Gaussian, also mixed by ``(I - A^T)`` (the K=1 Gaussian-mixture prior of the paper).
* Loss: MSE reconstruction + beta * KL (single-sample estimate) + alpha * mean |A|; A's diagonal is masked.
* Training alternates K1=1 epoch of the MLPs (RMSprop, lr, decayed x0.95 per epoch) with K2=2 epochs of A alone
  (RMSprop, lr * 0.2), from A = 1/(n-1) + U(0, 2e-4), zero diagonal; Xavier-normal MLP weights, zero biases.

The returned scores are ``|A|`` converted to the suite's orientation: ``scores = |A|.T`` so that ``scores[i, j]``
scores regulator i -> target j (checked on simulated data in the tests). Rows of genes that are not candidate
regulators (``regulators`` mask, e.g. TFs) are zeroed at the end, as the original code does when it extracts edges.

Input: cells x genes log-normalised expression; each gene is z-scored here (constant genes -> 0).
"""
from __future__ import annotations

import logging
import math
from typing import Sequence

import numpy as np

from grnndata._odeps import import_optional

from grnndata._checks import check_expression

from .preprocess import zscore
from .progress import Progress, as_callback

logger = logging.getLogger(__name__)


def _build_model(n_genes: int, hidden: int, generator):
    import torch
    from torch import nn

    class GeneMLP(nn.Module):
        """The same small MLP applied to every gene's scalar value."""

        def __init__(self, n_out: int, depth_out: bool):
            super().__init__()
            layers = [nn.Linear(1, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh()]
            if depth_out:
                layers.append(nn.Linear(hidden, n_out))
            self.net = nn.Sequential(*layers)

        def forward(self, v):  # v: (batch, genes) -> (batch, genes, n_out or hidden)
            return self.net(v.unsqueeze(-1))

    class SEMVAE(nn.Module):
        def __init__(self):
            super().__init__()
            init = torch.full((n_genes, n_genes), 1.0 / max(n_genes - 1, 1), dtype=torch.float32)
            init += torch.rand((n_genes, n_genes), generator=generator) * 2e-4
            init.fill_diagonal_(0.0)
            self.adj = nn.Parameter(init)  # DeepSEM orientation: adj[t, r] = effect of r on t
            self.encoder = GeneMLP(hidden, depth_out=False)
            self.enc_mu = nn.Linear(hidden, 1)
            self.enc_logvar = nn.Linear(hidden, 1)
            self.decoder = GeneMLP(1, depth_out=True)
            self.prior_mu = nn.Parameter(torch.zeros(n_genes))
            self.prior_logvar = nn.Parameter(torch.zeros(n_genes))
            self.register_buffer("offdiag", 1.0 - torch.eye(n_genes))
            self.register_buffer("eye", torch.eye(n_genes))
            for m in self.modules():
                if isinstance(m, nn.Linear):
                    with torch.no_grad():
                        std = math.sqrt(2.0 / (m.in_features + m.out_features))  # Xavier normal
                        m.weight.copy_(torch.randn(m.weight.shape, generator=generator) * std)
                        m.bias.zero_()

        def mixing(self):
            return self.eye - (self.adj * self.offdiag).T  # I - A^T

        def forward(self, x, noise, mixing_inv=None):
            mix = self.mixing()
            h = self.encoder(x)
            mu = self.enc_mu(h).squeeze(-1) @ mix
            logvar = self.enc_logvar(h).squeeze(-1) @ mix
            var = torch.exp(logvar)
            z = mu + noise * torch.sqrt(var + 1e-10)
            if mixing_inv is None:
                mixing_inv = torch.linalg.inv(mix)
            x_rec = self.decoder(z @ mixing_inv).squeeze(-1)
            p_mu = self.prior_mu @ mix
            p_var = torch.exp(self.prior_logvar @ mix)
            return x_rec, z, mu, var, p_mu, p_var

    return SEMVAE()


def _log_normal(x, mu, var):
    import torch

    var = var + 1e-8
    return -0.5 * torch.mean(math.log(2 * math.pi) + torch.log(var) + (x - mu) ** 2 / var, dim=-1)


def deepsem(
    x: np.ndarray,
    *,
    regulators: Sequence[bool] | None = None,
    n_epochs: int = 120,
    lr: float = 1e-4,
    alpha: float = 100.0,
    beta: float = 1.0,
    hidden: int = 128,
    batch_size: int = 64,
    k1: int = 1,
    k2: int = 2,
    gamma: float = 0.95,
    seed: int | None = 0,
    device: str | None = None,
    progress: Progress = None,
) -> np.ndarray:
    """Train DeepSEM on ``x`` and return ``|W|`` with rows = regulators.

    Parameters
    ----------
    x
        Cells x genes log-normalised expression (z-scored per gene here).
    regulators
        Boolean mask of candidate regulators (e.g. TFs); other rows are zeroed. ``None`` = every gene.
    n_epochs, lr, alpha, beta, hidden, batch_size, k1, k2, gamma
        Published defaults: 120 epochs, RMSprop lr 1e-4 (A: lr * 0.2), L1 weight 100, KL weight 1, 128 hidden
        units, batches of 64, alternate k1=1 MLP epoch and k2=2 adjacency epochs, MLP lr decay 0.95 per epoch.
    seed
        Seeds the initialisation, the batch order and the reparameterisation noise (torch.Generator); results are
        identical run to run on the same device and thread count.
    device
        ``"cpu"``, ``"cuda"``...; default: CUDA when available.
    progress
        Callback ``progress("deepsem", {"done": epoch, "total": n_epochs, "loss": ...})`` after every epoch;
        ``True`` logs it, ``False`` / ``None`` reports nothing.

    Returns
    -------
    ``(genes, genes)`` float32 scores, ``scores[i, j]`` = |effect of regulator i on target j|, zero diagonal.
    """
    torch = import_optional("torch", "DeepSEM")

    x = np.asarray(check_expression(np.asarray(x, dtype=np.float64), method="DeepSEM"))
    n_cells, n_genes = x.shape
    for name, value in (("n_epochs", n_epochs), ("hidden", hidden), ("batch_size", batch_size), ("k2", k2)):
        if int(value) < 1:
            raise ValueError(f"{name} must be >= 1, got {value}")
    if regulators is not None:
        regulators = np.asarray(regulators, dtype=bool)
        if regulators.shape != (n_genes,):
            raise ValueError(f"regulators mask must have length {n_genes}, got shape {regulators.shape}")

    dev = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    gen = torch.Generator().manual_seed(int(np.random.SeedSequence(seed).generate_state(1)[0]))
    data = torch.from_numpy(zscore(x)).to(torch.float32)

    model = _build_model(n_genes, int(hidden), gen).to(dev)
    adj = model.adj
    others = [p for name, p in model.named_parameters() if name != "adj"]
    opt_mlp = torch.optim.RMSprop(others, lr=lr)
    opt_adj = torch.optim.RMSprop([adj], lr=lr * 0.2)
    sched = torch.optim.lr_scheduler.StepLR(opt_mlp, step_size=1, gamma=gamma)

    report = as_callback(progress)
    for epoch in range(int(n_epochs)):
        train_adj = epoch % (k1 + k2) >= k1
        adj.requires_grad_(train_adj)
        for p in others:
            p.requires_grad_(not train_adj)
        mixing_inv = None
        if not train_adj:
            with torch.no_grad():  # A is fixed for the whole epoch: invert it once
                mixing_inv = torch.linalg.inv(model.mixing())
        order = torch.randperm(n_cells, generator=gen)
        for start in range(0, n_cells, int(batch_size)):
            batch = data[order[start:start + int(batch_size)]].to(dev)
            noise = torch.randn(batch.shape, generator=gen).to(dev)
            x_rec, z, mu, var, p_mu, p_var = model(batch, noise, mixing_inv)
            loss_rec = torch.mean((batch - x_rec) ** 2)
            loss_kl = torch.mean(_log_normal(z, mu, var) - _log_normal(z, p_mu, p_var))
            loss = loss_rec + beta * loss_kl + alpha * torch.mean(torch.abs(adj))
            opt_mlp.zero_grad(set_to_none=True)
            opt_adj.zero_grad(set_to_none=True)
            loss.backward()
            (opt_adj if train_adj else opt_mlp).step()
        sched.step()
        if not torch.isfinite(loss):
            raise FloatingPointError(f"DeepSEM diverged at epoch {epoch} (loss {loss.item()}); lower lr")
        if report is not None:
            report("deepsem", {"done": epoch + 1, "total": int(n_epochs), "loss": float(loss.item())})
    with torch.no_grad():
        a = (adj * model.offdiag).abs().cpu().numpy()
    # Boundary: DeepSEM's A is rows = targets; the suite wants rows = regulators.
    scores = np.ascontiguousarray(a.T, dtype=np.float32)
    if regulators is not None:
        scores[~regulators] = 0.0
    return scores
