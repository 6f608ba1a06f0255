"""Network enrichment: hub genes, TF / cell-type marker enrichment of hubs, ENCODE target enrichment per TF.

Orientation: ``network[i, j]`` scores the edge regulator i -> target j (rows = regulators). Edge strength is
``|network[i, j]|`` everywhere in this package (a strongly negative edge is a strong edge); self-loops are ignored.

Three analyses, as in the scPRINT paper (benGRN ``scprint_benchmark``), one module each:

1. :mod:`~bengrn.enrichment.hubs` ranks genes by out-going strength (regulator score), in-coming strength (target
   score) and eigenvector centrality (grnndata's one implementation, :mod:`grnndata.views`).
2. :mod:`~bengrn.enrichment.prerank` runs a GSEA prerank (weight p=1) of one ranking against gene sets (the TF list,
   cell-type markers, any GMT). A hub ranking is "TF-enriched" when the TF set has FDR < 0.1 and NES > 1.
3. :mod:`~bengrn.enrichment.targets` ranks, for every TF with ENCODE ChIP-seq targets, its out-going edges (its row)
   and tests its target set; FDR is GSEA's FDR across the tested TFs (their normalised nulls pooled);
   Benjamini-Hochberg q-values of the nominal p are given too.

Both tests run on the one GSEA engine, :mod:`~bengrn.enrichment.gsea` (numpy; gseapy is the tests' oracle only).
:mod:`~bengrn.enrichment.summary` assembles the paper's summary and :mod:`~bengrn.enrichment.plot` draws it.
Reference data (TF lists, ENCODE targets, marker GMT, file readers) comes from :mod:`ground_truths.genesets`.
Symbols are matched with :func:`ground_truths.ids.symbol_key`; ties in a ranking are broken by a seeded random order.
Long loops report to ``progress(event, info)`` (``info`` has ``done`` and ``total``).
"""
from __future__ import annotations

from .gsea import enrichment_score, gsea_fdr
from .hubs import HUB_KINDS, hub_centrality, hubs
from .plot import plot_summary
from .prerank import prerank_sets
from .summary import TF_FDR, TF_NES, summarize
from .targets import TARGET_FDR, TARGET_NES, tf_targets

__all__ = [
    "hubs",
    "hub_centrality",
    "prerank_sets",
    "enrichment_score",
    "tf_targets",
    "gsea_fdr",
    "summarize",
    "plot_summary",
    "HUB_KINDS",
    "TF_FDR",
    "TF_NES",
    "TARGET_FDR",
    "TARGET_NES",
]
