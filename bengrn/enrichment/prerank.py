"""GSEA prerank of one ranking (e.g. a hub score) against gene sets (TF list, cell-type markers, any GMT).

Engine: :mod:`bengrn.enrichment.gsea` (numpy), the same statistic, null and FDR as ``gseapy.prerank`` (weight 1,
gene-set permutations; checked against gseapy in the tests). What is done around the statistic and why:

- ties: the ranking is sorted with ties in a seeded random order (gseapy's sort is not stable);
- symbols: matched through :func:`ground_truths.ids.symbol_key` (case-insensitive);
- repeated symbols keep their highest score;
- genes scoring exactly 0 (no edges) are dropped by default: the statistic of a set of zero-weight genes is 0/0;
- sets with too few / too many members in the ranking, or covering all of it, are skipped and listed.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ground_truths.genesets import read_gmt
from ground_truths.ids import symbol_key

from .gsea import Progress, gsea_fdr, ordered_test, run_tests, running_sum, tie_broken_order

logger = logging.getLogger(__name__)

__all__ = ["prerank_sets"]

COLUMNS = ["term", "n_genes", "es", "nes", "pval", "fdr", "lead_genes"]


def as_gene_sets(sets: Any) -> dict[str, list[str]]:
    """Gene sets from a dict name -> genes, a GMT path, or a list of those (names must not repeat)."""
    if isinstance(sets, (str, os.PathLike)):
        return read_gmt(sets)
    if isinstance(sets, Mapping):
        out = {}
        for k, v in sets.items():
            if isinstance(v, str):
                raise TypeError(f"gene set {k!r} is a string; give a list of gene symbols")
            out[str(k)] = [str(g) for g in v]
        return out
    if isinstance(sets, (list, tuple)):
        out = {}
        for item in sets:
            for k, v in as_gene_sets(item).items():
                if k in out:
                    raise ValueError(f"gene set name {k!r} appears twice; rename one")
                out[k] = v
        return out
    raise TypeError("gene_sets must be a dict name -> genes, a GMT path, or a list of those")


def _ranked(ranking: pd.Series, drop_zeros: bool, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(symbol keys, scores) sorted descending, zeros dropped, one entry per symbol, ties in seeded order."""
    if not isinstance(ranking, pd.Series):
        raise TypeError("ranking must be a pandas Series of scores indexed by gene symbol")
    values = pd.to_numeric(ranking, errors="coerce").to_numpy(dtype=np.float64)
    if not np.all(np.isfinite(values)):
        raise ValueError("ranking contains NaN or infinite values; drop or fill them first")
    names = symbol_key(ranking.index).to_numpy(dtype=object)
    keep = values != 0 if drop_zeros else np.ones(len(values), bool)
    names, values = names[keep], values[keep]
    # A repeated symbol keeps its best score.
    order = np.argsort(-values, kind="stable")
    names, values = names[order], values[order]
    first = ~pd.Index(names).duplicated()
    if (~first).any():
        logger.warning("%d repeated gene symbols in the ranking: kept each one's highest score", int((~first).sum()))
    names, values = names[first], values[first]
    if len(names) < 3:
        raise ValueError(f"only {len(names)} genes with a non-zero score: nothing to rank")
    idx = tie_broken_order(values, np.random.default_rng(seed))
    return names[idx], values[idx]


def _select(sets: dict[str, list[str]], universe: pd.Index, min_size: int, max_size: int):
    """Sorted hit positions of each testable set in the ranking, and the skipped sets with a reason."""
    tested, skipped = {}, {}
    for term, members in sets.items():  # one vectorised lookup per set
        pos = universe.get_indexer(symbol_key(members).unique())
        pos = np.sort(pos[pos >= 0])
        if len(pos) < min_size:
            skipped[term] = f"{len(pos)} genes in the ranking < min_size={min_size}"
        elif len(pos) > max_size:
            skipped[term] = f"{len(pos)} genes in the ranking > max_size={max_size}"
        elif len(pos) >= len(universe):
            skipped[term] = "the set covers the whole ranking"
        else:
            tested[term] = pos
    return tested, skipped


