"""Input validation: the one place where every public entry point checks what it was given (scikit-learn style).

One validator per input kind; each returns the input in the form its caller computes on (without copying when it
can) or raises an error that names the object, the problem and the fix. grnndata, scprint_model and bengrn call
them at their entry points (``ground_truths`` may not import grnndata and validates its own files).

========================  ==============================================================================
validator                 input kind
========================  ==============================================================================
:func:`check_genes`       gene names (unique strings)
:func:`check_key`         a network key (an HDF5 group name)
:func:`check_network`     a gene x gene network for ``varp`` (dense, sparse, per-head stack, DataFrame)
:func:`check_sparse_structure`  any scipy sparse matrix (indices/indptr in bounds) before arithmetic
:func:`check_matrix`      a 2-D score or label matrix (metrics, enrichment)
:func:`as_network`        "a network" in any accepted form (GRnnData/AnnData + key, DataFrame, matrix + genes)
:func:`check_expression`  a cells x genes expression matrix (finite; non-negative for counts)
:func:`check_adata`       an AnnData of cells x genes (size, unique gene names)
:func:`check_dataset`     a dataset for a benchmark (finite values, no negative counts, not transposed)
:func:`check_edge_table`  an edge table (required columns present)
:func:`metadata_to_json`  network provenance (JSON-serialisable dict)
========================  ==============================================================================
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from anndata import AnnData

from ._json import to_jsonable

__all__ = [
    "NetworkKeyError", "MissingColumnsError", "examples", "check_genes", "check_key", "check_network", "check_matrix",
    "check_sparse_structure", "eliminate_zeros",
    "as_network", "check_expression", "check_adata", "check_dataset", "check_edge_table", "metadata_to_json",
]

#: Rows scanned at a time when checking a dense network for NaN/inf (bounds the temporary boolean array).
_FINITE_BLOCK_ELEMENTS = 1 << 24


class NetworkKeyError(KeyError):
    """Unknown network key. ``str()`` gives the plain message (``KeyError`` would quote it)."""

    def __str__(self) -> str:  # KeyError.__str__ uses repr(), which garbles multi-part messages
        return str(self.args[0]) if self.args else ""


class MissingColumnsError(KeyError):
    """An edge table lacks a required column."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def examples(values: Iterable[Any], n: int = 5) -> str:
    """Short comma-separated preview of ``values`` for error messages."""
    values = list(values)
    shown = ", ".join(repr(v) for v in values[:n])
    return shown + (f", ... ({len(values)} in total)" if len(values) > n else "")


def check_genes(genes: Any) -> pd.Index:
    """Return ``genes`` as a ``pd.Index`` of unique strings, or raise a clear error."""
    if genes is None:
        raise ValueError("genes are required: pass the gene names (one per row/column of the network)")
    if isinstance(genes, str):
        raise TypeError("genes must be a list-like of gene names, not a single string")
    index = pd.Index(genes)
    if index.ndim != 1:
        raise ValueError(f"genes must be one-dimensional, got shape {np.shape(genes)}")
    if len(index) and not all(isinstance(g, str) for g in index[: min(len(index), 1000)]):
        # anndata stores var_names as strings; converting here keeps lookups consistent
        index = index.astype(str)
    if index.has_duplicates:
        dup = index[index.duplicated()].unique()
        raise ValueError(
            f"gene names must be unique; {len(dup)} duplicated: {examples(dup)}. "
            "Aggregate or rename them first (e.g. anndata's var_names_make_unique())."
        )
    return index


def check_key(key: Any) -> str:
    """Network keys become HDF5 group names: non-empty strings without '/'."""
    if not isinstance(key, str) or not key:
        raise TypeError(f"network key must be a non-empty string, got {key!r}")
    if "/" in key:
        raise ValueError(f"network key {key!r} must not contain '/' (it is an HDF5 group name)")
    return key


def _check_numeric(dtype: np.dtype, key: str) -> None:
    if dtype.kind not in "biuf":
        raise TypeError(f"network {key!r} must hold real numbers (bool/int/float), got dtype {dtype}")


