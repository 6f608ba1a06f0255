"""Input validation shared by the grnndata modules (genes, network matrices, metadata)."""
from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Iterable, Mapping
from pathlib import PurePath
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

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


def _check_finite_dense(arr: np.ndarray, key: str) -> None:
    if arr.dtype.kind != "f" or arr.size == 0:
        return
    rows_per_block = max(1, _FINITE_BLOCK_ELEMENTS // max(1, arr[0].size))
    for start in range(0, arr.shape[0], rows_per_block):  # blocks of rows, not genes one by one
        block = arr[start : start + rows_per_block]
        if not np.isfinite(block).all():
            bad = int((~np.isfinite(arr)).sum())
            raise ValueError(
                f"network {key!r} contains {bad} NaN/inf score(s); replace them "
                "(e.g. np.nan_to_num(matrix, nan=0.0)) before adding the network"
            )


def check_network(matrix: Any, genes: pd.Index, key: str) -> np.ndarray | sp.spmatrix | sp.sparray:
    """Validate a network for ``genes`` and return it in a form ``varp`` stores (without copying when possible).

    Accepts a dense array of shape (genes, genes) or (genes, genes, heads), a 2-D scipy sparse matrix/array
    (COO/LIL/... are converted to CSR; CSR/CSC are kept as they are) or a ``pd.DataFrame`` whose index and
    columns are the genes (reordered to ``genes``).
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
            raise ValueError(f"sparse network {key!r} must be 2-D, got {matrix.ndim}-D")
        if matrix.format not in ("csr", "csc"):
            matrix = matrix.tocsr()
        _check_numeric(matrix.dtype, key)
        if matrix.shape != (n, n):
            raise ValueError(
                f"network {key!r} has shape {matrix.shape} but there are {n} genes; "
                f"expected a square ({n}, {n}) matrix with rows = regulators, columns = targets"
            )
        if matrix.dtype.kind == "f" and not np.isfinite(matrix.data).all():
            bad = int((~np.isfinite(matrix.data)).sum())
            raise ValueError(
                f"network {key!r} contains {bad} NaN/inf score(s); replace them before adding the network"
            )
        return matrix
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
    _check_finite_dense(arr, key)
    return arr


def _jsonable(obj: Any) -> Any:
    """Turn numpy/pandas/path/datetime values into plain JSON types, recursively."""
    if isinstance(obj, Mapping):
        out = {}
        for k, v in obj.items():
            if not isinstance(k, str):
                k = str(k.item() if isinstance(k, np.generic) else k)
            out[k] = _jsonable(v)
        return out
    if isinstance(obj, (list, tuple, set, frozenset, pd.Index, pd.Series)):
        return [_jsonable(v) for v in (sorted(obj, key=str) if isinstance(obj, (set, frozenset)) else obj)]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, PurePath):
        return str(obj)
    if isinstance(obj, (_dt.datetime, _dt.date)):
        return obj.isoformat()
    return obj


def metadata_to_json(metadata: Mapping[str, Any], key: str) -> str:
    """Serialise network metadata to a JSON string (stored in ``uns``; exact round trip through .h5ad)."""
    if not isinstance(metadata, Mapping):
        raise TypeError(f"metadata of network {key!r} must be a dict, got {type(metadata).__name__}")
    try:
        return json.dumps(_jsonable(metadata), sort_keys=True)
    except (TypeError, ValueError) as err:
        raise TypeError(
            f"metadata of network {key!r} must be JSON-serialisable (str, numbers, bool, None, lists, dicts): {err}"
        ) from err
