"""Training data: read count tables, build the gene vocabulary and genomic positions, sample denoising batches."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

log = logging.getLogger(__name__)


# -- reading --------------------------------------------------------------------------------------------------------
def recover_counts_from_log2(values: np.ndarray, *, max_layers: int = 2) -> np.ndarray:
    """Undo log2(x + 1) and divide each cell (row) by its smallest non-zero value, then round.

    The smallest non-zero normalised value of a cell is one count. The shared McCalla tables turn out to be
    log-transformed twice (one undo leaves 87% of Chen's values integral, two leave 100%), so the transform is undone
    up to ``max_layers`` times and the depth giving the most integral values is kept (the same rule as
    ``ground_truths.recover_counts``, which this package may not import).
    """
    layer = np.asarray(values, dtype=np.float64)
    best_fraction, best = -1.0, None
    for _ in range(max_layers):
        layer = np.exp2(layer) - 1.0
        layer[layer < 1e-9] = 0.0
        nz = np.where(layer > 0, layer, np.inf).min(axis=1, keepdims=True)
        nz[~np.isfinite(nz)] = 1.0
        scaled = layer / nz
        positive = scaled[scaled > 0]
        fraction = float(np.mean(np.abs(positive - np.rint(positive)) < 1e-3)) if positive.size else 1.0
        if fraction > best_fraction + 1e-9:
            best_fraction, best = fraction, scaled
    log.info("recovered counts: %.1f%% of non-zero values integral", 100 * best_fraction)
    return np.rint(best)


def read_counts(path: str | Path) -> tuple[sp.csr_matrix, pd.Index]:
    """Read one count table as (cells x genes CSR float32 integer counts, gene symbols).

    Formats, by file name: ``*.h5ad`` (raw counts in .X), ``*log2*.tsv[.gz]`` (genes x cells log2(x+1); counts are
    recovered with :func:`recover_counts_from_log2`), other ``*.csv[.gz]`` / ``*.tsv[.gz]`` (cells x genes counts,
    first column = cell names; non-integer values are rounded).
    """
    path = Path(path)
    name = path.name.lower()
    if not path.exists():
        raise FileNotFoundError(f"training data file not found: {path}")
    if name.endswith(".h5ad"):
        import anndata

        ad = anndata.read_h5ad(path)
        x = sp.csr_matrix(ad.X, dtype=np.float32)
        x.data = np.rint(x.data)
        return x, pd.Index(ad.var_names.astype(str))
    sep = "\t" if ".tsv" in name else ","
    df = pd.read_csv(path, sep=sep, index_col=0)
    if "log2" in name:
        x = recover_counts_from_log2(df.to_numpy().T)
        genes = df.index
    else:
        x = np.rint(df.to_numpy(dtype=np.float64))
        genes = df.columns
    if (x < 0).any():
        raise ValueError(f"{path}: negative values; expected counts")
    return sp.csr_matrix(x.astype(np.float32)), pd.Index(genes.astype(str))


def merge_datasets(parts: list[tuple[sp.csr_matrix, pd.Index]], *, min_cells: int = 10,
                   max_genes: int | None = 12_000, vocab=None) -> tuple[sp.csr_matrix, pd.Index, np.ndarray]:
    """Stack datasets on the union vocabulary of genes detected in >= ``min_cells`` cells of at least one dataset.

    When more than ``max_genes`` pass, the ones detected in the most cells overall are kept. Returns
    (cells x vocabulary counts, vocabulary, per-cell total counts over ALL genes of its dataset). A given ``vocab``
    (e.g. a checkpoint's, when resuming) is used as is.
    """
    detected: dict[str, int] = {}
    keep_any: set[str] = set()
    parts = [(x, pd.Index(genes).astype(str)) for x, genes in parts]
    for x, genes in parts:
        n = np.asarray((x > 0).sum(axis=0)).ravel()
        for g, c in zip(genes, n):
            detected[g] = detected.get(g, 0) + int(c)
        keep_any.update(genes[n >= min_cells])
    if vocab is None:
        vocab = sorted(keep_any, key=lambda g: (-detected[g], g))
        if max_genes is not None:
            vocab = vocab[:max_genes]
        vocab = sorted(vocab)
    vocab = pd.Index(vocab)
    blocks, totals = [], []
    for x, genes in parts:
        totals.append(np.asarray(x.sum(axis=1)).ravel())
        genes = pd.Index(genes)
        dedup = ~genes.duplicated()
        x, genes = x[:, np.flatnonzero(dedup)], genes[dedup]
        pos = vocab.get_indexer(genes)
        ok = np.flatnonzero(pos >= 0)
        m = sp.csr_matrix((np.ones(len(ok), dtype=np.float32), (ok, pos[ok])), shape=(len(genes), len(vocab)))
        blocks.append((x @ m).tocsr())
    return sp.vstack(blocks).tocsr(), vocab, np.concatenate(totals).astype(np.float64)


# -- genomic positions ----------------------------------------------------------------------------------------------
def gene_positions(genes, table: str | Path | None, bin_size: int = 1_000_000) -> tuple[np.ndarray, np.ndarray]:
    """Chromosome index (see ``encoders.CHROMOSOMES``, 0 = unknown) and position bin for each gene.

    ``table`` is the scPRINT biomart parquet (columns hgnc_symbol, chromosome_name, start_position) or a TSS BED
    (chrom, start, end, symbol, ...). ``None`` gives all-unknown positions.
    """
    from .encoders import CHROMOSOMES  # encoders imports torch: reading training data must not pay for it

    genes = pd.Index(genes)
    chrom = np.zeros(len(genes), dtype=np.int64)
    bins = np.zeros(len(genes), dtype=np.int64)
    if table is None:
        return chrom, bins
    table = Path(table)
    if table.suffix == ".parquet":
        df = pd.read_parquet(table, columns=["hgnc_symbol", "chromosome_name", "start_position"])
        df.columns = ["symbol", "chrom", "start"]
    else:
        df = pd.read_csv(table, sep="\t", header=None, usecols=[0, 1, 3], names=["chrom", "start", "symbol"])
    df["chrom"] = df["chrom"].astype(str).str.replace("^chr", "", regex=True).replace({"M": "MT"})
    df = df[df["chrom"].isin(CHROMOSOMES[1:]) & df["start"].notna()].drop_duplicates("symbol")
    df = df.set_index("symbol").reindex(genes)
    ok = df["chrom"].notna().to_numpy()
    lookup = {c: i for i, c in enumerate(CHROMOSOMES)}
    chrom[ok] = df.loc[ok, "chrom"].map(lookup).to_numpy()
    bins[ok] = (df.loc[ok, "start"].to_numpy() // bin_size).astype(np.int64)
    log.info("genomic positions found for %d / %d genes", ok.sum(), len(genes))
    return chrom, bins


# -- batches --------------------------------------------------------------------------------------------------------
@dataclass
class Batch:
    gene_ids: np.ndarray      # (B, L) int64
    values: np.ndarray        # (B, L) float32 log1p(x_in / total_in * 1e4)
    target: np.ndarray        # (B, L) float32 original counts
    depth: np.ndarray         # (B,) float32 original total counts


def sample_batch(counts: sp.csr_matrix, totals: np.ndarray, cells: np.ndarray, context: int,
                 rng: np.random.Generator, *, drop_range: tuple[float, float] = (0.5, 0.9)) -> Batch:
    """Denoising batch: per cell, up to ``context`` expressed genes (random subset) padded with unexpressed ones.

    The input is the cell binomially downsampled: a fraction ``u ~ U(drop_range)`` of its transcripts (mean 70%)
    is removed; the target is the original counts. ``totals`` are the cells' depths over all genes (sequencing depth
    is not only the vocabulary's), used for normalisation and as the decoder's target depth.
    """
    n_genes = counts.shape[1]
    ctx = min(context, n_genes)
    b = len(cells)
    gene_ids = np.empty((b, ctx), dtype=np.int64)
    values = np.empty((b, ctx), dtype=np.float32)
    target = np.empty((b, ctx), dtype=np.float32)
    depth = np.empty(b, dtype=np.float32)
    for r, c in enumerate(cells):
        lo, hi = counts.indptr[c], counts.indptr[c + 1]
        idx, val = counts.indices[lo:hi], counts.data[lo:hi]
        keep = 1.0 - rng.uniform(*drop_range)
        thinned = rng.binomial(val.astype(np.int64), keep).astype(np.float32)
        outside = max(int(round(totals[c] - val.sum())), 0)
        total_in = max(float(thinned.sum()) + rng.binomial(outside, keep), 1.0)
        if len(idx) > ctx:
            pick = rng.choice(len(idx), size=ctx, replace=False)
            gid, v_in, v_tg = idx[pick], thinned[pick], val[pick]
        else:
            # pad with genes unexpressed in this cell (rejection sampling is cheap: cells express few genes)
            need = ctx - len(idx)
            present = np.zeros(n_genes, dtype=bool)
            present[idx] = True
            pad = rng.choice(np.flatnonzero(~present), size=need, replace=False)
            gid = np.concatenate([idx, pad])
            v_in = np.concatenate([thinned, np.zeros(need, np.float32)])
            v_tg = np.concatenate([val, np.zeros(need, np.float32)])
        gene_ids[r] = gid
        values[r] = np.log1p(v_in / total_in * 1e4)
        target[r] = v_tg
        depth[r] = float(totals[c])
    return Batch(gene_ids, values, target, depth)
