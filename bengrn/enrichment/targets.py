"""Per-TF target enrichment: are a TF's strongest out-going edges its ENCODE ChIP-seq targets?"""
from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

import ground_truths
from ground_truths.ids import symbol_key

from ._input import network_and_genes
from .gsea import Progress, bh, gsea_fdr, ranked_test, run_tests

logger = logging.getLogger(__name__)

__all__ = ["tf_targets", "TARGET_FDR", "TARGET_NES"]

TARGET_FDR, TARGET_NES = 0.05, 1.0  # paper's call for a TF's ENCODE targets


def _row(mat: Any, i: int) -> np.ndarray:
    """``|network[i, :]|`` as float64 without the self-loop (not an edge to a target)."""
    row = mat[i].toarray().ravel() if sp.issparse(mat) else np.asarray(mat[i], dtype=np.float64)
    return np.delete(np.abs(row).astype(np.float64), i)


def _jobs(mat, genes: pd.Index, targets_by_tf: Mapping[str, Iterable[str]], min_size: int, max_size: int):
    """(TF position, its row, target positions in the row) of every testable TF, and the skipped TFs."""
    keys = symbol_key(genes)
    if keys.has_duplicates:
        logger.warning("repeated gene symbols (case-insensitive): the first occurrence is used")
    position = pd.Series(np.arange(len(keys)), index=keys)[~keys.duplicated()]
    tf_keys = dict(zip(symbol_key(targets_by_tf), targets_by_tf))  # key -> the caller's spelling
    jobs, skipped = [], {}
    for tf_key, tf in tf_keys.items():  # one job per TF with targets (hundreds), not per gene
        if tf_key not in position.index:
            continue
        i = int(position[tf_key])
        row = _row(mat, i)
        if not row.any():
            skipped[str(genes[i])] = "no out-going edges"
            continue
        tgt = position.reindex(symbol_key(targets_by_tf[tf])).dropna().astype(np.int64).to_numpy()
        tgt = np.unique(tgt[tgt != i])
        tgt = tgt - (tgt > i)  # indices after removing the TF itself
        if not min_size <= len(tgt) <= max_size:
            skipped[str(genes[i])] = f"{len(tgt)} targets in the network, outside [{min_size}, {max_size}]"
            continue
        jobs.append((i, row, tgt))
    jobs.sort(key=lambda j: j[0])
    return jobs, skipped


def tf_targets(
    network: Any,
    genes: Sequence[str] | None = None,
    targets_by_tf: Mapping[str, Iterable[str]] | None = None,
    *,
    seed: int = 0,
    permutations: int = 1000,
    min_size: int = 5,
    max_size: int | None = None,
    n_jobs: int = 1,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Per-TF enrichment of ENCODE targets among the TF's strongest out-going edges.

    For every gene of the network that has a target set (default :func:`ground_truths.encode_tf_targets`), its row
    ``|network[tf, :]|`` (self-loop excluded) is ranked and its target set (intersected with the genes, minus the TF)
    scored with the GSEA statistic (weight 1) against ``permutations`` random sets of the same size. Each TF gets its
    own child seed of ``seed`` (results do not depend on ``n_jobs``). ``fdr`` = GSEA FDR across the tested TFs
    (:func:`~bengrn.enrichment.gsea.gsea_fdr`, pooled normalised nulls: no resolution floor unlike BH on permutation
    p-values, whose minimum is about n_TFs / permutations); ``fdr_bh`` = Benjamini-Hochberg of ``pval``. A TF is
    significant when ``fdr`` < 0.05 and NES > 1. ``progress("tf_targets", {"done", "total"})`` after each TF.

    Returns
    -------
    DataFrame (one row per tested TF, network order) with ``tf, n_targets, es, nes, pval, fdr, fdr_bh,
    significant``;
    ``attrs`` hold ``n_tested``, ``n_significant``, ``fraction_significant`` and ``skipped`` (TF -> reason).
    """
    mat, genes = network_and_genes(network, genes)
    if permutations < 10:
        raise ValueError("permutations must be >= 10")
    if min_size < 1:
        raise ValueError("min_size must be >= 1")
    if targets_by_tf is None:
        targets_by_tf = ground_truths.encode_tf_targets()
    max_size = len(genes) - 2 if max_size is None else max_size
    jobs, skipped = _jobs(mat, genes, targets_by_tf, min_size, max_size)
    children = np.random.SeedSequence(seed).spawn(len(jobs))
    calls = [(row, tgt, int(permutations), child) for (_, row, tgt), child in zip(jobs, children)]
    results = run_tests(ranked_test, calls, n_jobs=n_jobs, progress=progress, event="tf_targets")
    table = pd.DataFrame({
        "tf": [str(genes[i]) for i, _, _ in jobs],
        "n_targets": [len(t) for _, _, t in jobs],
        "es": [r[0] for r in results],
        "nes": [r[1] for r in results],
        "pval": [r[2] for r in results],
    })
    nulls = np.concatenate([r[3] for r in results]) if results else np.empty(0)
    table["fdr"] = gsea_fdr(table["nes"].to_numpy(), nulls)
    table["fdr_bh"] = bh(table["pval"].to_numpy())
    table["significant"] = (table["fdr"] < TARGET_FDR) & (table["nes"] > TARGET_NES)
    n_sig = int(table["significant"].sum())
    table.attrs.update({
        "n_tested": len(table),
        "n_significant": n_sig,
        "fraction_significant": n_sig / len(table) if len(table) else math.nan,
        "skipped": skipped,
        "permutations": int(permutations),
        "seed": seed,
        "fdr_method": "GSEA FDR over tested TFs (pooled normalised nulls); fdr_bh = Benjamini-Hochberg of pval",
    })
    return table
