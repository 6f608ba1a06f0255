"""Edge lists <-> network matrices, fully vectorised (no Python loop over edges).

Rules (documented once, used by :func:`grnndata.from_edges` and :meth:`grnndata.GRnnData.to_edges`):

- Orientation: ``matrix[i, j]`` is the score of the edge ``genes[i] -> genes[j]`` (row = source/regulator).
- A zero score means *no edge*. Rows with weight 0 are dropped when building a matrix (and explicit zeros
  are removed), and ``to_edges`` never returns a zero score. Dense and sparse networks therefore give the
  same edge list.
- Duplicated (source, target) pairs are combined by ``duplicates``: ``"max"`` (default, largest signed score),
  ``"min"``, ``"sum"``, ``"mean"``, ``"first"``, ``"last"`` (row order of the table) or ``"raise"``.
- Genes absent from ``genes`` are dropped with a logged warning (count and examples) and reported in the
  returned stats, or raise with ``errors="raise"``.
- ``to_edges``: ``min_score`` is applied first (``score >= min_score``), then ``top_k`` keeps the k highest
  scores per *target* (ties broken by regulator order in ``genes``). Output is sorted by score, descending.
"""
from __future__ import annotations

import logging
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ._checks import check_edge_table, examples

logger = logging.getLogger(__name__)

Duplicates = Literal["max", "min", "sum", "mean", "first", "last", "raise"]
_DUPLICATE_RULES = ("max", "min", "sum", "mean", "first", "last", "raise")


