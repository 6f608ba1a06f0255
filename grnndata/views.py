"""Summaries of one network: hub scores, eigenvector centrality, top regulators/targets, seeded neighbourhoods.

Every function takes either a :class:`~grnndata.GRnnData` or AnnData (plus ``key``) or a bare 2-D matrix with ``genes``.
Orientation: ``matrix[i, j]`` scores regulator ``genes[i]`` -> target ``genes[j]``.

This module holds the suite's ONE implementation of hub scores (:func:`hub_scores`) and eigenvector centrality
(:func:`eigenvector_centrality`, array core :func:`centrality_vector`); ``bengrn.enrichment`` calls them with its own
explicit options (``|score|``, self-loops excluded, symmetrised graph, per connected component).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp
from anndata import AnnData
from scipy.sparse import csgraph
from scipy.sparse import linalg as splinalg

from ._checks import as_network, check_genes, check_matrix
from .core import DEFAULT_KEY, GRnnData, _gene_position, _top_scores, _vector
from .edges import matrix_to_edges

logger = logging.getLogger(__name__)

Direction = Literal["out", "in", "undirected"]
DIRECTIONS = ("out", "in", "undirected")
#: Below this many genes the symmetric eigenproblem is solved densely (exact); above it with Lanczos (ARPACK).
DENSE_EIGH_MAX = 64


class ConvergenceError(RuntimeError):
    """The eigenvector did not converge within ``max_iter`` iterations."""


def resolve_network(network: Any, genes: Any = None, *, key: str = DEFAULT_KEY) -> tuple[Any, pd.Index]:
    """The input check of the network views (and bengrn.enrichment): ``(matrix, genes)`` from any accepted input.

    ``network`` is a GRnnData / AnnData (``key`` selects the network, genes are its ``var_names``; see
    :func:`grnndata._checks.as_network`), a DataFrame (genes = its index) or a dense / scipy sparse matrix with
    ``genes``. The matrix must be 2-D, square, match the genes and be finite (:func:`grnndata._checks.check_matrix`).
    Returns a float or integer ndarray or a CSR matrix without stored zeros (the zero rule: a zero is no edge,
    whether stored densely, sparsely or as an explicit sparse zero); bool scores become float64.
    """
    if isinstance(network, AnnData):
        matrix, genes = as_network(network, key=key)
    else:
        if genes is None:
            genes = getattr(network, "index", None)
        if genes is None:
            raise ValueError("genes is required with a matrix network: pass the gene symbols of its rows/columns")
        genes, matrix = check_genes(genes), network
    matrix = check_matrix(matrix, "network", square=True, finite=True)
    if matrix.shape[0] != len(genes):
        raise ValueError(f"network has {matrix.shape[0]} rows but {len(genes)} genes were given; they must match")
    if sp.issparse(matrix):
        matrix = sp.csr_matrix(matrix)
        if (matrix.data == 0).any():  # a stored zero is no edge: drop it from a copy, never from the caller's matrix
            matrix = matrix.copy()
            matrix.eliminate_zeros()
    else:
        matrix = np.asarray(matrix)
    if matrix.dtype.kind == "b":  # a 0/1 network: score it as float
        matrix = matrix.astype(np.float64)
    return matrix, genes


def _weights(matrix: Any, absolute: bool) -> Any:
    """``|matrix|`` (without a copy when already non-negative) or the matrix itself."""
    data = matrix.data if sp.issparse(matrix) else matrix
    if not absolute or data.size == 0 or data.min() >= 0:
        return matrix
    return abs(matrix) if sp.issparse(matrix) else np.abs(matrix)


def hub_scores(
    network: GRnnData | Any,
    genes: Any = None,
    *,
    key: str = DEFAULT_KEY,
    absolute: bool = True,
    self_loops: bool = True,
) -> pd.DataFrame:
    """Weighted out/in degree of every gene.

    Returns a DataFrame indexed by gene with ``out_degree`` (row sum: total score of the gene's outgoing
    regulator edges), ``in_degree`` (column sum), ``n_targets`` and ``n_regulators`` (nonzero counts).

    Parameters
    ----------
    absolute
        Sum ``|score|`` (default) so that positive and negative edges do not cancel; else the signed scores.
    self_loops
        Count the diagonal (``gene -> itself``) in all four columns (default, grnndata's view); ``False`` leaves it
        out (bengrn.enrichment's hubs).
    """
    matrix, genes = resolve_network(network, genes, key=key)
    w = _weights(matrix, absolute)
    out_deg = np.asarray(w.sum(axis=1, dtype=np.float64)).ravel()
    in_deg = np.asarray(w.sum(axis=0, dtype=np.float64)).ravel()
    if sp.issparse(w):  # no stored zeros after resolve_network
        n_targets = np.diff(w.indptr)
        n_regulators = np.bincount(w.indices, minlength=len(genes))
    else:
        nonzero = w != 0
        n_targets, n_regulators = nonzero.sum(axis=1), nonzero.sum(axis=0)
    if not self_loops:
        diag = np.asarray(w.diagonal(), dtype=np.float64).ravel()
        out_deg -= diag
        in_deg -= diag
        if absolute:  # cancellation can leave -1e-17 where a row held only its self-loop
            np.maximum(out_deg, 0, out=out_deg)
            np.maximum(in_deg, 0, out=in_deg)
        n_targets = n_targets - (diag != 0)
        n_regulators = n_regulators - (diag != 0)
    return pd.DataFrame(
        {
            "out_degree": out_deg,
            "in_degree": in_deg,
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
    direction: Direction = "out",
    absolute: bool = True,
    self_loops: bool = True,
    per_component: bool = False,
    max_iter: int = 1000,
    tol: float = 1e-6,
) -> pd.Series:
    """Eigenvector centrality of every gene (unit L2 norm), as a Series named ``eigenvector_centrality``.

    Parameters
    ----------
    direction
        ``"out"`` (default): ``x_i ∝ Σ_j w_ij x_j`` -- a regulator is central when it regulates central genes
        (networkx's ``eigenvector_centrality`` of the reversed graph). ``"in"``: ``x_j ∝ Σ_i w_ij x_i`` --
        networkx's convention on the graph itself. ``"undirected"``: the symmetrised graph ``W = w + w^T``
        (``networkx.eigenvector_centrality_numpy(networkx.Graph(W))``); regulatory networks are close to acyclic and
        a DAG has only zero eigenvalues, so this is the form that is defined on any network.
    absolute
        Use ``|score|`` (default). With ``False`` negative scores are an error (the Perron vector needs
        non-negative weights).
    self_loops
        Keep the diagonal (default). In the undirected graph a self-loop counts once, as in networkx.
    per_component
        ``False`` (default): one eigenvector of the whole graph. ``True``: each (weakly) connected component gets its
        own leading eigenvector (unit norm within the component) scaled by ``lambda_component / lambda_max``, so
        genes of the dominant component rank first and ranks inside every component stay informative (networkx
        refuses disconnected graphs); genes alone in their component get 0.
    max_iter, tol
        Directed graphs are solved by power iteration on ``M + I`` (as networkx does), converged when the L1 change
        is below ``n_genes * tol``. The undirected graph is symmetric and solved exactly: densely up to
        ``DENSE_EIGH_MAX`` genes, else by Lanczos (ARPACK ``eigsh``, relative tolerance ``tol``, at most
        ``max(max_iter, 20 * n)`` iterations, fixed start vector so that results are reproducible).
        :class:`ConvergenceError` when either does not converge.

    Notes
    -----
    A network without any edge has centrality 0 for every gene (logged).
    """
    matrix, genes = resolve_network(network, genes, key=key)
    values = centrality_vector(matrix, direction=direction, absolute=absolute, self_loops=self_loops,
                               per_component=per_component, max_iter=max_iter, tol=tol)
    return pd.Series(values, index=genes, name="eigenvector_centrality")


def centrality_vector(
    matrix: Any,
    *,
    direction: Direction = "out",
    absolute: bool = True,
    self_loops: bool = True,
    per_component: bool = False,
    max_iter: int = 1000,
    tol: float = 1e-6,
) -> np.ndarray:
    """Array core of :func:`eigenvector_centrality` (same options) for a checked square dense / sparse matrix."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
    w = _weights(matrix, absolute)
    data = w.data if sp.issparse(w) else w
    if data.size and data.min() < 0:
        raise ValueError("eigenvector centrality needs non-negative scores; pass absolute=True")
    m = _adjacency(w, direction, self_loops)
    n = m.shape[0]
    cent = np.zeros(n)
    if (m.nnz if sp.issparse(m) else np.count_nonzero(m)) == 0:
        if n:
            logger.warning("network has no edges: eigenvector centrality is 0 for every gene")
        return cent
    symmetric = direction == "undirected"
    if not per_component:
        return _leading(m, symmetric, max_iter, tol)[1]
    n_comp, labels = _components(m)
    if n_comp == 1:
        return _leading(m, symmetric, max_iter, tol)[1]
    sizes = np.bincount(labels)
    results = []
    for c in np.flatnonzero(sizes > 1):  # one eigenproblem per component (few), not a loop over genes
        idx = np.flatnonzero(labels == c)
        sub = m[idx][:, idx] if sp.issparse(m) else m[np.ix_(idx, idx)]
        lam, vec = _leading(sub, symmetric, max_iter, tol)
        results.append((idx, lam, vec))
    if not results:  # the only edges are self-loops of isolated genes
        return cent
    lam_max = max(lam for _, lam, _ in results)
    for idx, lam, vec in results:
        cent[idx] = vec * (lam / lam_max)
    logger.info(
        "graph has %d connected components (%d isolated genes): per-component eigenvectors scaled by their "
        "eigenvalue", n_comp, int((sizes == 1).sum())
    )
    return cent


def _adjacency(w: Any, direction: str, self_loops: bool) -> Any:
    """The float64 matrix whose leading eigenvector is the centrality (CSR when sparse)."""
    if sp.issparse(w):
        w = w.astype(np.float64)
        diag = w.diagonal()
        if direction == "undirected":
            m = w + w.T
            # a self-loop counts once (as in networkx), or not at all
            m = m - sp.diags(diag * (1.0 if self_loops else 2.0))
        else:
            m = w if direction == "out" else w.T
            if not self_loops and diag.any():
                m = m - sp.diags(diag)
        m = sp.csr_matrix(m)
        m.eliminate_zeros()
        return m
    if direction == "undirected":
        m = np.array(w, dtype=np.float64)  # a copy: symmetrised in place below
        diag = np.diag(m).copy()
        m += m.T  # numpy buffers the overlapping transpose
        np.fill_diagonal(m, diag if self_loops else 0.0)
        return m
    m = np.asarray(w if direction == "out" else w.T, dtype=np.float64)
    if not self_loops and np.diag(m).any():
        m = m.copy()
        np.fill_diagonal(m, 0.0)
    return m


def _components(m: Any) -> tuple[int, np.ndarray]:
    """Weakly connected components of the graph with non-negative adjacency ``m``."""
    n = m.shape[0]
    if not sp.issparse(m):
        # Cheap sufficient test for dense networks: a gene linked to every other gene connects the graph.
        support = m > 0
        hub = int(np.argmax(support.sum(axis=0) + support.sum(axis=1)))
        linked = support[hub] | support[:, hub]
        linked[hub] = True
        if linked.all():
            return 1, np.zeros(n, dtype=np.int64)
        m = sp.csr_matrix(support)
    return csgraph.connected_components(m, directed=True, connection="weak")


def _leading(m: Any, symmetric: bool, max_iter: int, tol: float) -> tuple[float, np.ndarray]:
    """Leading eigenvalue and its eigenvector (non-negative, unit norm) of a non-negative matrix."""
    n = m.shape[0]
    if symmetric:
        if n <= DENSE_EIGH_MAX:
            vals, vecs = np.linalg.eigh(m.toarray() if sp.issparse(m) else m)
            lam, vec = float(vals[-1]), vecs[:, -1]
        else:
            try:
                # ARPACK starts from a random vector unless given one; a fixed start makes the ranking reproducible.
                vals, vecs = splinalg.eigsh(m, k=1, which="LA", tol=tol, maxiter=max(max_iter, 20 * n),
                                            v0=np.full(n, 1.0 / np.sqrt(n)))
            except splinalg.ArpackNoConvergence as err:
                raise ConvergenceError(f"eigenvector centrality did not converge: {err}; raise max_iter") from err
            lam, vec = float(vals[0]), vecs[:, 0]
        # Perron-Frobenius: the leading eigenvector of a connected non-negative matrix has one sign.
        vec = np.abs(vec)
        return lam, vec / np.linalg.norm(vec)
    x = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        last = x
        x = last + np.asarray(m @ last).ravel()  # (M + I) x avoids oscillation on bipartite-like graphs
        norm = np.linalg.norm(x)
        x = x / (norm if norm > 0 else 1.0)
        if np.abs(x - last).sum() < n * tol:
            return float(np.linalg.norm(m @ x)), x
    raise ConvergenceError(f"eigenvector centrality did not converge in {max_iter} iterations; raise max_iter")


def top_regulators(
    network: GRnnData | Any, target: str, k: int = 10, genes: Any = None, *, key: str = DEFAULT_KEY, absolute: bool = False
) -> pd.Series:
    """The ``k`` highest-scoring regulators of ``target`` (nonzero scores), best first."""
    matrix, genes = resolve_network(network, genes, key=key)
    return _top_scores(matrix, genes, target, k, absolute, axis=1)


def top_targets(
    network: GRnnData | Any, regulator: str, k: int = 10, genes: Any = None, *, key: str = DEFAULT_KEY, absolute: bool = False
) -> pd.Series:
    """The ``k`` highest-scoring targets of ``regulator`` (nonzero scores), best first."""
    matrix, genes = resolve_network(network, genes, key=key)
    return _top_scores(matrix, genes, regulator, k, absolute, axis=0)


@dataclass
class Neighbourhood:
    """Seeded sub-network: ``nodes`` (seed first) and its strongest ``edges`` (source, target, weight).

    ``tied_neighbours`` / ``tied_edges`` are True when a gene / edge as strong as the last one kept was left out:
    the tie at the cut-off was decided by gene order (earlier genes first).
    """

    seed: str
    nodes: list[str]
    edges: pd.DataFrame
    tied_neighbours: bool = False
    tied_edges: bool = False


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
    matrix, genes = resolve_network(network, genes, key=key)
    pos = _gene_position(genes, seed)
    out_w, in_w = _vector(matrix, pos, axis=0), _vector(matrix, pos, axis=1)
    if absolute:
        out_w, in_w = np.abs(out_w), np.abs(in_w)
    strength = np.maximum(out_w, in_w).astype(np.float64)
    has_edge = (out_w != 0) | (in_w != 0)
    strength[pos] = -np.inf
    strength[~has_edge] = -np.inf
    order = np.argsort(-strength, kind="stable")
    n_candidates = int(np.isfinite(strength).sum())
    neighbours = order[: min(n_neighbours, n_candidates)]
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
    edges = matrix_to_edges(sub, nodes, absolute=absolute)
    edge_score = np.abs(edges["weight"].to_numpy()) if absolute else edges["weight"].to_numpy()
    return Neighbourhood(
        seed=seed, nodes=list(nodes), edges=edges.head(n_edges).reset_index(drop=True),
        tied_neighbours=_tie_at_cut(strength[order[:n_candidates]], n_neighbours),
        tied_edges=_tie_at_cut(edge_score, n_edges),
    )


def _tie_at_cut(ranked: np.ndarray, k: int) -> bool:
    """Whether keeping the first ``k`` of the descending ``ranked`` scores splits a group of equal scores."""
    return 0 < k < len(ranked) and ranked[k - 1] == ranked[k]