def _lead_genes(w: np.ndarray, pos: np.ndarray, es: float, names: np.ndarray) -> str:
    """gseapy's leading edge: hits up to the running sum's maximum (ES >= 0), or from its minimum on (ES < 0)."""
    hits = np.zeros(len(w), bool)
    hits[pos] = True
    res = running_sum(w, hits)
    lead = pos[pos <= res.argmax()] if es >= 0 else pos[pos >= res.argmin()][::-1]
    return ";".join(names[lead])


def prerank_sets(
    ranking: pd.Series,
    gene_sets: Any,
    *,
    seed: int = 0,
    permutations: int = 1000,
    min_size: int = 3,
    max_size: int = 4000,
    drop_zeros: bool = True,
    n_jobs: int = 1,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """GSEA prerank (weight 1, gene-set permutations) of one ranking against gene sets.

    Parameters
    ----------
    ranking
        Score per gene (index = symbols); larger = higher rank. Weights are ``|score|``, as in GSEA.
    gene_sets
        dict name -> genes, a GMT path, or a list of those. All sets are tested together, so FDRs are computed
        across all of them (GSEA FDR, pooled normalised nulls).
    seed
        Ties of the ranking are ordered by ``numpy.random.default_rng(seed)``; set ``i`` (in the given order) draws
        its null from child ``i`` of ``numpy.random.SeedSequence(seed)``.
    permutations
        Random gene sets per tested set.
    min_size, max_size
        Sets with fewer / more members in the ranking are skipped (listed in ``attrs["skipped"]``).
    drop_zeros
        Drop genes scoring exactly 0 (no edges): the statistic of a set of zero-weight genes is undefined (0/0).
        Default True, as the original benGRN.
    n_jobs, progress
        Worker processes; ``progress("prerank", {"done", "total"})`` after each set.

    Returns
    -------
    DataFrame with columns ``term, n_genes, es, nes, pval, fdr, lead_genes`` sorted by NES (descending);
    ``attrs["skipped"]`` maps skipped set names to a reason, ``attrs["n_ranked"]`` is the ranking length.
    ``lead_genes`` are the symbol keys of the leading edge, ``;``-separated (gseapy's rule).
    """
    if permutations < 1:
        raise ValueError("permutations must be >= 1")
    if min_size < 1 or max_size < min_size:
        raise ValueError("need 1 <= min_size <= max_size")
    names, values = _ranked(ranking, drop_zeros, seed)
    sets = as_gene_sets(gene_sets)
    tested, skipped = _select(sets, pd.Index(names), min_size, max_size)
    if skipped:
        logger.info("skipped %d gene sets: %s", len(skipped), skipped)
    w = np.abs(values)
    children = np.random.SeedSequence(seed).spawn(len(tested))
    calls = [(w, pos, int(permutations), child) for pos, child in zip(tested.values(), children)]
    results = run_tests(ordered_test, calls, n_jobs=n_jobs, progress=progress, event="prerank")
    out = pd.DataFrame({
        "term": list(tested),
        "n_genes": [len(p) for p in tested.values()],
        "es": [r[0] for r in results],
        "nes": [r[1] for r in results],
        "pval": [r[2] for r in results],
    }, columns=COLUMNS[:5])
    nulls = np.concatenate([r[3] for r in results]) if results else np.empty(0)
    out["fdr"] = gsea_fdr(out["nes"].to_numpy(dtype=np.float64), nulls)
    out["lead_genes"] = [_lead_genes(w, pos, r[0], names) for pos, r in zip(tested.values(), results)]
    out = out.sort_values(["nes", "term"], ascending=[False, True], kind="stable").reset_index(drop=True)
    out.attrs["skipped"] = skipped
    out.attrs["n_ranked"] = int(len(names))
    return out
