"""Summaries of one network: hub scores, eigenvector centrality, top regulators/targets, seeded neighbourhoods.

Every function takes either a :class:`~grnndata.GRnnData` or AnnData (plus ``key``) or a bare 2-D matrix with ``genes``.
Orientation: ``matrix[i, j]`` scores regulator ``genes[i]`` -> target ``genes[j]``.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp
from anndata import AnnData

from ._checks import check_genes
from .core import DEFAULT_KEY, GRnnData, _ranked, _vector
from .edges import matrix_to_edges

logger = logging.getLogger(__name__)


class ConvergenceError(RuntimeError):
    """Power iteration did not converge within ``max_iter`` iterations."""


def _resolve(network: Any, genes: Any, key: str) -> tuple[Any, pd.Index]:
    if isinstance(network, AnnData):
        network = network if isinstance(network, GRnnData) else GRnnData(network)
        matrix, genes = network.network(key), network.genes
    else:
        matrix = network
        genes = check_genes(genes if genes is not None else getattr(network, "index", None))
        if hasattr(matrix, "to_numpy"):
            matrix = matrix.to_numpy()
    if getattr(matrix, "ndim", 2) != 2:
        raise ValueError(
            f"network has shape {matrix.shape}; these views need a 2-D network "
            "(reduce a per-head stack first, e.g. stack.mean(axis=2))"
        )
    if matrix.shape != (len(genes), len(genes)):
        raise ValueError(f"network has shape {matrix.shape} but there are {len(genes)} genes")
    return matrix, genes


def _weights(matrix: Any, absolute: bool) -> Any:
    if sp.issparse(matrix):
        return abs(sp.csr_matrix(matrix)) if absolute else sp.csr_matrix(matrix)
    arr = np.asarray(matrix, dtype=np.float64)
    return np.abs(arr) if absolute else arr


def hub_scores(
    network: GRnnData | Any,
    genes: Any = None,
    *,
    key: str = DEFAULT_KEY,
    absolute: bool = True,
) -> pd.DataFrame:
    """Weighted out/in degree of every gene.

    Returns a DataFrame indexed by gene with ``out_degree`` (row sum: total score of the gene's outgoing
    regulator edges), ``in_degree`` (column sum), ``n_targets`` and ``n_regulators`` (nonzero counts).
    ``absolute=True`` (default) sums ``|score|`` so that positive and negative edges do not cancel.
    """
    matrix, genes = _resolve(network, genes, key)
    w = _weights(matrix, absolute)
    if sp.issparse(w):
        out_deg = np.asarray(w.sum(axis=1)).ravel()
        in_deg = np.asarray(w.sum(axis=0)).ravel()
        nz = w.copy()
        nz.eliminate_zeros()
        n_targets = np.diff(nz.indptr)
        n_regulators = np.bincount(nz.indices, minlength=len(genes))
    else:
        out_deg, in_deg = w.sum(axis=1), w.sum(axis=0)
        nonzero = w != 0
        n_targets, n_regulators = nonzero.sum(axis=1), nonzero.sum(axis=0)
    return pd.DataFrame(
        {
            "out_degree": out_deg.astype(np.float64),
            "in_degree": in_deg.astype(np.float64),
            "n_targets": n_targets.astype(np.int64),
            "n_regulators": n_regulators.astype(np.int64),
        },
        index=genes,
    )


def eigenvector_centrality(
    network: GRnnData | Any,
    genes: Any = None,
    *,
    key: str = DEFAULT_KEY,
    direction: Literal["out", "in"] = "out",
    absolute: bool = True,
    max_iter: int = 1000,
    tol: float = 1e-6,
) -> pd.Series:
    """Eigenvector centrality by power iteration on ``M + I`` (as networkx does), unit L2 norm.

    ``direction="out"``: ``x_i ∝ Σ_j w_ij x_j`` -- a regulator is central when it regulates central genes
    (networkx's ``eigenvector_centrality`` of the reversed graph). ``direction="in"``: ``x_j ∝ Σ_i w_ij x_i``
    -- networkx's convention on the graph itself. Weights must be non-negative: ``absolute=True`` (default)
    uses ``|score|``. Converges when the L1 change is below ``n_genes * tol``; otherwise
    :class:`ConvergenceError`.
    """
    if direction not in ("out", "in"):
        raise ValueError(f"direction must be 'out' or 'in', got {direction!r}")
    matrix, genes = _resolve(network, genes, key)
    w = _weights(matrix, absolute)
    data = w.data if sp.issparse(w) else w
    if data.size and data.min() < 0:
        raise ValueError("eigenvector centrality needs non-negative scores; pass absolute=True")
    m = w if direction == "out" else w.T
    n = len(genes)
    if n == 0:
        return pd.Series([], index=genes, name="eigenvector_centrality", dtype=np.float64)
    x = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        last = x
        x = last + np.asarray(m @ last).ravel()  # (M + I) x avoids oscillation on bipartite-like graphs
        norm = np.linalg.norm(x)
        x = x / (norm if norm > 0 else 1.0)
        if np.abs(x - last).sum() < n * tol:
            return pd.Series(x, index=genes, name="eigenvector_centrality")
    raise ConvergenceError(f"eigenvector centrality did not converge in {max_iter} iterations; raise max_iter")


def top_regulators(
    network: GRnnData | Any, target: str, k: int = 10, genes: Any = None, *, key: str = DEFAULT_KEY, absolute: bool = False
) -> pd.Series:
    """The ``k`` highest-scoring regulators of ``target`` (nonzero scores), best first."""
    matrix, genes = _resolve(network, genes, key)
    pos = _position(genes, target)
    return _ranked(_vector(matrix, pos, axis=1), genes, k, absolute)


def top_targets(
    network: GRnnData | Any, regulator: str, k: int = 10, genes: Any = None, *, key: str = DEFAULT_KEY, absolute: bool = False
) -> pd.Series:
    """The ``k`` highest-scoring targets of ``regulator`` (nonzero scores), best first."""
    matrix, genes = _resolve(network, genes, key)
    pos = _position(genes, regulator)
    return _ranked(_vector(matrix, pos, axis=0), genes, k, absolute)


def _position(genes: pd.Index, gene: str) -> int:
    pos = int(genes.get_indexer([gene])[0])
    if pos < 0:
        raise KeyError(f"gene {gene!r} is not among the {len(genes)} genes of the network")
    return pos


@dataclass
class Neighbourhood:
    """Seeded sub-network: ``nodes`` (seed first) and its strongest ``edges`` (source, target, weight)."""

    seed: str
    nodes: list[str]
    edges: pd.DataFrame


def neighbourhood(
    network: GRnnData | Any,
    seed: str,
    genes: Any = None,
    *,
    key: str = DEFAULT_KEY,
    n_neighbours: int = 10,
    n_edges: int = 30,
    absolute: bool = True,
) -> Neighbourhood:
    """The seed gene, its ``n_neighbours`` most strongly connected genes and the ``n_edges`` best edges among them.

    A gene's connection to the seed is ``max(score(seed -> g), score(g -> seed))`` (of ``|score|`` when
    ``absolute``); genes with no edge to the seed are never neighbours. Edges are those of the induced
    sub-network (any direction, self-loops excluded), ranked by score (``|score|`` when ``absolute``).
    """
    if n_neighbours < 0 or n_edges < 0:
        raise ValueError("n_neighbours and n_edges must be >= 0")
    matrix, genes = _resolve(network, genes, key)
    pos = _position(genes, seed)
    out_w, in_w = _vector(matrix, pos, axis=0), _vector(matrix, pos, axis=1)
    if absolute:
        out_w, in_w = np.abs(out_w), np.abs(in_w)
    strength = np.maximum(out_w, in_w).astype(np.float64)
    has_edge = (out_w != 0) | (in_w != 0)
    strength[pos] = -np.inf
    strength[~has_edge] = -np.inf
    order = np.argsort(-strength, kind="stable")
    neighbours = order[: min(n_neighbours, int(np.isfinite(strength).sum()))]
    idx = np.r_[pos, neighbours].astype(np.int64)
    sub = matrix[idx][:, idx] if sp.issparse(matrix) else np.asarray(matrix)[np.ix_(idx, idx)]
    if sp.issparse(sub):
        sub = sp.csr_matrix(sub)
        sub.setdiag(0)
        sub.eliminate_zeros()
    else:
        sub = np.array(sub, copy=True)
        np.fill_diagonal(sub, 0)
    nodes = genes[idx]
    edges = matrix_to_edges(sub, nodes, absolute=absolute).head(n_edges).reset_index(drop=True)
    return Neighbourhood(seed=seed, nodes=list(nodes), edges=edges)
