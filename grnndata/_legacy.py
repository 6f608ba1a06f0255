"""GRnnData 1.3.2's accessors (``.grn``, ``.regulators``, ``.targets``, ``.get``, ``.extract_links``) as a mixin.

:class:`grnndata.GRnnData` inherits them, so every object ``grnndata.read_h5ad`` returns works with both APIs; each
accessor emits one ``FutureWarning`` naming the current API. They are thin views over ``varp["GRN"]`` (rows =
regulators, columns = targets, the orientation GRnnData 1.3.2 documents too). The 1.3.2 constructors live in
:mod:`grnndata.compat`.
"""
from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from anndata import AnnData

__all__ = ["LegacyAccessors", "deprecated"]

DEFAULT_KEY = "GRN"


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


class LegacyAccessors:
    """The 1.3.2 accessors; mixed into :class:`grnndata.GRnnData` (which provides ``network`` and AnnData)."""

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

    def get(self, elem: str | Sequence[str]) -> AnnData:
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
