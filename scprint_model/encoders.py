"""Token encoders: gene identity, expression value and genomic position."""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

#: chromosome vocabulary for the position encoder; index 0 is "unknown/other contig"
CHROMOSOMES = ["?"] + [str(i) for i in range(1, 23)] + ["X", "Y", "MT"]


class GeneEncoder(nn.Module):
    """Learned gene identity embedding, optionally initialised from a user table.

    Parameters
    ----------
    n_genes, d_model
        vocabulary size and model width.
    init
        optional float array (n_genes, k) of pre-computed gene embeddings (rows in vocabulary order; rows of NaN are
        genes missing from the table and keep the random initialisation). When k != d_model a learned linear
        projection k -> d_model is added.
    freeze
        keep the initial table fixed (only the projection learns).
    """

    def __init__(self, n_genes: int, d_model: int, init: np.ndarray | None = None, freeze: bool = False):
        super().__init__()
        k = d_model if init is None else int(init.shape[1])
        self.embedding = nn.Embedding(n_genes, k)
        nn.init.normal_(self.embedding.weight, std=0.5)
        if init is not None:
            if init.shape[0] != n_genes:
                raise ValueError(f"gene embedding table has {init.shape[0]} rows, vocabulary has {n_genes}")
            table = torch.as_tensor(np.asarray(init, dtype=np.float32))
            found = ~torch.isnan(table).any(dim=1)
            with torch.no_grad():
                self.embedding.weight[found] = table[found]
            self.embedding.weight.requires_grad_(not freeze)
        self.project = nn.Linear(k, d_model) if k != d_model else nn.Identity()

    def forward(self, gene_ids: torch.Tensor) -> torch.Tensor:
        return self.project(self.embedding(gene_ids))


class ExpressionEncoder(nn.Module):
    """Two-layer MLP over the log-normalised expression value log1p(x / total * 1e4) of each token."""

    def __init__(self, d_model: int):
        super().__init__()
        self.fc1 = nn.Linear(1, d_model)
        self.fc2 = nn.Linear(d_model, d_model)

    def forward(self, value: torch.Tensor) -> torch.Tensor:
        return self.fc2(torch.relu(self.fc1(value.unsqueeze(-1))))


def sinusoidal(positions: torch.Tensor, d_model: int) -> torch.Tensor:
    """Transformer-style sinusoidal encoding of (float) positions, shape positions.shape + (d_model,)."""
    half = d_model // 2
    freq = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=positions.device) / half)
    angle = positions.float().unsqueeze(-1) * freq
    enc = torch.cat([torch.sin(angle), torch.cos(angle)], dim=-1)
    if enc.shape[-1] < d_model:
        enc = torch.nn.functional.pad(enc, (0, d_model - enc.shape[-1]))
    return enc


class PositionEncoder(nn.Module):
    """Genomic position: learned chromosome embedding + sinusoidal (or learned) embedding of the position bin.

    ``chrom`` and ``bins`` are per-vocabulary-gene integer buffers (saved with the checkpoint), so inference does not
    need the annotation table.
    """

    def __init__(self, chrom: np.ndarray, bins: np.ndarray, d_model: int, kind: str = "sinusoidal"):
        super().__init__()
        if kind not in ("sinusoidal", "learned"):
            raise ValueError(f"position encoding must be 'sinusoidal' or 'learned', got {kind!r}")
        self.kind = kind
        self.register_buffer("chrom", torch.as_tensor(np.asarray(chrom, dtype=np.int64)))
        self.register_buffer("bins", torch.as_tensor(np.asarray(bins, dtype=np.int64)))
        self.chrom_embedding = nn.Embedding(len(CHROMOSOMES), d_model)
        nn.init.normal_(self.chrom_embedding.weight, std=0.1)
        if kind == "learned":
            self.bin_embedding = nn.Embedding(int(self.bins.max().item()) + 1, d_model)
            nn.init.normal_(self.bin_embedding.weight, std=0.1)
        self.d_model = d_model

    def forward(self, gene_ids: torch.Tensor) -> torch.Tensor:
        c = self.chrom_embedding(self.chrom[gene_ids])
        b = self.bins[gene_ids]
        if self.kind == "learned":
            return c + self.bin_embedding(b)
        return c + 0.1 * sinusoidal(b, self.d_model)


class ValueMLP(nn.Module):
    """scPRINT v1's continuous value encoder: Linear(1, d), then (LayerNorm, ReLU, Dropout, Linear(d, d)) x (layers-1).

    Inputs are clamped to [0, 1e5] first. The Sequential keeps the reference's indices (``net.0``, ``net.1``,
    ``net.4``, ...) so checkpoint keys map one to one; dropout is the identity at inference.
    """

    def __init__(self, d_model: int, layers: int = 2, max_value: float = 100_000.0):
        super().__init__()
        self.max_value = max_value
        mods: list[nn.Module] = [nn.Linear(1, d_model)]
        for _ in range(layers - 1):
            mods += [nn.LayerNorm(d_model), nn.ReLU(), nn.Identity(), nn.Linear(d_model, d_model)]
        self.net = nn.Sequential(*mods)

    def forward(self, value: torch.Tensor) -> torch.Tensor:
        return self.net(value.unsqueeze(-1).clamp(0, self.max_value))


class TablePositionEncoder(nn.Module):
    """A fixed (n_genes, d_model) table of genomic-position encodings, indexed by vocabulary id (scPRINT v1's ``pe``)."""

    def __init__(self, n_genes: int, d_model: int):
        super().__init__()
        self.register_buffer("table", torch.zeros(n_genes, d_model))

    def forward(self, gene_ids: torch.Tensor) -> torch.Tensor:
        return self.table[gene_ids]
