"""Which genes of a cell go into each forward pass (its "context"), and in what order the cells are visited.

Two selections:

- ``"chunks"`` (genome-wide mode): every requested gene of the cell, split at random (``numpy.random.Generator``)
  into chunks of at most ``context`` genes, one forward pass each. With ``context`` >= the number of genes this is
  one pass with all genes: scprint's ``GNInfer(how="given")`` / the collator's ``how="some"``.
- ``"random-expr"``: scdataloader's ``Collator(how="random expr")``, draw for draw: up to ``context`` of the cell's
  expressed genes at random, then, if fewer are expressed, random unexpressed genes to fill ``context`` (the
  "unexpressed-gene padding"), one pass per cell; drawn with numpy's legacy ``RandomState(seed)`` (the generator
  behind ``np.random.seed``), genes in vocabulary order, cells by decreasing total count as ``GNInfer.predict``
  orders them. Given the same seed and a cell laid out on the whole vocabulary, the same counts give the same tokens.

A sequence is ``(genes, counts, depth)``: indices into the output genes, their raw counts, the cell's depth.
"""
from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

SELECTIONS = ("chunks", "random-expr")


def cell_order(counts: sp.csr_matrix, selection: str) -> np.ndarray:
    """Visiting order of the cells: as given, or (random-expr) by decreasing total count like GNInfer.predict."""
    if selection == "random-expr":
        return np.argsort(-np.asarray(counts.sum(axis=1)).ravel())
    return np.arange(counts.shape[0])


def make_rng(selection: str, seed: int):
    """The generator each selection draws from (see the module docstring)."""
    return np.random.RandomState(seed) if selection == "random-expr" else np.random.default_rng(seed)


def _random_expr(expressed: np.ndarray, unexpressed: np.ndarray, context: int, rs: np.random.RandomState):
    """The collator's "random expr" draw: expressed genes (subset if more than ``context``), then zero padding."""
    if context < len(expressed):
        loc = expressed[rs.choice(len(expressed), context, replace=False)]
    else:
        loc = expressed
    if context > len(expressed):
        n_pad = min(context - len(expressed), len(unexpressed))  # the reference fails when too few genes exist
        loc = np.concatenate([loc, unexpressed[rs.choice(len(unexpressed), n_pad, replace=False)]])
    return [loc] if len(loc) else []


def _chunks(genes: np.ndarray, context: int, rng: np.random.Generator) -> list[np.ndarray]:
    if len(genes) == 0:
        return []
    perm = rng.permutation(genes)
    return np.array_split(perm, math.ceil(len(perm) / context))


def sequences(counts: sp.csr_matrix, totals: np.ndarray, cells: np.ndarray, usable: np.ndarray, context: int, rng,
              *, selection: str = "chunks", expressed_only: bool = False) -> list[tuple]:
    """The forward passes of ``cells`` (in order): ``[(genes, counts, depth), ...]``.

    Parameters
    ----------
    counts, totals
        (cells x G) raw counts (CSR) and each cell's depth (total counts over all its genes).
    usable
        output genes that are in the model vocabulary, in vocabulary order.
    context
        genes per forward pass.
    rng
        from :func:`make_rng` for the same ``selection``.
    expressed_only
        ``"chunks"`` only: keep only the cell's expressed genes (the mean-softmax variant).
    """
    out = []
    dense = np.zeros(counts.shape[1], dtype=np.float32)
    for c in cells:
        start, end = counts.indptr[c], counts.indptr[c + 1]
        dense[counts.indices[start:end]] = counts.data[start:end]
        values = dense[usable]
        if selection == "random-expr":
            parts = _random_expr(usable[values > 0], usable[values == 0], context, rng)
        else:
            parts = _chunks(usable[values > 0] if expressed_only else usable, context, rng)
        out.extend((g, dense[g].copy(), float(totals[c])) for g in parts)
        dense[counts.indices[start:end]] = 0
    return out
