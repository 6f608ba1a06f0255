"""``infer_network``: AnnData of raw counts -> GRnnData of attention networks (rows = regulators)."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import scipy.sparse as sp

log = logging.getLogger(__name__)


def _counts(adata) -> sp.csr_matrix:
    x = adata.X
    x = sp.csr_matrix(x, dtype=np.float32) if sp.issparse(x) else sp.csr_matrix(np.asarray(x, dtype=np.float32))
    if x.nnz and float(x.data.min()) < 0:
        raise ValueError("adata.X has negative values; scprint needs raw (or recovered integer) counts in .X")
    return x


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


def infer_network(adata, *, checkpoint=None, variant: str = "mean-qk", heads="mean", seed: int = 0,
                  n_cells: int | None = None, progress=None, batch_size: int = 32,
                  context: int | None = None, store_heads: bool = True):
    """Attention gene networks of a scPRINT-style model for the cells and genes of ``adata``.

    Parameters
    ----------
    adata
        AnnData, cells x genes, raw counts in ``.X``, gene symbols as ``var_names``.
    checkpoint
        path to a checkpoint, a loaded :class:`~scprint_model.checkpoint.Checkpoint`, or None for the shipped default.
    variant
        ``"mean-qk"`` (scPRINT eq. 25) or ``"mean-softmax"`` (scPRINT-2 eq. 27).
    heads
        ``"mean"`` (all heads) or a list of head indices (``layer * n_heads + head``), e.g. from
        :func:`scprint_model.select_heads`; "GRN" is their unweighted mean.
    seed
        cell subsampling and gene chunking.
    n_cells
        use a random subset of this many cells (None = all).
    progress
        ``progress(event, info)`` callback (see :func:`~scprint_model.attention.attention_stack`); ``None`` (or the
        old booleans) for none.
    batch_size
        sequences per forward pass.
    context
        genes per forward pass (default: the training context of the checkpoint).
    store_heads
        also store the per-head stack (genes x genes x heads) under key "heads".

    Returns
    -------
    GRnnData over exactly the genes of ``adata`` (same order), "GRN" rows = regulators. Genes outside the model
    vocabulary are kept with all-zero scores (their number is logged and stored in the metadata).
    """
    import grnndata

    from . import checkpoint as ckpt
    from .attention import attention_stack

    if adata.n_obs == 0 or adata.n_vars == 0:
        raise ValueError(f"adata is empty ({adata.n_obs} cells x {adata.n_vars} genes)")
    ck = checkpoint if isinstance(checkpoint, ckpt.Checkpoint) else ckpt.load(checkpoint)
    model = ck.model
    genes = pd.Index(adata.var_names.astype(str))
    if genes.duplicated().any():
        raise ValueError("adata.var_names has duplicates; make them unique (adata.var_names_make_unique())")
    head_idx = resolve_heads(heads, model.n_heads_total)
    vocab = pd.Index(ck.vocab)
    vocab_idx = vocab.get_indexer(genes)
    missing = int((vocab_idx < 0).sum())
    if missing == len(genes):
        raise ValueError("none of adata's genes are in the model vocabulary; var_names must be gene symbols")
    if missing:
        log.warning("%d / %d genes are not in the model vocabulary: kept with zero scores", missing, len(genes))
    x = _counts(adata)
    totals = np.asarray(x.sum(axis=1)).ravel()
    rng = np.random.default_rng(seed)
    if n_cells is not None and n_cells < x.shape[0]:
        cells = np.sort(rng.choice(x.shape[0], size=n_cells, replace=False))
        x, totals = x[cells], totals[cells]
    context = int(context or ck.train_state.get("context", 256))
    stack = attention_stack(model, x, totals, vocab_idx, variant=variant, context=context, batch_size=batch_size,
                            seed=int(rng.integers(2**31)), progress=progress)
    grn = stack[:, :, head_idx].mean(axis=2)
    meta = {
        "method": "scprint",
        "variant": variant,
        "heads": "mean" if isinstance(heads, str) else head_idx,
        "n_heads_total": model.n_heads_total,
        "checkpoint": str(ck.path) if ck.path else None,
        "checkpoint_sha256": ck.checksum,
        "seed": seed,
        "n_cells": int(x.shape[0]),
        "context": context,
        "genes_not_in_vocabulary": missing,
        "orientation": "rows = regulators (attention transposed: scPRINT rows are query = target)",
        "created": datetime.now(timezone.utc).isoformat(),
    }
    net = grnndata.GRnnData.from_matrix(grn, list(genes), key="GRN", metadata=meta)
    if store_heads:
        net.add_network("heads", stack, metadata={**meta, "heads": "all", "shape": "genes x genes x heads"})
    return net
