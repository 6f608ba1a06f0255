"""Shared toy data: raw counts generated from a planted regulator -> target network (decoupler's ``ds.toy()`` idea).

:func:`toy` returns a :class:`Toy` with

- ``adata``: cells x genes AnnData of raw integer counts (CSR, float32), genes named like human (or mouse) symbols:
  the first ``n_regulators`` are real transcription factors (``SOX2``, ``POU5F1``, ...; ``ZNF<k>`` past the list),
  the others look like ordinary genes (``TMEM12``, ``COL3``, ...). ``var["is_regulator"]`` marks the regulators and
  ``uns["dataset"]`` carries the generating parameters and the ``context`` dict of the truths contract.
- ``truth``: the planted edges as a ground-truth table ``source, target, weight`` (signed effect on log expression),
  sorted by (source, target), with ``attrs["protocol"]`` (every regulator was "assayed", every gene is a target) and
  ``attrs["context"]`` as :func:`ground_truths.load` returns them.
- ``network``: a :class:`~grnndata.GRnnData` over the same cells and genes whose ``"GRN"`` network is the planted one
  (rows = regulators).

Generative model (a linear structural equation model on log scale, then Poisson sampling):
``z = e (I - W)^-1`` with ``e ~ N(0, 1)`` for regulators and ``N(0, noise^2)`` for other genes, ``W[i, j]`` the
planted weight of regulator i -> gene j (``|w| ~ U(0.6, 1.2)``, random sign; regulator -> regulator edges only from a
lower to a higher index, so the graph is acyclic); counts ``~ Poisson(s_c * exp(b_j + 0.5 z_cj))`` with a per-gene
baseline ``b_j`` (mean count 2-20) and log-normal size factors ``s_c``. Correlation of log-normalised counts therefore
recovers the planted edges well above chance (see tests/grnndata/test_toy.py); the same ``seed`` always gives the same
object.

Example
-------
>>> from grnndata.toy import toy
>>> t = toy(n_cells=100, n_genes=30, n_regulators=5, n_edges=20, seed=0)
>>> t.adata.shape, len(t.truth), t.network.network().nnz
((100, 30), 20, 20)
"""
from __future__ import annotations

from dataclasses import dataclass

import anndata
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.linalg import spsolve_triangular

from .core import GRnnData
from .edges import edges_to_matrix

__all__ = ["Toy", "toy", "REGULATOR_NAMES"]

#: Real human transcription factors (all in the Lambert 2018 list) used, in this order, as toy regulators.
REGULATOR_NAMES = (
    "SOX2 POU5F1 NANOG KLF4 MYC GATA1 GATA2 GATA3 TP53 FOXA1 FOXA2 HNF4A CEBPA CEBPB SPI1 RUNX1 TAL1 PAX6 NR2F2 "
    "TBX5 MEF2C MYOD1 STAT3 IRF4 REL NFKB1 JUN FOS EGR1 E2F1 YY1 CTCF SP1 ATF4 XBP1 SRF TCF7 LEF1 HES1 ZEB1 SNAI1 "
    "TWIST1 SOX9 SOX10 OTX2 HOXA9 MEIS1 PBX1 ESRRB ETS1 ELK1 NRF1 MAX USF1 TEAD1 SMAD3 ARNT HIF1A VDR"
).split()
# gene families whose members are not transcription factors; names are interleaved TMEM1, COL1, SLC1, ...
_TARGET_FAMILIES = ("TMEM", "COL", "SLC", "FAM", "ANKRD", "LRRC", "RNF", "KCNJ", "ABCA", "PCDH")


@dataclass(frozen=True)
class Toy:
    """Toy counts, the planted truth and the planted network (see the module docstring)."""

    adata: anndata.AnnData
    truth: pd.DataFrame
    network: GRnnData


def _mouse_case(names: list[str]) -> list[str]:
    return [n[:1] + n[1:].lower() for n in names]