def _count_not_finite(arr: np.ndarray) -> int:
    """Number of NaN/inf entries, scanned in blocks of rows (bounds the temporary boolean array)."""
    if arr.dtype.kind != "f" or arr.size == 0:
        return 0
    rows_per_block = max(1, _FINITE_BLOCK_ELEMENTS // max(1, arr[0].size))
    return sum(int((~np.isfinite(arr[s : s + rows_per_block])).sum()) for s in range(0, arr.shape[0], rows_per_block))


def _check_finite_dense(arr: np.ndarray, key: str) -> None:
    bad = _count_not_finite(arr)
    if bad:
        raise ValueError(
            f"network {key} contains {bad} NaN/inf score(s); replace them "
            "(e.g. np.nan_to_num(matrix, nan=0.0)) before adding the network"
        )


def check_sparse_structure(matrix: Any, name: str) -> Any:
    """Full structural check of a scipy sparse matrix (``check_format(full_check=True)``) before any arithmetic.

    A CSR/CSC whose ``indices`` point outside the matrix or whose ``indptr`` is not monotone (a damaged file) would
    otherwise crash scipy's C code; COO/LIL/... are converted to CSR, which checks their coordinates.
    """
    try:
        if matrix.format in ("csr", "csc"):
            matrix.check_format(full_check=True)
            return matrix
        return matrix.tocsr()
    except (ValueError, TypeError, IndexError) as err:
        raise ValueError(
            f"{name} is not a valid sparse {matrix.format.upper()} matrix ({err}); it is corrupt (e.g. a damaged "
            ".h5ad file or hand-edited index arrays): re-create it from its source"
        ) from err


def eliminate_zeros(matrix: Any) -> Any:
    """The zero rule: a zero is no edge. Stored zeros of a sparse matrix are removed (in a copy; the input is kept)."""
    if sp.issparse(matrix) and matrix.nnz and not matrix.data.all():
        matrix = matrix.copy()
        matrix.eliminate_zeros()
    return matrix


def check_network(
    matrix: Any, genes: pd.Index, key: str, *, where: str = ""
) -> np.ndarray | sp.spmatrix | sp.sparray:
    """Validate a network for ``genes`` and return it in a form ``varp`` stores (without copying when possible).

    Accepts a dense array of shape (genes, genes) or (genes, genes, heads), a 2-D scipy sparse matrix/array
    (structure fully checked; COO/LIL/... are converted to CSR; CSR/CSC are kept as they are, stored zeros removed)
    or a ``pd.DataFrame`` whose index and columns are the genes (reordered to ``genes``). ``where`` (e.g.
    ``" in adata.varp"``) says where the network came from in error messages.
    """
    n = len(genes)
    if isinstance(matrix, pd.DataFrame):
        if set(matrix.index) != set(genes) or set(matrix.columns) != set(genes):
            raise ValueError(
                f"network {key!r} is a DataFrame whose index/columns are not the genes; "
                "its index and columns must both contain exactly the gene names"
            )
        matrix = matrix.loc[genes, genes].to_numpy()
    if sp.issparse(matrix):
        if matrix.ndim != 2:
            raise ValueError(f"sparse network {key!r}{where} must be 2-D, got {matrix.ndim}-D")
        matrix = check_sparse_structure(matrix, f"network {key!r}{where}")
        _check_numeric(matrix.dtype, key)
        if matrix.shape != (n, n):
            raise ValueError(
                f"network {key!r}{where} has shape {matrix.shape} but there are {n} genes; "
                f"expected a square ({n}, {n}) matrix with rows = regulators, columns = targets"
            )
        if matrix.dtype.kind == "f" and not np.isfinite(matrix.data).all():
            bad = int((~np.isfinite(matrix.data)).sum())
            raise ValueError(
                f"network {key!r}{where} contains {bad} NaN/inf score(s); replace them before adding the network"
            )
        return eliminate_zeros(matrix)
    if hasattr(matrix, "detach") and hasattr(matrix, "numpy"):  # torch tensor: no torch import needed
        matrix = matrix.detach().cpu().numpy()
    arr = np.asarray(matrix)
    _check_numeric(arr.dtype, key)
    if arr.ndim not in (2, 3):
        raise ValueError(
            f"network {key!r} must be 2-D (genes, genes) or a 3-D per-head stack (genes, genes, heads); "
            f"got shape {arr.shape}"
        )
    if arr.shape[:2] != (n, n):
        raise ValueError(
            f"network {key!r} has shape {arr.shape} but there are {n} genes; expected ({n}, {n})"
            + (" or (genes, genes, heads)" if arr.ndim == 3 else "")
            + " with rows = regulators, columns = targets"
            + (
                ". For a (heads, genes, genes) stack use np.moveaxis(stack, 0, -1)"
                if arr.ndim == 3 and arr.shape[1:] == (n, n)
                else ""
            )
        )
    _check_finite_dense(arr, f"{key!r}{where}")
    return arr


def check_matrix(x: Any, name: str, *, square: bool = False, finite: bool = False) -> np.ndarray | sp.spmatrix:
    """A 2-D real matrix (dense ndarray or scipy sparse, kept as it is), or a clear error.

    ``square`` requires a (n, n) matrix; ``finite`` refuses NaN/inf. An edge table (``source``/``target`` columns)
    is refused with the hint to align it first; a per-head stack with the hint to pick or average a head.
    """
    if sp.issparse(x):
        if x.ndim != 2:
            raise ValueError(f"{name} must be 2-D, got shape {x.shape}")
        arr = check_sparse_structure(x, name)
        values = arr.data
    else:
        if isinstance(x, pd.DataFrame):
            if {"source", "target"} <= set(map(str, x.columns)):
                raise TypeError(
                    f"{name} looks like an edge table (source/target columns); turn it into a matrix over the "
                    "network's genes with bengrn.align(edges, genes) first"
                )
            x = x.to_numpy()
        try:
            arr = np.asarray(x)
        except Exception as err:  # noqa: BLE001 - exotic inputs get the same clear error
            raise TypeError(f"{name} must be a numpy array or scipy sparse matrix, got {type(x).__name__}") from err
        if arr.dtype == object or np.iscomplexobj(arr) or arr.dtype.kind not in "biuf":
            raise TypeError(
                f"{name} must be real numeric, got dtype {arr.dtype}; convert it with np.asarray(..., dtype=float)"
            )
        if arr.ndim != 2:
            hint = "; select one head of a per-head stack first (stack[:, :, h] or stack.mean(-1))" if arr.ndim == 3 else ""
            raise ValueError(f"{name} must be a 2-D gene x gene matrix, got shape {arr.shape}{hint}")
        values = arr
    if square and arr.shape[0] != arr.shape[1]:
        raise ValueError(f"{name} must be square (genes x genes), got shape {arr.shape}")
    if finite:
        bad = _count_not_finite(np.asarray(values).reshape(-1, 1) if values.ndim == 1 else values)
        if bad:
            raise ValueError(f"{name} contains {bad} NaN or infinite value(s); replace them (e.g. np.nan_to_num) first")
    return arr


def as_network(network: Any, genes: Any = None, key: str = "GRN") -> tuple[Any, pd.Index]:
    """``(matrix, genes)`` of "a network" given as a GRnnData/AnnData (network ``key``), a DataFrame indexed by gene,
    or a bare 2-D matrix with ``genes``; the matrix must be 2-D and match the genes.
    """
    if isinstance(network, AnnData):
        if key not in network.varp:
            keys = list(network.varp.keys())
            raise NetworkKeyError(f"no network {key!r}; available: {keys}" if keys else
                                  f"no network {key!r}: this AnnData has no varp network; add one first")
        matrix, genes = network.varp[key], check_genes(network.var_names)
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


def check_edge_table(edges: Any, columns: Sequence[str], *, what: str = "edge table") -> pd.DataFrame:
    """A DataFrame holding every column of ``columns``, or a clear error listing what it has."""
    if not isinstance(edges, pd.DataFrame):
        raise TypeError(f"{what} must be a pandas DataFrame, got {type(edges).__name__}")
    missing = [c for c in columns if c not in edges.columns]
    if missing:
        raise MissingColumnsError(
            f"{what} is missing column(s) {missing}; it has {list(edges.columns)}. "
            "Name them with source=..., target=..., weight=... (weight=None for unweighted edges)"
        )
    return edges


def metadata_to_json(metadata: Mapping[str, Any], key: str) -> str:
    """Serialise network metadata to a JSON string (stored in ``uns``; exact round trip through .h5ad)."""
    if not isinstance(metadata, Mapping):
        raise TypeError(f"metadata of network {key!r} must be a dict, got {type(metadata).__name__}")
    try:
        return json.dumps(to_jsonable(metadata, strict=True), sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as err:
        raise TypeError(
            f"metadata of network {key!r} must be JSON-serialisable (str, numbers, bool, None, lists, dicts): {err}"
        ) from err


# the cells x genes validators live in their own file (size); they are part of this module's interface
from ._checks_cells import check_adata, check_dataset, check_expression  # noqa: E402
