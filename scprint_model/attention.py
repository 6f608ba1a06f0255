"""Gene x gene attention networks from a trained model, in two variants.

- ``mean-qk`` (scPRINT, eq. 25): average each gene's query and key vectors over the cells, then
  softmax(Q K^T / sqrt(d_head)) per head.
- ``mean-softmax`` (scPRINT-2, eq. 27): per cell, forward only that cell's expressed genes, softmax per head, then
  average every gene pair over the cells in which both genes were in the same forward pass (pairs never seen: 0).

Softmaxes run over gene keys only, except the mean-QK softmax of models whose ``softmax_over_cell_tokens`` is True
(the published scPRINT checkpoints): scprint's GNInfer averages the cell tokens' queries and keys too and keeps them
in the softmax, dropping their rows and columns afterwards. Which genes share a forward pass is decided by
:mod:`scprint_model.context` (``"chunks"``: genome-wide mode, memory bounded by the context; ``"random-expr"``:
scprint's collator). Memory then grows with the context, not with the gene count, except for the
(genes x genes x heads) result itself.

Orientation: attention rows are queries. In scPRINT a gene's query attending to another gene's key means the key
gene informs (regulates) the query gene, so rows are TARGETS. Our convention is rows = regulators: the result is
transposed exactly once, in :func:`attention_stack`.
"""
from __future__ import annotations

import logging
import math
from contextlib import nullcontext

import numpy as np
import scipy.sparse as sp
import torch

from ._progress import as_callback
from .context import SELECTIONS, cell_order, make_rng, sequences

log = logging.getLogger(__name__)

VARIANTS = ("mean-qk", "mean-softmax")
MAX_STACK_BYTES = 8 * 2**30


def _forward_qk(model, seqs, vocab_idx: np.ndarray, device, autocast):
    """Pad a list of sequences and run the encoder; returns the model's q/k output and the padded gene index."""
    length = max(len(s[0]) for s in seqs)
    pos = np.full((len(seqs), length), -1, dtype=np.int64)
    values = np.zeros((len(seqs), length), dtype=np.float32)
    for r, (g, v, total) in enumerate(seqs):
        pos[r, : len(g)] = g
        values[r, : len(g)] = model.input_values(v, total)
    valid = pos >= 0
    ids = np.where(valid, vocab_idx[np.maximum(pos, 0)], 0)
    depth = torch.tensor([s[2] for s in seqs], dtype=torch.float32, device=device)
    with autocast:
        out = model(torch.as_tensor(ids, device=device), torch.as_tensor(values, device=device), depth,
                    valid=torch.as_tensor(valid, device=device), qk_only=True)
    return out, pos, valid


def _device_of(model) -> torch.device:
    return next(model.parameters()).device