def toy_genes(n_genes: int, n_regulators: int, organism: str = "human") -> list[str]:
    """Gene names of a toy dataset: ``n_regulators`` TF symbols first, then ordinary-looking gene symbols."""
    regs = list(REGULATOR_NAMES[:n_regulators]) + [f"ZNF{100 + k}" for k in range(n_regulators - len(REGULATOR_NAMES))]
    n_other = n_genes - n_regulators
    per_family = -(-n_other // len(_TARGET_FAMILIES)) if n_other > 0 else 0
    others = [f"{fam}{k + 1}" for k in range(per_family) for fam in _TARGET_FAMILIES][:n_other]
    names = regs + others
    return _mouse_case(names) if organism == "mouse" else names


def _check_args(n_cells: int, n_genes: int, n_regulators: int, n_edges: int, organism: str) -> None:
    for name, value, low in (("n_cells", n_cells, 2), ("n_genes", n_genes, 2), ("n_regulators", n_regulators, 1),
                             ("n_edges", n_edges, 0)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"toy(): {name} must be an integer >= {low}, got {value!r}")
    if n_regulators > n_genes:
        raise ValueError(f"toy(): n_regulators={n_regulators} exceeds n_genes={n_genes}")
    # regulator i may target every later regulator and every non-regulator
    possible = n_regulators * (n_genes - n_regulators) + n_regulators * (n_regulators - 1) // 2
    if n_edges > possible:
        raise ValueError(f"toy(): n_edges={n_edges} exceeds the {possible} possible acyclic regulator -> gene edges "
                         f"for {n_regulators} regulators and {n_genes} genes; lower n_edges or add genes")
    if organism not in ("human", "mouse"):
        raise ValueError(f"toy(): organism must be 'human' or 'mouse', got {organism!r}")


def _planted_edges(rng: np.random.Generator, n_genes: int, n_regulators: int, n_edges: int) -> tuple[np.ndarray, ...]:
    """``n_edges`` distinct (source, target, weight): source a regulator, target a later gene (acyclic)."""
    src = np.repeat(np.arange(n_regulators), n_genes)
    tgt = np.tile(np.arange(n_genes), n_regulators)
    allowed = tgt > src  # regulators come first, so this is "later regulator or any non-regulator"
    src, tgt = src[allowed], tgt[allowed]
    pick = np.sort(rng.choice(src.size, size=n_edges, replace=False))
    weight = rng.uniform(0.6, 1.2, size=n_edges) * rng.choice([-1.0, 1.0], size=n_edges)
    return src[pick], tgt[pick], weight


def toy(
    n_cells: int = 200,
    n_genes: int = 40,
    n_regulators: int = 6,
    n_edges: int = 40,
    seed: int = 0,
    organism: str = "human",
    *,
    noise: float = 0.4,
) -> Toy:
    """Raw counts from a planted network, the planted truth and the planted network (deterministic for ``seed``).

    Parameters
    ----------
    n_cells, n_genes
        Shape of the count matrix.
    n_regulators
        The first ``n_regulators`` genes are the only possible sources of planted edges.
    n_edges
        Number of distinct planted regulator -> gene edges (no self-loops, acyclic).
    seed
        Seed of the :func:`numpy.random.default_rng` generator; the same seed gives the same object.
    organism
        ``"human"`` (upper-case symbols) or ``"mouse"`` (``Sox2``-style symbols); recorded in the context.
    noise
        Standard deviation of the independent log-scale noise of non-regulator genes.

    Returns
    -------
    Toy
        ``adata`` (cells x genes raw counts), ``truth`` (edge table with protocol and context attrs), ``network``.
    """
    _check_args(n_cells, n_genes, n_regulators, n_edges, organism)
    rng = np.random.default_rng(seed)
    genes = pd.Index(toy_genes(n_genes, n_regulators, organism))
    src, tgt, weight = _planted_edges(rng, n_genes, n_regulators, n_edges)
    w = sp.csr_matrix((weight, (src, tgt)), shape=(n_genes, n_genes))

    sd = np.where(np.arange(n_genes) < n_regulators, 1.0, noise)
    e = rng.normal(size=(n_cells, n_genes)) * sd
    # z (I - W) = e  <=>  (I - W)^T z^T = e^T; (I - W)^T is lower triangular because W is strictly upper triangular
    lower = (sp.identity(n_genes, format="csr") - w).T.tocsr()
    z = spsolve_triangular(lower, e.T, lower=True).T
    z /= z.std(axis=0, keepdims=True) + 1e-12  # every gene on the same log scale, however many parents it has
    baseline = np.log(rng.uniform(2.0, 20.0, size=n_genes))
    size = np.exp(rng.normal(0.0, 0.25, size=(n_cells, 1)))
    counts = rng.poisson(size * np.exp(baseline + 0.5 * z)).astype(np.float32)

    context = {"organism": organism, "cell_line": None, "cell_type": "toy"}
    regulators = genes[:n_regulators]
    adata = anndata.AnnData(
        X=sp.csr_matrix(counts),
        obs=pd.DataFrame(index=pd.Index([f"cell{i}" for i in range(n_cells)], name="cell")),
        var=pd.DataFrame({"is_regulator": np.arange(n_genes) < n_regulators}, index=pd.Index(genes, name="gene")),
    )
    params = {"n_cells": n_cells, "n_genes": n_genes, "n_regulators": n_regulators, "n_edges": n_edges,
              "seed": seed, "noise": noise}
    adata.uns["dataset"] = {"name": "toy", "description": "grnndata.toy: Poisson counts from a planted network",
                            "organism": organism, "value_type": "counts", "context": context, "parameters": params,
                            "matched_truth": "toy"}

    truth = pd.DataFrame({"source": genes[src].to_numpy(dtype=object), "target": genes[tgt].to_numpy(dtype=object),
                          "weight": weight})
    truth = truth.sort_values(["source", "target"], kind="stable").reset_index(drop=True)
    truth.attrs = {
        "name": "toy",
        "description": "planted regulator -> gene edges of grnndata.toy",
        "organism": organism,
        "directed": True,
        "options": params,
        "protocol": {"name": "toy", "regulators": list(regulators), "targets": None,
                     "description": "every regulator was perturbed in silico; every gene is measured"},
        "context": context,
    }

    matrix, stats = edges_to_matrix(truth, genes)
    network = GRnnData(adata)
    network.add_network("GRN", matrix, metadata={"method": "toy-planted", "parameters": params, "edges": stats})
    return Toy(adata=adata, truth=truth, network=network)