def _positions(values: pd.Series, genes: pd.Index) -> np.ndarray:
    """Position of each value in ``genes`` (-1 if absent); hashes each distinct name once."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    uniques = pd.Index(uniques)
    if not (pd.api.types.is_string_dtype(uniques.dtype) or uniques.dtype == object):
        uniques = uniques.astype(str)  # gene names are strings (as in anndata var_names)
    lookup = np.r_[genes.get_indexer(uniques), -1]  # code -1 (missing value) maps to the trailing -1
    return lookup[codes]


def edges_to_matrix(
    edges: pd.DataFrame,
    genes: pd.Index,
    *,
    source: str = "source",
    target: str = "target",
    weight: str | None = "weight",
    duplicates: Duplicates = "max",
    errors: Literal["warn", "raise", "ignore"] = "warn",
    dtype: Any = None,
) -> tuple[sp.csr_matrix, dict[str, Any]]:
    """Build a CSR network (rows = sources) over ``genes`` from an edge table.

    Parameters
    ----------
    edges
        Table with one row per edge.
    genes
        Unique gene names; row/column order of the result.
    source, target
        Column names of the regulator and the target.
    weight
        Column with the scores. If it is the default ``"weight"`` and absent, or ``None``, every edge scores 1.0.
    duplicates
        How repeated (source, target) pairs are combined (see module docstring).
    errors
        ``"warn"`` (default): drop edges with unknown genes and log a warning; ``"ignore"``: drop silently;
        ``"raise"``: raise ``ValueError``.
    dtype
        Score dtype; default keeps float32/float64 weights and uses float64 otherwise.

    Returns
    -------
    matrix, stats
        ``stats`` is JSON-able: ``n_edges_in``, ``n_edges``, ``n_unknown_edges``, ``unknown_genes`` (sorted list),
        ``n_duplicate_edges``, ``n_zero_edges``, ``duplicates``.
    """
    if duplicates not in _DUPLICATE_RULES:
        raise ValueError(f"duplicates must be one of {_DUPLICATE_RULES}, got {duplicates!r}")
    if errors not in ("warn", "raise", "ignore"):
        raise ValueError(f"errors must be 'warn', 'raise' or 'ignore', got {errors!r}")
    # the default weight column may be absent (unweighted edges); a named one must exist
    required = [source, target] + ([weight] if weight is not None and weight != "weight" else [])
    check_edge_table(edges, required)
    n = len(genes)
    n_in = len(edges)
    src = _positions(edges[source], genes)
    tgt = _positions(edges[target], genes)
    if weight is not None and weight in edges.columns:
        w = edges[weight].to_numpy()
        if w.dtype == object or w.dtype.kind not in "biuf":
            try:
                w = w.astype(np.float64)
            except (TypeError, ValueError) as err:
                raise TypeError(f"weight column {weight!r} must be numeric: {err}") from err
    else:
        w = np.ones(n_in, dtype=np.float64)
    if dtype is None:
        dtype = w.dtype if w.dtype in (np.float32, np.float64) else np.float64
    w = w.astype(dtype, copy=False)

    unknown = (src < 0) | (tgt < 0)
    n_unknown = int(unknown.sum())
    unknown_genes: list[str] = []
    if n_unknown:
        names = np.concatenate(
            [np.asarray(edges[source])[src < 0], np.asarray(edges[target])[tgt < 0]]
        ).astype(str)
        unknown_genes = sorted(pd.unique(names).tolist())
        msg = (
            f"{n_unknown} of {n_in} edges use {len(unknown_genes)} gene(s) not in the {n} genes "
            f"(e.g. {examples(unknown_genes)})"
        )
        if errors == "raise":
            raise ValueError(msg + "; subset the edge table or pass errors='warn' to drop them")
        if errors == "warn":
            logger.warning("%s; these edges are dropped", msg)
        keep = ~unknown
        src, tgt, w = src[keep], tgt[keep], w[keep]

    if w.size and not np.isfinite(w).all():
        bad = int((~np.isfinite(w)).sum())
        raise ValueError(f"weight column {weight!r} has {bad} NaN/inf value(s); drop or fill them first")

    lin = src.astype(np.int64) * n + tgt
    # only "first"/"last" need table order within a pair; quicksort is ~3x faster than a stable sort
    order = np.argsort(lin, kind="stable" if duplicates in ("first", "last") else "quicksort")
    lin, w = lin[order], w[order]
    if lin.size:
        starts = np.flatnonzero(np.r_[True, lin[1:] != lin[:-1]])
    else:
        starts = np.zeros(0, dtype=np.int64)
    n_dup = int(lin.size - starts.size)
    if n_dup and duplicates == "raise":
        dup_mask = np.r_[lin[1:] == lin[:-1], False]
        d = lin[dup_mask]
        pairs = [f"{genes[i // n]}->{genes[i % n]}" for i in d[:5]]
        raise ValueError(
            f"{n_dup} duplicated (source, target) edge(s), e.g. {pairs}; "
            "pass duplicates='max'|'min'|'sum'|'mean'|'first'|'last' to combine them"
        )
    ulin = lin[starts]
    if not n_dup:
        data = w
    elif duplicates in ("max", "raise"):
        data = np.maximum.reduceat(w, starts)
    elif duplicates == "min":
        data = np.minimum.reduceat(w, starts)
    elif duplicates == "sum":
        data = np.add.reduceat(w, starts)
    elif duplicates == "mean":
        counts = np.diff(np.r_[starts, lin.size])
        data = (np.add.reduceat(w.astype(np.float64), starts) / counts).astype(dtype)
    elif duplicates == "first":
        data = w[starts]
    else:  # last
        data = w[np.r_[starts[1:], lin.size] - 1]

    nonzero = data != 0
    n_zero = int(data.size - nonzero.sum())
    ulin, data = ulin[nonzero], data[nonzero]
    # ulin is sorted, i.e. row-major: CSR arrays can be written directly without another sort
    rows = ulin // n
    idx_dtype = np.int32 if max(n, ulin.size) < np.iinfo(np.int32).max else np.int64
    indices = (ulin - rows * n).astype(idx_dtype)
    indptr = np.zeros(n + 1, dtype=idx_dtype)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    matrix = sp.csr_matrix((data, indices, indptr), shape=(n, n))
    stats = {
        "n_edges_in": n_in,
        "n_edges": int(matrix.nnz),
        "n_unknown_edges": n_unknown,
        "unknown_genes": unknown_genes,
        "n_duplicate_edges": n_dup,
        "n_zero_edges": n_zero,
        "duplicates": duplicates,
    }
    return matrix, stats


def matrix_to_edges(
    matrix: np.ndarray | sp.spmatrix | sp.sparray,
    genes: pd.Index,
    *,
    top_k: int | None = None,
    min_score: float | None = None,
    absolute: bool = False,
) -> pd.DataFrame:
    """Edge table ``source, target, weight`` of a 2-D network (rows = sources); zero scores are not edges.

    ``min_score`` keeps ``score >= min_score``; ``top_k`` then keeps the k best regulators of each target.
    With ``absolute=True`` both rank and threshold use ``|score|`` (the ``weight`` column keeps the sign).
    Sorted by score (or ``|score|``) descending; ties by source then target order in ``genes``.
    """
    if matrix.ndim != 2:
        raise ValueError(
            f"to_edges needs a 2-D network, got shape {matrix.shape}; for a per-head stack pass head=<index> "
            "or reduce it first (e.g. stack.mean(axis=2))"
        )
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, (int, np.integer)) or top_k < 1):
        raise ValueError(f"top_k must be a positive integer or None, got {top_k!r}")
    if sp.issparse(matrix):
        coo = sp.csr_matrix(matrix).tocoo()  # CSR -> COO gives row-major order
        rows, cols, data = coo.row, coo.col, coo.data
        keep = data != 0
        rows, cols, data = rows[keep], cols[keep], data[keep]
    elif top_k is not None and top_k < matrix.shape[0]:
        arr = np.asarray(matrix)
        rows, cols = _dense_topk_candidates(arr, top_k, min_score, absolute)
        data = arr[rows, cols]
    else:
        arr = np.asarray(matrix)
        rows, cols = np.nonzero(arr)
        data = arr[rows, cols]
    score = np.abs(data) if absolute else data
    if min_score is not None:
        keep = score >= min_score
        rows, cols, data, score = rows[keep], cols[keep], data[keep], score[keep]
    if top_k is not None and data.size:
        keep = _top_k_per_column(cols, score.astype(np.float64), top_k, matrix.shape[1])
        rows, cols, data, score = rows[keep], cols[keep], data[keep], score[keep]
    order = np.argsort(-score.astype(np.float64), kind="stable")
    rows, cols, data = rows[order], cols[order], data[order]
    genes = pd.Index(genes)
    return pd.DataFrame(
        {
            "source": np.asarray(genes[rows], dtype=object),
            "target": np.asarray(genes[cols], dtype=object),
            "weight": data,
        }
    )


#: Elements of a dense network scored at once by :func:`_dense_topk_candidates` (bounds temporary memory).
_BLOCK_ELEMENTS = 1 << 23


def _dense_topk_candidates(
    arr: np.ndarray, top_k: int, min_score: float | None, absolute: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Row-major (rows, cols) of entries that can be in the per-column top-k of a dense network.

    Keeps, per column, every valid entry (nonzero, ``>= min_score``) scoring at least the column's k-th
    largest valid score, so ties at the boundary are all kept and the exact tie rule is applied afterwards.
    Avoids materialising all n^2 edges of a large dense network.
    """
    n_rows, n_cols = arr.shape
    width = max(1, _BLOCK_ELEMENTS // max(1, n_rows))
    rows_parts, cols_parts = [], []
    for c0 in range(0, n_cols, width):  # blocks of columns, not single genes
        block = arr[:, c0 : c0 + width]
        score = np.abs(block, dtype=np.float64) if absolute else block.astype(np.float64)
        invalid = block == 0
        if min_score is not None:
            invalid |= score < min_score
        score[invalid] = -np.inf
        kth = np.partition(score, n_rows - top_k, axis=0)[n_rows - top_k]
        r, c = np.nonzero((score >= kth) & ~invalid)
        rows_parts.append(r)
        cols_parts.append(c + c0)
    rows, cols = np.concatenate(rows_parts), np.concatenate(cols_parts)
    order = np.lexsort((cols, rows))
    return rows[order], cols[order]


def _rank_in_column(cols: np.ndarray, neg_score: np.ndarray, n_cols: int, stable: bool) -> tuple[np.ndarray, np.ndarray]:
    """Order grouping entries by column, best score first, and each entry's rank within its column."""
    order = np.argsort(neg_score, kind="stable" if stable else "quicksort")
    col_key = cols[order]
    if n_cols <= np.iinfo(np.uint16).max:
        col_key = col_key.astype(np.uint16)  # 16-bit keys get numpy's O(n) radix sort
    order = order[np.argsort(col_key, kind="stable")]
    cols_sorted = cols[order]
    group_start = np.flatnonzero(np.r_[True, cols_sorted[1:] != cols_sorted[:-1]])
    sizes = np.diff(np.r_[group_start, cols_sorted.size])
    rank = np.arange(cols_sorted.size) - np.repeat(group_start, sizes)
    return order, rank


def _top_k_per_column(cols: np.ndarray, score: np.ndarray, k: int, n_cols: int) -> np.ndarray:
    """Sorted positions of the k best entries of each column; ties broken by position (row-major order).

    Stage 1 finds each column's k-th best score with a fast unstable sort; stage 2 ranks only the entries
    reaching it (all boundary ties included) with stable sorts, so the tie rule is exact.
    """
    neg = -score
    order, rank = _rank_in_column(cols, neg, n_cols, stable=False)
    at_k = order[rank == k - 1]
    threshold = np.full(n_cols, -np.inf)
    threshold[cols[at_k]] = score[at_k]
    candidates = np.flatnonzero(score >= threshold[cols])
    order, rank = _rank_in_column(cols[candidates], neg[candidates], n_cols, stable=True)
    return np.sort(candidates[order[rank < k]])
