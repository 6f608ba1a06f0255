"""Existing networks from files or memory: GRnnData / AnnData ``.h5ad`` and edge lists in the usual tools' layouts.

:func:`read_network` is the one entry point (used by ``bengrn score`` and :func:`bengrn.benchmark`); it returns a
:class:`LoadedNetwork`: a GRnnData over the scoring genes (rows = regulators) and a provenance dict.

Inputs and how they are recognised (every guess can be overridden): the file's **format** and an edge table's column
**layout** (pySCENIC / arboreto ``TF,target,importance``, BEELINE ``Gene1,Gene2,EdgeWeight``, CellOracle links scored
by ``coef_abs``, GENIE3, decoupler ``source,target,weight``, headerless) are detected by :mod:`bengrn.layouts`; the
**network key** of an ``.h5ad`` is ``key=``, else ``"GRN"``, else its only ``varp`` entry.

Genes: the scoring universe is ``genes`` when given (the genes the method was allowed to use, so that pairs it did not
score count as absent edges, not as missing ones), else the network's own genes (an ``.h5ad``'s genes, or every gene
named in the edge table). Names are matched by ``ground_truths.ids.symbol_key``; edges naming a gene outside
``genes`` are dropped with a warning and counted. Signs are kept (a negative weight stays negative); the metrics score
``|weight|`` unless the caller asks for signed scores (:meth:`LoadedNetwork.scores`). Repeated (source, target)
pairs keep the weight of largest magnitude.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
from anndata import AnnData

import grnndata
from bengrn.errors import BenchmarkError
from bengrn.layouts import detect_format, open_text, read_edge_table, resolve_columns, standard_columns
from grnndata._checks import examples
from grnndata._files import sha256_file
from ground_truths.ids import symbol_key

logger = logging.getLogger(__name__)

__all__ = ["LoadedNetwork", "network_name", "read_genes", "read_network"]


@dataclass
class LoadedNetwork:
    """One network ready to score: ``net`` (GRnnData, network ``"GRN"`` over the scoring genes) and its provenance."""

    name: str
    net: Any
    info: dict = field(default_factory=dict)
    context: dict = field(default_factory=dict)

    @property
    def genes(self) -> list[str]:
        return [str(g) for g in self.net.var_names]

    def scores(self, signed: bool = False):
        """The matrix the metrics rank: ``|weight|`` (default) or the signed weights."""
        m = self.net.network("GRN")
        if signed:
            return m
        return abs(m) if sp.issparse(m) else np.abs(np.asarray(m))


def network_name(spec: str) -> tuple[str, str]:
    """``NAME=PATH`` -> ``(NAME, PATH)``; a bare path is named by its file stem (``.gz`` and the format removed)."""
    if "=" in spec and not Path(spec).exists():
        name, path = spec.split("=", 1)
        if name.strip() and path.strip():
            return name.strip(), path.strip()
    path = Path(spec)
    stem = path.name[: -len(".gz")] if path.name.endswith(".gz") else path.name
    return Path(stem).stem or path.name, spec


# --------------------------------------------------------------------------------------------- edges
def _check_edges(df: pd.DataFrame, what: str) -> pd.DataFrame:
    """Drop rows without a gene name; refuse non-numeric or non-finite weights with the count and examples."""
    if df.empty:
        raise BenchmarkError(f"{what} has no edge (only a header?)")
    named = df["source"].notna() & df["target"].notna()
    if not named.all():
        logger.warning("%s: %d row(s) without a source or target gene dropped", what, int((~named).sum()))
        df = df[named]
    df = df.assign(source=df["source"].astype(str), target=df["target"].astype(str))
    if "weight" not in df:
        return df.assign(weight=1.0)
    w = pd.to_numeric(df["weight"], errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(w)
    if bad.any():
        raw = df["weight"][bad].astype(str).unique()[:3]
        raise BenchmarkError(
            f"{what}: {int(bad.sum())} weight(s) are not finite numbers (e.g. {', '.join(raw)}); fix or drop those "
            "rows, or score another column with --weight"
        )
    return df.assign(weight=w)


def _strongest(df: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """One row per (source, target): the weight of largest magnitude (its sign kept)."""
    order = np.argsort(-np.abs(df["weight"].to_numpy()), kind="stable")
    df = df.iloc[order]
    dup = df.duplicated(["source", "target"], keep="first").to_numpy()
    return df[~dup], int(dup.sum())


# --------------------------------------------------------------------------------------------- genes
def read_genes(path: str | os.PathLike) -> list[str]:
    """Genes of a ``--genes`` file: one symbol per line; blank lines and ``#`` comments ignored."""
    path = Path(path)
    if not path.is_file():
        raise BenchmarkError(f"--genes file {str(path)!r} not found")
    with open_text(path) as fh:
        lines = [ln.strip() for ln in fh if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise BenchmarkError(f"--genes file {str(path)!r} holds no gene")
    if any("\t" in ln or "," in ln for ln in lines[:100]):
        raise BenchmarkError(f"--genes file {str(path)!r} must hold one gene per line (found tabs or commas)")
    return list(dict.fromkeys(lines))


def _positions(names: Sequence[str], genes: Sequence[str], what: str) -> np.ndarray:
    """Position of each of ``names`` in ``genes`` by the symbol rule (-1 if absent); ``genes`` must be unique."""
    keys = symbol_key(genes)
    if not keys.is_unique:
        dup = keys[keys.duplicated()].unique()
        raise BenchmarkError(f"{what} names genes twice (up to case): {examples(list(dup))}; make them unique")
    return keys.get_indexer(symbol_key(names))


def _warn_unknown(what: str, n_unknown: int, n_in: int, missing: Sequence[str], genes: Sequence[str]) -> None:
    if n_unknown == n_in:
        raise BenchmarkError(
            f"no edge of {what} links two of the {len(genes)} genes (e.g. {examples(list(genes))}); its genes look "
            f"like {examples(list(missing))}. Check --genes / --data and the id type (symbols)")
    if n_unknown:
        logger.warning("%s: %d of %d edges name %d gene(s) outside the %d genes (e.g. %s); dropped", what, n_unknown,
                       n_in, len(missing), len(genes), examples(list(missing)))


def _edges_network(df: pd.DataFrame, genes: Sequence[str] | None, what: str, metadata: dict):
    """GRnnData over ``genes`` (or the table's genes) from a clean (source, target, weight) table."""
    universe = "the gene universe" if genes is not None else what
    if genes is None:
        genes = pd.unique(np.concatenate([df["source"].to_numpy(), df["target"].to_numpy()]))
    genes = [str(g) for g in genes]
    names = np.asarray(genes, dtype=object)
    src = _positions(df["source"], genes, universe)
    tgt = _positions(df["target"], genes, universe)
    known = (src >= 0) & (tgt >= 0)
    n_unknown = int((~known).sum())
    missing = pd.unique(np.concatenate([df["source"].to_numpy()[src < 0], df["target"].to_numpy()[tgt < 0]]))
    _warn_unknown(what, n_unknown, len(df), missing, genes)
    # Names are rewritten in the universe's spelling so that from_edges matches them exactly.
    table = pd.DataFrame({"source": names[src[known]], "target": names[tgt[known]],
                          "weight": df["weight"].to_numpy()[known]})
    table, n_dup = _strongest(table)
    net = grnndata.from_edges(table, genes=genes, duplicates="raise", errors="raise", metadata=metadata)
    stats = {"n_edges_in": int(len(df)), "n_edges_unknown_genes": n_unknown, "n_duplicate_pairs": n_dup,
             "n_edges": int(net.network("GRN").nnz), "n_genes": len(genes)}
    return net, stats


def _reindex(matrix, own: Sequence[str], genes: Sequence[str], what: str) -> tuple[sp.csr_matrix, int]:
    """``matrix`` over ``own`` genes as a CSR matrix over ``genes`` (entries of other genes dropped, counted)."""
    pos = _positions(own, genes, "the gene universe")
    coo = sp.coo_matrix(matrix)
    rows, cols = pos[coo.row], pos[coo.col]
    keep = (rows >= 0) & (cols >= 0)
    missing = np.asarray(own, dtype=object)[pos < 0]
    _warn_unknown(what, int((~keep).sum()), int(coo.nnz), missing, genes)
    out = sp.csr_matrix((coo.data[keep], (rows[keep], cols[keep])), shape=(len(genes), len(genes)))
    return out, int((~keep).sum())


def _h5ad_network(adata: AnnData, key: str | None, genes: Sequence[str] | None, what: str):
    """GRnnData (network ``"GRN"``) from an AnnData's ``varp[key]``, re-indexed to ``genes`` when given."""
    keys = list(adata.varp.keys())
    if not keys:
        raise BenchmarkError(f"{what} has no network (adata.varp is empty); an expression file goes to --data")
    if key is None:
        key = "GRN" if "GRN" in keys else keys[0] if len(keys) == 1 else None
        if key is None:
            raise BenchmarkError(f"{what} holds several networks ({', '.join(keys)}); choose one with --key")
    elif key not in keys:
        raise BenchmarkError(f"{what} has no network {key!r}; its networks: {', '.join(keys)} (--key)")
    matrix = adata.varp[key]
    if np.ndim(matrix) != 2:
        raise BenchmarkError(f"network {key!r} of {what} is a per-head stack {np.shape(matrix)}; score a 2-D network")
    own = [str(g) for g in adata.var_names]
    n_edges = int(matrix.nnz) if sp.issparse(matrix) else int(np.count_nonzero(matrix))
    stats = {"key": key, "n_edges_in": n_edges, "n_genes_in": len(own), "n_edges_unknown_genes": 0}
    if genes is not None and [str(g) for g in genes] != own:
        genes = [str(g) for g in genes]
        matrix, stats["n_edges_unknown_genes"] = _reindex(matrix, own, genes, what)
    else:
        genes = own
    try:
        net = grnndata.GRnnData.from_matrix(matrix, genes, metadata={"method": "bengrn.networks", "key": key})
    except ValueError as exc:  # NaN scores, a broken sparse structure: grnndata's message names the problem
        raise BenchmarkError(f"{what}: {exc}") from exc
    m = net.network("GRN")
    return net, {**stats, "n_edges": int(m.nnz) if sp.issparse(m) else int(np.count_nonzero(m)), "n_genes": len(genes)}


def _context(adata: AnnData | None) -> dict:
    meta = adata.uns.get("dataset") if adata is not None else None
    meta = meta if isinstance(meta, Mapping) else {}
    ctx = meta.get("context") if isinstance(meta.get("context"), Mapping) else {}
    return {"dataset": meta.get("name"), "organism": ctx.get("organism") or meta.get("organism"),
            "cell_line": ctx.get("cell_line"), "cell_type": ctx.get("cell_type")}


# --------------------------------------------------------------------------------------------- entry point
def read_network(obj: Any, *, name: str | None = None, key: str | None = None, layout: str | None = None,
                 source: str | None = None, target: str | None = None, weight: str | None = None,
                 genes: Sequence[str] | None = None) -> LoadedNetwork:
    """Read one network (a path, a GRnnData / AnnData, or an edge DataFrame) over the scoring genes.

    Parameters
    ----------
    obj
        ``.h5ad`` / edge-table path, GRnnData / AnnData (network in ``varp``), or a DataFrame of edges.
    name
        Name of the network in results (default: the file stem, or ``"network"``).
    key
        ``varp`` key of an AnnData network (default ``"GRN"``, else its only one).
    layout
        Force a layout of :data:`bengrn.layouts.LAYOUTS` instead of detecting it from the columns.
    source, target, weight
        Override the layout's columns (e.g. ``weight="coef_mean"`` for CellOracle links).
    genes
        The scoring universe (see the module docstring); default: the network's genes.

    Returns
    -------
    LoadedNetwork
        ``info`` records the source (path and sha256, or the object's type), format, layout, columns and the edge
        counts (read, unknown genes, duplicate pairs, kept); ``context`` the dataset name / organism / cell line /
        cell type stored in an AnnData's ``uns["dataset"]``, when there.
    """
    info: dict[str, Any] = {}
    adata = None
    if isinstance(obj, (str, os.PathLike)):
        path = Path(obj)
        name = name or network_name(str(path))[0]
        what = f"network file {str(path)!r}"
        if not path.is_file():
            raise BenchmarkError(f"{what} not found")
        info.update(source=str(path.resolve()), sha256=sha256_file(path))
        fmt = detect_format(path)
        if fmt == "h5ad":
            try:
                adata = grnndata.read_h5ad(path)
            except Exception as exc:  # h5py/anndata raise many types for a damaged file
                raise BenchmarkError(f"could not read {what} as .h5ad: {exc}") from exc
        else:
            df, detected = read_edge_table(path, fmt, layout=layout, source=source, target=target, weight=weight)
            info.update(detected)
    elif isinstance(obj, AnnData):
        adata, name = obj, name or "network"
        what = f"network {name!r}"
        info.update(source=type(obj).__name__)
    elif isinstance(obj, pd.DataFrame):
        name = name or "network"
        what = f"network {name!r} (DataFrame)"
        lay, src, tgt, w = resolve_columns(obj.columns, what, layout=layout, source=source, target=target,
                                           weight=weight)
        df = standard_columns(obj, src, tgt, w)
        info.update(source="DataFrame", format="DataFrame", layout=lay.name, columns=list(map(str, obj.columns)),
                    source_column=src, target_column=tgt, weight_column=w)
    else:
        raise BenchmarkError(f"network {name or ''!r} must be a path, a GRnnData/AnnData or an edge DataFrame, got "
                             f"{type(obj).__name__}")
    if adata is not None:
        info["format"] = "h5ad"
        net, stats = _h5ad_network(adata, key, genes, what)
    else:
        metadata = {"method": "bengrn.networks", "layout": info["layout"], "weight_column": info["weight_column"]}
        net, stats = _edges_network(_check_edges(df, what), genes, what, metadata)
    matrix = net.network("GRN")
    values = matrix.data if sp.issparse(matrix) else np.asarray(matrix)
    info.update(stats, signed=bool(values.size and values.min() < 0), genes_given=genes is not None)
    return LoadedNetwork(name=name, net=net, info=info, context=_context(adata))
