"""The paper's enrichment summary of one network (hubs -> TF and cell-type enrichment, ENCODE targets per TF)."""
from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

import ground_truths
from grnndata._json import to_jsonable
from ground_truths.genesets import cell_type_markers

from ._input import network_and_genes
from .gsea import Progress
from .hubs import HUB_KINDS, hubs
from .prerank import prerank_sets
from .targets import TARGET_FDR, TARGET_NES, tf_targets

__all__ = ["summarize", "TF_FDR", "TF_NES"]

TF_FDR, TF_NES = 0.1, 1.0  # paper's call for TF enrichment of hubs


def _hub_entry(ranking: pd.Series, sets: dict, *, top_k: int, seed: int, permutations: int,
               progress: Progress | None) -> dict[str, Any]:
    """TF-set call, top cell types and enriched terms of one hub ranking (one prerank of every set)."""
    top = ranking.sort_values(ascending=False, kind="stable").index[:top_k]
    entry: dict[str, Any] = {"top_genes": top.tolist()}
    try:
        table = prerank_sets(ranking, sets, seed=seed, permutations=permutations, progress=progress)
    except ValueError as err:
        entry["error"] = str(err)
        return entry
    tf_row = table[table["term"] == "TFs"]
    if len(tf_row):
        r = tf_row.iloc[0]
        entry["tf_enrichment"] = {
            "es": r["es"], "nes": r["nes"], "pval": r["pval"], "fdr": r["fdr"],
            "n_genes": int(r["n_genes"]), "enriched": bool(r["fdr"] < TF_FDR and r["nes"] > TF_NES),
        }
    else:
        entry["tf_enrichment"] = {"enriched": False, "skipped": table.attrs["skipped"].get("TFs", "not tested")}
    cells = table[table["term"] != "TFs"]
    entry["top_cell_types"] = cells.head(top_k)[["term", "n_genes", "nes", "pval", "fdr"]].to_dict(orient="records")
    sig = table[(table["fdr"] < TF_FDR) & (table["nes"] > TF_NES)]
    entry["enriched_terms"] = sig["term"].tolist()
    entry["n_sets_tested"] = int(len(table))
    entry["n_sets_skipped"] = len(table.attrs["skipped"])
    return entry


def _encode_entry(table: pd.DataFrame, top_k: int) -> dict[str, Any]:
    a = table.attrs
    called = table["nes"] > TARGET_NES
    return {
        "n_tested": a["n_tested"], "n_significant": a["n_significant"],
        "fraction_significant": a["fraction_significant"] if a["n_tested"] else None,
        "fraction_nominal": ((table["pval"] < TARGET_FDR) & called).mean() if len(table) else None,
        "fraction_bh": ((table["fdr_bh"] < TARGET_FDR) & called).mean() if len(table) else None,
        "fdr_method": a["fdr_method"], "n_skipped": len(a["skipped"]),
        "top": table.sort_values("nes", ascending=False, kind="stable").head(top_k)[
            ["tf", "n_targets", "nes", "pval", "fdr", "fdr_bh", "significant"]].to_dict(orient="records"),
    }


def summarize(
    network: Any,
    genes: Sequence[str] | None = None,
    *,
    organism: str = "human",
    seed: int = 0,
    permutations: int = 1000,
    progress: Progress | None = None,
    tf_list: Sequence[str] | None = None,
    cell_type_gmt: str | os.PathLike | None = None,
    targets_by_tf: Mapping[str, Iterable[str]] | None = None,
    top_k: int = 10,
    n_jobs: int = 1,
    max_centrality_edges: int = 100_000_000,
) -> dict:
    """The paper's enrichment summary of one network, as a JSON-able dict.

    For each hub ranking (regulator, target, centrality) one prerank against the TF list ("TFs") together with the
    cell-type marker sets: TF enrichment call (FDR < 0.1 and NES > 1) and the ``top_k`` cell types by NES (for
    manual checking). Then :func:`~bengrn.enrichment.targets.tf_targets` on ENCODE targets. Missing cell-type markers
    or ENCODE targets are reported under ``"warnings"`` instead of failing. ``progress`` receives the events of
    :func:`~bengrn.enrichment.prerank.prerank_sets` and ``tf_targets``. Values follow
    :func:`grnndata._json.to_jsonable` (NaN -> None).
    """
    mat, genes = network_and_genes(network, genes)
    tfs = list(tf_list) if tf_list is not None else ground_truths.tf_list(organism)
    warnings_: list[str] = []
    try:
        cell_sets = cell_type_markers(cell_type_gmt)
    except FileNotFoundError as err:
        cell_sets = {}
        warnings_.append(str(err))
    cell_sets.pop("TFs", None)
    nnz = mat.nnz if sp.issparse(mat) else int(np.count_nonzero(mat))
    do_cent = nnz <= max_centrality_edges
    if not do_cent:
        warnings_.append(f"centrality skipped: {nnz} edges > max_centrality_edges={max_centrality_edges}")
    hub = hubs(mat, genes, centrality=do_cent)
    summary: dict[str, Any] = {
        "organism": organism, "seed": seed, "permutations": int(permutations), "n_genes": len(genes),
        "criteria": {"tf_enrichment": f"FDR < {TF_FDR} and NES > {TF_NES}",
                     "encode_targets": f"GSEA FDR across TFs < {TARGET_FDR} and NES > {TARGET_NES}"},
        "hubs": {
            kind: _hub_entry(hub[kind], {"TFs": tfs, **cell_sets}, top_k=top_k, seed=seed,
                             permutations=permutations, progress=progress)
            for kind in HUB_KINDS if kind in hub
        },
    }
    summary["tf_enriched"] = any(e.get("tf_enrichment", {}).get("enriched", False) for e in summary["hubs"].values())
    try:
        targets = targets_by_tf if targets_by_tf is not None else ground_truths.encode_tf_targets()
        table = tf_targets(mat, genes, targets, seed=seed, permutations=permutations, n_jobs=n_jobs,
                           progress=progress)
        summary["encode"] = _encode_entry(table, top_k)
    except FileNotFoundError as err:
        warnings_.append(str(err))
        summary["encode"] = None
    summary["warnings"] = warnings_
    return to_jsonable(summary)