def attention_stack(model, counts: sp.csr_matrix, totals: np.ndarray, vocab_idx: np.ndarray, *,
                    variant: str = "mean-qk", context: int = 256, batch_size: int = 32, seed: int = 0,
                    selection: str = "chunks", dtype: torch.dtype | None = None, progress=None) -> np.ndarray:
    """Per-layer-per-head attention networks, (G, G, n_layers * n_heads) float32, rows = regulators.

    Parameters
    ----------
    model
        a :class:`~scprint_model.model.ScPrintModel` or :class:`~scprint_model.published_model.PublishedScPrint`
        (on the device it should run on).
    counts
        (cells x G) raw counts, CSR; ``totals`` the cells' total counts (normalisation and depth token).
    vocab_idx
        (G,) model vocabulary index of each output gene, -1 for genes outside the vocabulary (their rows/columns stay 0).
    variant
        ``"mean-qk"`` or ``"mean-softmax"``.
    context
        maximum genes per forward pass.
    batch_size
        sequences per forward pass.
    seed
        gene chunking / context draws (see :mod:`scprint_model.context`).
    selection
        ``"chunks"`` (genome-wide mode) or ``"random-expr"`` (scprint's collator; mean-qk only).
    dtype
        autocast dtype on CUDA (``torch.bfloat16`` / ``torch.float16``); ``None`` runs in float32.
    progress
        ``progress(event, info)`` callback, called with ``"attention"`` and ``{"done", "total", "variant"}`` (cells)
        after each batch; ``None`` (or the old ``False``/``True``) for none.
    """
    report = as_callback(progress)
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    if selection not in SELECTIONS:
        raise ValueError(f"selection must be one of {SELECTIONS}, got {selection!r}")
    if selection == "random-expr" and variant != "mean-qk":
        raise ValueError("selection='random-expr' (scprint's collator) goes with variant='mean-qk'; mean-softmax "
                         "always forwards each cell's expressed genes")
    if context < 2:
        raise ValueError("context must be >= 2")
    counts = sp.csr_matrix(counts)
    n_cells, g = counts.shape
    vocab_idx = np.asarray(vocab_idx, dtype=np.int64)
    if vocab_idx.shape != (g,):
        raise ValueError(f"vocab_idx has shape {vocab_idx.shape}, expected ({g},)")
    n_layers, n_heads = model.config.n_layers, model.config.n_heads
    lh = n_layers * n_heads
    if g * g * lh * 4 * (2 if variant == "mean-softmax" else 1) > MAX_STACK_BYTES:
        raise ValueError(f"{g} genes x {lh} heads needs more than {MAX_STACK_BYTES / 2**30:.0f} GiB; "
                         "use fewer genes (e.g. highly variable genes)")
    usable = np.flatnonzero(vocab_idx >= 0)
    if selection == "random-expr":  # the collator walks the genes in vocabulary order
        usable = usable[np.argsort(vocab_idx[usable], kind="stable")]
    rng = make_rng(selection, seed)
    order = cell_order(counts, selection)
    dh = model.config.d_model // n_heads
    device = _device_of(model)
    autocast = torch.autocast(device.type, dtype=dtype) if dtype is not None and device.type == "cuda" \
        else nullcontext()
    with_cells = variant == "mean-qk" and model.softmax_over_cell_tokens
    n_cell_tok = model.config.n_cell_tokens if with_cells else 0
    model.eval()
    # sums over cells; index g is a dummy slot that absorbs padding tokens
    if variant == "mean-qk":
        q_sum = torch.zeros(lh, g + 1, dh, dtype=torch.float64, device=device)
        k_sum = torch.zeros(lh, g + 1, dh, dtype=torch.float64, device=device)
        seen = torch.zeros(g + 1, dtype=torch.float64, device=device)
        cq_sum = torch.zeros(lh, n_cell_tok, dh, dtype=torch.float64, device=device)
        ck_sum = torch.zeros(lh, n_cell_tok, dh, dtype=torch.float64, device=device)
        n_seq = 0
    else:
        a_sum = torch.zeros(lh, (g + 1) * (g + 1), dtype=torch.float32, device=device)
        seen = torch.zeros((g + 1) * (g + 1), dtype=torch.float32, device=device)

    with torch.inference_mode():
        per_cell = 1 if selection == "random-expr" else max(1, math.ceil(g / context))
        cells_per_batch = max(1, batch_size // per_cell)
        for start in range(0, n_cells, cells_per_batch):
            cells = order[start:start + cells_per_batch]
            seqs = sequences(counts, totals, cells, usable, context, rng, selection=selection,
                             expressed_only=variant == "mean-softmax")
            if report is not None:
                report("attention", {"done": min(start + cells_per_batch, n_cells), "total": n_cells,
                                     "variant": variant})
            if not seqs:
                continue
            out, pos, valid = _forward_qk(model, seqs, vocab_idx, device, autocast)
            slot = torch.as_tensor(np.where(valid, pos, g), device=device)  # (S, L)
            if variant == "mean-qk":
                flat = slot.reshape(-1)
                for layer, (q, k) in enumerate(out["qk"]):
                    # (S, H, L, dh) -> (H, S*L, dh)
                    rows = slice(layer * n_heads, (layer + 1) * n_heads)
                    q_sum[rows].index_add_(1, flat, q.permute(1, 0, 2, 3).reshape(n_heads, -1, dh).double())
                    k_sum[rows].index_add_(1, flat, k.permute(1, 0, 2, 3).reshape(n_heads, -1, dh).double())
                    if with_cells:  # cell tokens are in every sequence
                        cq, ck = out["qk_cells"][layer]
                        cq_sum[rows] += cq.double().sum(0)
                        ck_sum[rows] += ck.double().sum(0)
                seen.index_add_(0, flat, torch.ones(flat.shape[0], dtype=torch.float64, device=device))
                n_seq += len(seqs)
            else:
                mask = torch.as_tensor(valid, device=device)[:, None, None, :]
                pair = (slot[:, :, None] * (g + 1) + slot[:, None, :]).reshape(-1)  # (S*L*L,)
                for layer, (q, k) in enumerate(out["qk"]):
                    s = torch.matmul(q.float(), k.float().transpose(-1, -2)) / math.sqrt(dh)
                    att = torch.softmax(s.masked_fill(~mask, float("-inf")), dim=-1)  # (S, H, Lq, Lk)
                    att = att.permute(1, 0, 2, 3).reshape(n_heads, -1)
                    a_sum[layer * n_heads:(layer + 1) * n_heads].index_add_(1, pair, att)
                seen.index_add_(0, pair, torch.ones(pair.shape[0], dtype=torch.float32, device=device))

    if variant == "mean-qk":
        att = _mean_qk_softmax(q_sum, k_sum, seen, g, dh,
                               (cq_sum / max(n_seq, 1), ck_sum / max(n_seq, 1)) if with_cells else None)
    else:
        a = a_sum.view(lh, g + 1, g + 1)[:, :g, :g]
        cnt = seen.view(g + 1, g + 1)[:g, :g]
        att = torch.where(cnt > 0, a / cnt.clamp_min(1), torch.zeros((), device=device))
    # att[h, query=target, key=regulator]  ->  stack[regulator, target, h]: the one transpose to our orientation
    return np.ascontiguousarray(att.cpu().numpy().transpose(2, 1, 0), dtype=np.float32)


def _mean_qk_softmax(q_sum, k_sum, seen, g: int, dh: int, cells=None) -> torch.Tensor:
    """softmax(mean Q mean K^T / sqrt(dh)) over the genes seen (and the cell tokens' means, when given)."""
    lh = q_sum.shape[0]
    present = seen[:g] > 0
    q_mean = (q_sum[:, :g] / seen[:g].clamp_min(1)[None, :, None]).float()
    k_mean = (k_sum[:, :g] / seen[:g].clamp_min(1)[None, :, None]).float()
    att = torch.zeros(lh, g, g, dtype=torch.float32, device=q_sum.device)
    idx = torch.nonzero(present).ravel()
    if not len(idx):
        return att
    q, k = q_mean[:, idx], k_mean[:, idx]
    c = 0
    if cells is not None:
        c = cells[0].shape[1]
        q = torch.cat([cells[0].float(), q], dim=1)
        k = torch.cat([cells[1].float(), k], dim=1)
    s = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(dh), dim=-1)
    att[:, idx[:, None], idx[None, :]] = s[:, c:, c:]
    return att
