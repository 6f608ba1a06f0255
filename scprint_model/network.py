"""``infer_network``: AnnData of raw counts -> GRnnData of attention networks (rows = regulators)."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch

import grnndata

from . import checkpoint as ckpt
from .attention import attention_stack
from .genes import vocabulary_index

log = logging.getLogger(__name__)


def _counts(adata) -> sp.csr_matrix:
    x = adata.X
    x = sp.csr_matrix(x, dtype=np.float32) if sp.issparse(x) else sp.csr_matrix(np.asarray(x, dtype=np.float32))
    if x.nnz and float(x.data.min()) < 0:
        raise ValueError("adata.X has negative values; scprint needs raw (or recovered integer) counts in .X")
    return x


def cell_depth(adata, x: sp.csr_matrix) -> tuple[np.ndarray, str]:
    """Each cell's depth for normalisation and the depth token, and where it came from.

    ``adata.obs["total_counts"]`` (the cell's total over ALL genes of the dataset, set before any gene subset) when
    present, else the row sums of ``x`` (then a gene subset makes the depth too small).
    """
    if "total_counts" in adata.obs:
        totals = np.asarray(adata.obs["total_counts"], dtype=np.float64)
        row = np.asarray(x.sum(axis=1)).ravel()
        if not np.all(np.isfinite(totals)) or np.any(totals < row - 1e-3 * np.maximum(row, 1)):
            raise ValueError("adata.obs['total_counts'] must be each cell's total over ALL genes (finite, >= the row "
                             "sums of adata.X); recompute it before subsetting genes, or drop it")
        return totals, "obs['total_counts']"
    return np.asarray(x.sum(axis=1)).ravel().astype(np.float64), "row sums of adata.X"


def resolve_heads(heads, n_total: int) -> list[int]:
    """``"mean"`` -> all heads; a list of indices (e.g. ``select_heads(...).selected``) -> validated list."""
    if isinstance(heads, str):
        if heads != "mean":
            raise ValueError(f"heads must be 'mean' or a list of head indices, got {heads!r}")
        return list(range(n_total))
    idx = [int(h) for h in heads]
    if not idx:
        raise ValueError("heads is an empty list; pass 'mean' or at least one head index")
    bad = [h for h in idx if not 0 <= h < n_total]
    if bad:
        raise ValueError(f"head indices {bad} out of range: the model has {n_total} heads (layer * n_heads + head)")
    return idx


def _device_and_dtype(device: str, ck: ckpt.Checkpoint) -> tuple[torch.device, torch.dtype | None]:
    """"auto": CUDA when available. On CUDA published models run in bf16 (fp16 without bf16 support), as scprint
    runs them ("16-mixed"); the toy and every CPU run stay float32."""
    dev = torch.device("cuda" if device == "auto" and torch.cuda.is_available() else
                       ("cpu" if device == "auto" else device))
    if dev.type != "cuda" or ck.kind != "scprint-v1":
        return dev, None
    return dev, torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def infer_network(adata, *, checkpoint=None, variant: str = "mean-qk", heads="mean", seed: int = 0,
                  n_cells: int | None = None, progress=None, batch_size: int = 32,
                  context: int | None = None, selection: str = "chunks", gene_ids: str | None = None,
                  device: str = "auto", store_heads: bool = True):
    """Attention gene networks of a scPRINT-style model for the cells and genes of ``adata``.

    Parameters
    ----------
    adata
        AnnData, cells x genes, raw counts in ``.X``; ``obs["total_counts"]``, when present, is each cell's depth
        (its total over all genes, set before any gene subset).
    checkpoint
        ``None`` (the shipped toy), a file path (own format or a published scPRINT ``.ckpt``), a published name such
        as ``"medium-v1.5"`` (downloaded once, see :mod:`scprint_model.hub`), or a loaded
        :class:`~scprint_model.checkpoint.Checkpoint`.
    variant
        ``"mean-qk"`` (scPRINT eq. 25) or ``"mean-softmax"`` (scPRINT-2 eq. 27).
    heads
        ``"mean"`` (all heads) or a list of head indices (``layer * n_heads + head``), e.g. from
        :func:`scprint_model.select_heads`; "GRN" is their unweighted mean.
    seed
        cell subsampling and gene contexts.
    n_cells
        use a random subset of this many cells (None = all).
    progress
        ``progress(event, info)`` callback (``"download"``, ``"attention"``); ``None`` (or the old booleans) for none.
    batch_size
        sequences per forward pass.
    context
        genes per forward pass (default: the checkpoint's training context, or 3,000 for published checkpoints).
    selection
        ``"chunks"`` (genome-wide mode) or ``"random-expr"`` (scprint's collator), see :mod:`scprint_model.context`.
    gene_ids
        column of ``adata.var`` with identifiers of the vocabulary's kind (default: the best of ``var_names``,
        the usual id columns and, for Ensembl vocabularies, the shipped symbol table).
    device
        ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"``...
    store_heads
        also store the per-head stack (genes x genes x heads) under key "heads".

    Returns
    -------
    GRnnData over exactly the genes of ``adata`` (same order), "GRN" rows = regulators. Genes outside the model
    vocabulary are kept with all-zero scores (their number is logged and stored in the metadata).
    """
    if adata.n_obs == 0 or adata.n_vars == 0:
        raise ValueError(f"adata is empty ({adata.n_obs} cells x {adata.n_vars} genes)")
    ck = ckpt.load(checkpoint, progress=progress)
    model = ck.model
    genes = pd.Index(adata.var_names.astype(str))
    if genes.duplicated().any():
        raise ValueError("adata.var_names has duplicates; make them unique (adata.var_names_make_unique())")
    head_idx = resolve_heads(heads, model.n_heads_total)
    vocab_idx, id_source = vocabulary_index(genes, adata.var, ck.vocab, gene_ids)
    missing = int((vocab_idx < 0).sum())
    if missing == len(genes):
        raise ValueError(f"none of adata's {len(genes)} genes are in the model vocabulary (e.g. {list(ck.vocab[:3])}); "
                         "var_names must be gene symbols (toy) or Ensembl ids / pass gene_ids=<adata.var column>")
    if missing:
        log.warning("%d / %d genes are not in the model vocabulary: kept with zero scores", missing, len(genes))
    x = _counts(adata)
    totals, depth_source = cell_depth(adata, x)
    rng = np.random.default_rng(seed)
    if n_cells is not None and n_cells < x.shape[0]:
        cells = np.sort(rng.choice(x.shape[0], size=n_cells, replace=False))
        x, totals = x[cells], totals[cells]
    context = int(context or ck.context)
    device_, dtype = _device_and_dtype(device, ck)
    model.to(device_)
    # random-expr reproduces the collator's draws from RandomState(seed); chunks keep their own derived seed
    draw_seed = seed if selection == "random-expr" else int(rng.integers(2**31))
    try:
        stack = attention_stack(model, x, totals, vocab_idx, variant=variant, context=context, batch_size=batch_size,
                                seed=draw_seed, selection=selection, dtype=dtype, progress=progress)
    finally:
        model.to("cpu")
    grn = stack[:, :, head_idx].mean(axis=2)
    meta = {
        "method": "scprint",
        "variant": variant,
        "heads": "mean" if isinstance(heads, str) else head_idx,
        "n_heads_total": model.n_heads_total,
        **ck.provenance(),
        "seed": seed,
        "n_cells": int(x.shape[0]),
        "context": context,
        "selection": selection,
        "depth": depth_source,
        "gene_ids": id_source,
        "device": str(device_),
        "dtype": str(dtype or torch.float32).replace("torch.", ""),
        "genes_not_in_vocabulary": missing,
        "orientation": "rows = regulators (attention transposed: scPRINT rows are query = target)",
        "created": datetime.now(timezone.utc).isoformat(),
    }
    net = grnndata.GRnnData.from_matrix(grn, list(genes), key="GRN", metadata=meta)
    if store_heads:
        net.add_network("heads", stack, metadata={**meta, "heads": "all", "shape": "genes x genes x heads"})
    return net
