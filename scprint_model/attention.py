"""Gene x gene attention networks from a trained model, in two variants.

- ``mean-qk`` (scPRINT, eq. 25): average each gene's query and key vectors over the cells, then
  softmax(Q K^T / sqrt(d_head)) per head.
- ``mean-softmax`` (scPRINT-2, eq. 27): per cell, forward only that cell's expressed genes, softmax per head, then
  average every gene pair over the cells in which both genes were in the same forward pass (pairs never seen: 0).

Softmaxes run over gene keys only (the cell tokens are left out), as in scPRINT's network extraction. When there are
more genes than the context (``context``), each cell's genes are split at random into chunks of at most ``context``
genes, one forward pass each ("genome-wide mode"): memory then grows with the context, not with the gene count, except
for the (genes x genes x heads) result itself.

Orientation: attention rows are queries. In scPRINT a gene's query attending to another gene's key means the key
gene informs (regulates) the query gene, so rows are TARGETS. Our convention is rows = regulators: the result is
transposed exactly once, in :func:`attention_stack`.
"""
from __future__ import annotations

import logging
import math

import numpy as np
import scipy.sparse as sp
import torch

from ._progress import as_callback

log = logging.getLogger(__name__)

VARIANTS = ("mean-qk", "mean-softmax")
MAX_STACK_BYTES = 8 * 2**30


def _chunks(genes: np.ndarray, context: int, rng: np.random.Generator) -> list[np.ndarray]:
    if len(genes) == 0:
        return []
    perm = rng.permutation(genes)
    return np.array_split(perm, math.ceil(len(perm) / context))


def _sequences(counts: sp.csr_matrix, totals: np.ndarray, cells: np.ndarray, vocab_idx: np.ndarray, context: int,
               rng: np.random.Generator, expressed_only: bool):
    """Gene chunks (indices into the G output genes) with their log-normalised values and depth, per cell."""
    usable = np.flatnonzero(vocab_idx >= 0)
    out = []
    for c in cells:
        row = counts.getrow(c)
        dense = np.zeros(counts.shape[1], dtype=np.float32)
        dense[row.indices] = row.data
        genes = usable[dense[usable] > 0] if expressed_only else usable
        for ch in _chunks(genes, context, rng):
            out.append((ch, np.log1p(dense[ch] / max(totals[c], 1.0) * 1e4).astype(np.float32), float(totals[c])))
    return out


def _forward_qk(model, seqs, vocab_idx: np.ndarray):
    """Pad a list of sequences and run the encoder; returns per-layer (q, k) and the padded gene index matrix."""
    length = max(len(s[0]) for s in seqs)
    n = len(seqs)
    pos = np.full((n, length), -1, dtype=np.int64)
    values = np.zeros((n, length), dtype=np.float32)
    for r, (g, v, _) in enumerate(seqs):
        pos[r, : len(g)] = g
        values[r, : len(g)] = v
    valid = pos >= 0
    ids = np.where(valid, vocab_idx[np.maximum(pos, 0)], 0)
    depth = torch.tensor([s[2] for s in seqs], dtype=torch.float32)
    out = model(torch.as_tensor(ids), torch.as_tensor(values), depth, valid=torch.as_tensor(valid), qk_only=True)
    return out["qk"], pos, valid


