"""Turn a raw edge table into the normalised directed edge table shared by every truth.

Rules, in order (counts of every drop are returned in ``stats`` and stored in ``attrs["normalisation"]``):

1. Both endpoints go through :func:`ground_truths.ids.normalize_symbols` (case, Ensembl mapping; complexes, miRNA,
   UniProt and empty ids dropped). A row is dropped if either endpoint is dropped.
2. Self-loops (source == target after normalisation) are dropped: they are not regulatory evidence in any source we
   load and metrics ignore the diagonal by default.
3. Undirected sources are expanded to both directions (A-B gives A->B and B->A), ``attrs["directed"]=False``,
   ``attrs["expanded"]=True``.
4. Duplicated (source, target) pairs are merged into one row: ``weight`` = max, ``sign`` = the common sign, or 0
   when the duplicates disagree, ``evidence`` = sorted unique values joined by ``;``.
5. Rows are sorted by (source, target); columns: ``source``, ``target`` then optional ``weight`` (float64),
   ``sign`` (int8: +1 activation, -1 repression, 0 unknown/ambiguous), ``evidence`` (str).
"""
from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from .ids import normalize_symbols

logger = logging.getLogger(__name__)

OPTIONAL = ("weight", "sign", "evidence")


def finalize(
    raw: pd.DataFrame,
    *,
    organism: str = "human",
    directed: bool = True,
    self_loops: bool = False,
) -> tuple[pd.DataFrame, dict]:
    """Normalise a raw edge table (columns ``source``, ``target`` and optional ``weight``/``sign``/``evidence``).

    Returns the normalised table and a JSON-able dict of counts (``n_raw``, ``dropped_*``, ``n_duplicates``,
    ``n_self_loops``, ``n_edges``, ``n_genes``, ``n_sources``, ``n_targets``).
    """
    missing = {"source", "target"} - set(raw.columns)
    if missing:
        raise KeyError(f"raw edge table lacks column(s) {sorted(missing)}; have {list(raw.columns)}")
    cols = ["source", "target"] + [c for c in OPTIONAL if c in raw.columns]
    edges = raw[cols].copy()
    stats: dict = {"n_raw": int(len(edges))}

    src, src_cat = normalize_symbols(edges["source"], organism, return_categories=True)
    tgt, tgt_cat = normalize_symbols(edges["target"], organism, return_categories=True)
    edges["source"] = src.to_numpy()
    edges["target"] = tgt.to_numpy()
    bad = edges["source"].isna().to_numpy() | edges["target"].isna().to_numpy()
    # count each dropped row once, by the category of its first bad endpoint
    reason = np.where(src.isna().to_numpy(), src_cat.to_numpy(), tgt_cat.to_numpy())[bad]
    for cat, count in zip(*np.unique(reason.astype(str), return_counts=True)):
        stats[f"dropped_{cat}"] = int(count)
    stats["dropped_ids_total"] = int(bad.sum())
    edges = edges.loc[~bad]

    if "weight" in edges:
        edges["weight"] = pd.to_numeric(edges["weight"], errors="coerce").astype(np.float64)
    if "sign" in edges:
        edges["sign"] = pd.to_numeric(edges["sign"], errors="coerce").fillna(0).clip(-1, 1).astype(np.int8)
    if "evidence" in edges:
        edges["evidence"] = edges["evidence"].astype(str)

    # integer codes (sorted alphabetically) make loops, expansion, dedup and sorting pure numpy
    n = len(edges)
    codes, genes = pd.factorize(np.concatenate([edges["source"].to_numpy(), edges["target"].to_numpy()]), sort=True)
    src_code, tgt_code = codes[:n], codes[n:]
    loops = src_code == tgt_code
    stats["n_self_loops"] = int(loops.sum())
    if not self_loops:
        edges, src_code, tgt_code = edges.loc[~loops], src_code[~loops], tgt_code[~loops]
    if not directed:
        edges = pd.concat([edges, edges], ignore_index=True)
        src_code, tgt_code = np.concatenate([src_code, tgt_code]), np.concatenate([tgt_code, src_code])
    edges = edges.reset_index(drop=True)
    key = src_code.astype(np.int64) * max(len(genes), 1) + tgt_code
    order = np.argsort(key, kind="stable")
    key = key[order]
    edges = edges.iloc[order].reset_index(drop=True)
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    stats["n_duplicates"] = int(len(key) - first.sum())
    out = edges.loc[first].reset_index(drop=True)
    if stats["n_duplicates"]:
        edges["_group"] = np.cumsum(first) - 1
        grouped = edges.groupby("_group", sort=True)
        if "weight" in edges:
            out["weight"] = grouped["weight"].max().to_numpy()
        if "sign" in edges:
            lo, hi = grouped["sign"].min().to_numpy(), grouped["sign"].max().to_numpy()
            out["sign"] = np.where(lo == hi, lo, 0).astype(np.int8)
        if "evidence" in edges:
            size = grouped.size().to_numpy()
            multi = edges.loc[size[edges["_group"].to_numpy()] > 1, ["_group", "evidence"]]
            if multi["evidence"].str.contains(";", regex=False).any():
                multi = multi.assign(evidence=multi["evidence"].str.split(";")).explode("evidence")
            multi = multi.drop_duplicates().sort_values(["_group", "evidence"])
            joined = multi.groupby("_group", sort=True)["evidence"].agg(";".join)
            evidence = out["evidence"].to_numpy(dtype=object)
            evidence[joined.index.to_numpy()] = joined.to_numpy()
            out["evidence"] = evidence
    genes = np.asarray(genes, dtype=object)
    out["source"] = genes[key[first] // max(len(genes), 1)].astype(str)
    out["target"] = genes[key[first] % max(len(genes), 1)].astype(str)
    edges = out
    stats.update(
        n_edges=int(len(edges)),
        n_sources=int(edges["source"].nunique()),
        n_targets=int(edges["target"].nunique()),
        n_genes=int(pd.unique(edges[["source", "target"]].to_numpy().ravel()).size),
    )
    return edges, stats
