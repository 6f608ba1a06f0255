"""Validators of cells x genes data (expression matrices, AnnData, benchmark datasets); part of :mod:`grnndata._checks`,
which re-exports them so that there is one validator module to import from."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from anndata import AnnData

from ._checks import check_sparse_structure, examples

__all__ = ["check_expression", "check_adata", "check_dataset"]


def check_expression(
    x: Any, name: str = "x", *, method: str | None = None, min_cells: int = 2, min_genes: int = 2,
    counts: bool = False,
) -> np.ndarray | sp.spmatrix:
    """A cells x genes matrix with at least ``min_cells`` x ``min_genes``, finite, and non-negative when ``counts``.

    Dense input comes back as an ndarray, sparse input as it is (only its stored values are scanned).
    """
    who = method or name
    arr = x if sp.issparse(x) else np.asarray(x)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a cells x genes matrix, got shape {arr.shape}")
    n_cells, n_genes = arr.shape
    if n_cells < min_cells or n_genes < min_genes:
        raise ValueError(f"{who} needs at least {min_cells} cells and {min_genes} genes, got {n_cells} x {n_genes}")
    values = arr.data if sp.issparse(arr) else arr
    if values.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {values.dtype}")
    if values.size and not np.all(np.isfinite(values)):
        raise ValueError(f"{name} contains NaN or infinite values")
    if counts and values.size and float(values.min()) < 0:
        raise ValueError(f"{name} has negative values; {who} needs raw (or recovered integer) counts")
    return arr


def check_adata(
    adata: Any, *, method: str | None = None, min_cells: int = 2, min_genes: int = 2, case_sensitive: bool = False
) -> AnnData:
    """An AnnData of cells x genes with at least ``min_cells`` x ``min_genes`` and unique gene names.

    Unless ``case_sensitive``, names that differ only by case (``ABL1`` / ``abl1``) are refused and named: the
    suite's symbol rule would merge them.
    """
    if not isinstance(adata, AnnData):
        raise TypeError(f"expected an anndata.AnnData (cells x genes), got {type(adata).__name__}")
    if adata.n_obs < min_cells or adata.n_vars < min_genes:
        raise ValueError(f"need at least {min_cells} cells and {min_genes} genes, got {adata.n_obs} cells x "
                         f"{adata.n_vars} genes")
    if not adata.var_names.is_unique:
        dup = adata.var_names[adata.var_names.duplicated()][:5].tolist()
        raise ValueError(
            f"gene names (var_names) must be unique, duplicated: {dup}; call adata.var_names_make_unique()"
        )
    if case_sensitive:
        return adata
    # symbols are matched case-insensitively (ground_truths.ids.symbol_key: stripped, upper-cased)
    keys = pd.Index(adata.var_names.astype(str)).str.strip().str.upper()
    clash = keys.duplicated(keep=False)
    if clash.any():
        names = pd.Series(adata.var_names[clash]).groupby(keys[clash].to_numpy()).agg(" / ".join)
        raise ValueError(
            f"{len(names)} gene name(s) differ only by case ({examples(names.tolist(), 3)}); gene symbols are matched "
            "case-insensitively, so each pair would be one gene: sum or drop one spelling of each, or rename it"
        )
    return adata


def _columns_with(x: Any, bad: np.ndarray) -> np.ndarray:
    """Column indices of the stored values flagged by ``bad`` (``bad`` over ``x.data`` for sparse, ``x`` for dense)."""
    if not sp.issparse(x):
        return np.flatnonzero(bad.any(axis=0))
    if x.format == "csr":
        return np.unique(x.indices[bad])
    return np.unique(np.repeat(np.arange(x.shape[1]), np.diff(x.indptr))[bad])  # CSC (check_sparse_structure)


def _values(x: Any) -> np.ndarray:
    return x.data if sp.issparse(x) else np.asarray(x)


def check_dataset(adata: Any, *, name: str = "dataset", reference: Iterable[str] | None = None,
                  key: Any = None) -> AnnData:
    """A cells x genes dataset as loaded for a benchmark, or an error that names what is wrong with it.

    On top of :func:`check_adata` (unique gene names, also ignoring case) and :func:`check_sparse_structure` (a
    damaged sparse ``.X`` would crash scipy): every value of ``.X`` is finite (a NaN would otherwise drop
    its gene without a word or make the counts rule fail), an ``.X`` of integers holds no negative value unless
    ``layers["counts"]`` provides the counts (a negative count is a broken matrix, not normalised data), and, when
    ``reference`` gene names are given (e.g. the truths' genes), the matrix is not transposed: its obs names must
    not match the reference far better than its var names. ``key`` maps a list of names to their matching keys
    (default: the names as they are; bengrn passes the suite's symbol rule).
    """
    try:
        check_adata(adata, min_cells=1, min_genes=1)
    except ValueError as err:
        raise ValueError(f"{name}: {err}") from err
    genes = adata.var_names
    x = check_sparse_structure(adata.X, f"{name}: .X") if sp.issparse(adata.X) else adata.X
    values = _values(x)
    if values.dtype.kind == "f":
        bad = ~np.isfinite(values)
        if bad.any():
            cols = _columns_with(x, bad)
            raise ValueError(
                f"{name}: .X holds {int(bad.sum())} NaN/infinite value(s) in {cols.size} gene(s) "
                f"({examples(genes[cols])}); impute or remove them (or drop those genes) before benchmarking"
            )
    if values.size and values.dtype.kind in "if" and float(values.min()) < 0 and "counts" not in adata.layers \
            and np.array_equal(values, np.round(values)):
        neg = values < 0
        cols = _columns_with(x, neg)
        raise ValueError(
            f"{name}: .X holds integer counts but {int(neg.sum())} negative value(s) in {cols.size} gene(s) "
            f"({examples(genes[cols])}); counts cannot be negative: fix the matrix or give the raw counts in "
            "layers['counts']"
        )
    if reference is not None:
        _check_orientation(adata, reference, key or (lambda names: pd.Index(names).astype(str)), name)
    return adata


def _check_orientation(adata: AnnData, reference: Iterable[str], key: Any, name: str) -> None:
    ref = set(key(list(reference)))
    in_var = int(key(adata.var_names).isin(ref).sum())
    obs_hits = adata.obs_names[key(adata.obs_names).isin(ref)]
    if obs_hits.size >= 2 and obs_hits.size > 10 * in_var:
        raise ValueError(
            f"{name} looks transposed: {obs_hits.size} of its {adata.n_obs} obs names (rows) are reference genes "
            f"({examples(obs_hits, 3)}) but only {in_var} of its {adata.n_vars} var names (columns, e.g. "
            f"{examples(adata.var_names[:3], 3)}) are; AnnData holds cells as rows and genes as columns: save "
            "adata.T instead"
        )
