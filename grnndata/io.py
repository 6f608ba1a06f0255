"""Reading, writing and joining: :func:`read_h5ad`, :func:`from_edges` and :func:`concat`.

Writing is :meth:`GRnnData.write_h5ad` (temporary file + rename, :func:`grnndata._files.atomic_path`); any ``.h5ad``
written by grnndata is an ordinary AnnData file, and any AnnData file is read as a :class:`GRnnData`.
"""
from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import anndata
import numpy as np
import pandas as pd
import scipy.sparse as sp
from anndata import AnnData

from . import edges as _edges
from ._checks import check_genes, examples
from .core import DEFAULT_KEY, UNS_KEY, GRnnData, Matrix

__all__ = ["read_h5ad", "from_edges", "concat"]

def from_edges(
    edges: pd.DataFrame,
    genes: Sequence[str] | pd.Index,
    source: str = "source",
    target: str = "target",
    weight: str | None = "weight",
    key: str = DEFAULT_KEY,
    *,
    duplicates: _edges.Duplicates = "max",
    errors: Literal["warn", "raise", "ignore"] = "warn",
    dtype: Any = None,
    metadata: Mapping[str, Any] | None = None,
) -> GRnnData:
    """Network-only :class:`GRnnData` with a sparse CSR network built from an edge table.

    Rules (zero = no edge, duplicates, unknown genes) are in :mod:`grnndata.edges`. The edge-list stats
    (including the sorted list of ``unknown_genes``) are stored in the network metadata under ``"edges"``.
    """
    genes = check_genes(genes)
    matrix, stats = _edges.edges_to_matrix(
        edges, genes, source=source, target=target, weight=weight, duplicates=duplicates, errors=errors, dtype=dtype
    )
    md = {"method": "from_edges", "parameters": {"duplicates": duplicates}}
    md.update(dict(metadata or {}))
    md["edges"] = stats
    return GRnnData.from_matrix(matrix, genes, key=key, metadata=md)


def read_h5ad(filename: os.PathLike[str] | str, **kwargs: Any) -> GRnnData:
    """Read a ``.h5ad`` (written by grnndata or plain anndata) as :class:`GRnnData`."""
    if kwargs.get("backed"):
        raise NotImplementedError("backed reading is not supported by grnndata; use anndata.read_h5ad(backed=...)")
    return GRnnData(anndata.read_h5ad(filename, **kwargs))


def _same_matrix(a: Matrix, b: Matrix) -> bool:
    if a.shape != b.shape:
        return False
    if sp.issparse(a) and sp.issparse(b):
        return (sp.csr_matrix(a) != sp.csr_matrix(b)).nnz == 0
    a = a.toarray() if sp.issparse(a) else np.asarray(a)
    b = b.toarray() if sp.issparse(b) else np.asarray(b)
    return bool(np.array_equal(a, b))


def concat(
    objs: Sequence[AnnData],
    *,
    networks: Literal["same", "first"] = "same",
    **kwargs: Any,
) -> GRnnData:
    """Concatenate cells of several objects over the same genes, keeping the networks.

    Rule: all objects must have identical ``var_names`` (same genes, same order), else ``ValueError``.
    With ``networks="same"`` (default) they must also hold the same network keys with equal values
    (sparsity pattern aside), else ``ValueError`` naming the first difference; ``networks="first"`` keeps
    the networks of the first object without comparing. Network metadata and ``var`` come from the first
    object. ``kwargs`` go to :func:`anndata.concat` (e.g. ``label=``, ``keys=``, ``index_unique=``).
    """
    objs = list(objs)
    if not objs:
        raise ValueError("concat needs at least one object")
    for o in objs:
        if not isinstance(o, AnnData):
            raise TypeError(f"concat takes AnnData/GRnnData objects, got {type(o).__name__}")
    if networks not in ("same", "first"):
        raise ValueError(f"networks must be 'same' or 'first', got {networks!r}")
    if "axis" in kwargs and kwargs["axis"] not in (0, "obs"):
        raise ValueError("grnndata.concat only concatenates cells (axis=0)")
    kwargs.pop("axis", None)
    first = GRnnData(objs[0])
    genes = first.var_names
    for i, o in enumerate(objs[1:], start=1):
        if not o.var_names.equals(genes):
            only_first = genes.difference(o.var_names)
            only_other = o.var_names.difference(genes)
            detail = (
                f"{len(only_first)} gene(s) only in object 0 ({examples(only_first)}), "
                f"{len(only_other)} only in object {i} ({examples(only_other)})"
                if len(only_first) or len(only_other)
                else "same genes in a different order"
            )
            raise ValueError(
                f"cannot concatenate: genes of object {i} differ from object 0: {detail}. "
                "Subset all objects to common genes first, e.g. [a[:, common] for a in objs]"
            )
        if networks == "same":
            keys0, keys_i = set(first.varp.keys()), set(o.varp.keys())
            if keys0 != keys_i:
                raise ValueError(
                    f"cannot concatenate: object {i} has networks {sorted(keys_i)}, object 0 has {sorted(keys0)}; "
                    "pass networks='first' to keep the first object's networks"
                )
            for key in sorted(keys0):
                if not _same_matrix(first.varp[key], o.varp[key]):
                    raise ValueError(
                        f"cannot concatenate: network {key!r} differs between object 0 and object {i}; "
                        "pass networks='first' to keep the first object's networks"
                    )
    kwargs.setdefault("merge", "first")
    plain = anndata.concat([AnnData(o) if not o.is_view else o for o in objs], axis=0, **kwargs)
    out = GRnnData(plain)
    for key in first.varp.keys():
        out.varp[key] = first.varp[key]
    store = first._store()
    uns = dict(out.uns)
    uns[UNS_KEY] = store
    out.uns = uns
    return out