def attention_stack(model, counts: sp.csr_matrix, totals: np.ndarray, vocab_idx: np.ndarray, *,
                    variant: str = "mean-qk", context: int = 256, batch_size: int = 32, seed: int = 0,
                    progress=None) -> np.ndarray:
    """Per-layer-per-head attention networks, (G, G, n_layers * n_heads) float32, rows = regulators.

    Parameters
    ----------
    model
        a :class:`~scprint_model.model.ScPrintModel`.
    counts
        (cells x G) raw counts, CSR; ``totals`` the cells' total counts (normalisation and depth token).
    vocab_idx
        (G,) model vocabulary index of each output gene, -1 for genes outside the vocabulary (their rows/columns stay 0).
    variant
        ``"mean-qk"`` or ``"mean-softmax"``.
    context
        maximum genes per forward pass (genome-wide mode splits larger gene sets).
    batch_size
        sequences per forward pass.
    progress
        ``progress(event, info)`` callback, called with ``"attention"`` and ``{"done", "total", "variant"}`` (cells)
        after each batch; ``None`` (or the old ``False``/``True``) for none.
    """
    report = as_callback(progress)
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
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
    rng = np.random.default_rng(seed)
    dh = model.config.d_model // n_heads
    model.eval()
    # sums over cells; index g is a dummy slot that absorbs padding tokens
    if variant == "mean-qk":
        q_sum = torch.zeros(lh, g + 1, dh, dtype=torch.float64)
        k_sum = torch.zeros(lh, g + 1, dh, dtype=torch.float64)
        seen = torch.zeros(g + 1, dtype=torch.float64)
    else:
        a_sum = torch.zeros(lh, (g + 1) * (g + 1), dtype=torch.float32)
        seen = torch.zeros((g + 1) * (g + 1), dtype=torch.float32)

    with torch.inference_mode():
        cells_per_batch = max(1, batch_size // max(1, math.ceil(g / context)))
        for start in range(0, n_cells, cells_per_batch):
            cells = np.arange(start, min(start + cells_per_batch, n_cells))
            seqs = _sequences(counts, totals, cells, vocab_idx, context, rng, variant == "mean-softmax")
            if report is not None:
                report("attention", {"done": int(cells[-1]) + 1, "total": n_cells, "variant": variant})
            if not seqs:
                continue
            qks, pos, valid = _forward_qk(model, seqs, vocab_idx)
            slot = torch.as_tensor(np.where(valid, pos, g))  # (S, L)
            if variant == "mean-qk":
                flat = slot.reshape(-1)
                for layer, (q, k) in enumerate(qks):
                    # (S, H, L, dh) -> (H, S*L, dh)
                    qf = q.permute(1, 0, 2, 3).reshape(n_heads, -1, dh).double()
                    kf = k.permute(1, 0, 2, 3).reshape(n_heads, -1, dh).double()
                    q_sum[layer * n_heads:(layer + 1) * n_heads].index_add_(1, flat, qf)
                    k_sum[layer * n_heads:(layer + 1) * n_heads].index_add_(1, flat, kf)
                seen.index_add_(0, flat, torch.ones(flat.shape[0], dtype=torch.float64))
            else:
                mask = torch.as_tensor(valid)[:, None, None, :]
                pair = (slot[:, :, None] * (g + 1) + slot[:, None, :]).reshape(-1)  # (S*L*L,)
                for layer, (q, k) in enumerate(qks):
                    s = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(dh)
                    att = torch.softmax(s.masked_fill(~mask, float("-inf")), dim=-1)  # (S, H, Lq, Lk)
                    att = att.permute(1, 0, 2, 3).reshape(n_heads, -1)
                    a_sum[layer * n_heads:(layer + 1) * n_heads].index_add_(1, pair, att)
                seen.index_add_(0, pair, torch.ones(pair.shape[0], dtype=torch.float32))

    if variant == "mean-qk":
        present = seen[:g] > 0
        q_mean = (q_sum[:, :g] / seen[:g].clamp_min(1)[None, :, None]).float()
        k_mean = (k_sum[:, :g] / seen[:g].clamp_min(1)[None, :, None]).float()
        att = torch.zeros(lh, g, g, dtype=torch.float32)
        idx = torch.nonzero(present).ravel()
        if len(idx):
            s = torch.matmul(q_mean[:, idx], k_mean[:, idx].transpose(-1, -2)) / math.sqrt(dh)
            att[:, idx[:, None], idx[None, :]] = torch.softmax(s, dim=-1)
    else:
        a = a_sum.view(lh, g + 1, g + 1)[:, :g, :g]
        cnt = seen.view(g + 1, g + 1)[:g, :g]
        att = torch.where(cnt > 0, a / cnt.clamp_min(1), torch.zeros(()))
    # att[h, query=target, key=regulator]  ->  stack[regulator, target, h]: the one transpose to our orientation
    return np.ascontiguousarray(att.numpy().transpose(2, 1, 0), dtype=np.float32)
