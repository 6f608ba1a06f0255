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
from typing import Any

import pandas as pd
from anndata import AnnData

from ._legacy import deprecated
from .core import DEFAULT_KEY, GRnnData
from .io import from_edges
from .io import read_h5ad as _read_h5ad

__all__ = ["GRNAnnData", "from_anndata", "from_adata_and_longform", "read_h5ad"]


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
    """Read a ``.h5ad`` (grnndata, plain anndata or GRnnData 1.3.2) as a :class:`GRNAnnData`.

    ``grnndata.read_h5ad`` returns a :class:`~grnndata.GRnnData`, which has the 1.3.2 accessors too; this name
    exists so that ``grnndata.compat.read_h5ad`` keeps 1.3.2's class. It does not warn (the name is shared by both
    APIs); the accessors warn when used.
    """
    return GRNAnnData.wrap(_read_h5ad(filename, **kwargs))
