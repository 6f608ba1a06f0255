"""The published scPRINT v1 architecture, built from this package's modules.

scprint 2.3.8's ``scPrint`` (on ``simpler_flash.FlashTransformer``) differs from the toy :class:`~scprint_model.model.
ScPrintModel` in its token encoders and decoder, not in its transformer:

- expression: the raw counts of the context genes are normalised by their own sum (``"sum"``) or log2(1 + x)
  (``"log"``) and fed to an MLP with layer norms (:class:`~scprint_model.encoders.ValueMLP`);
- genomic position: a fixed table of sinusoidal encodings per vocabulary gene
  (:class:`~scprint_model.encoders.TablePositionEncoder`);
- cell tokens: a depth token ``ValueMLP(log2(1 + depth))`` first (``depth_atinput``), then one learned token per
  row of the class encoder (the base cell token and one per predicted label);
- blocks: the same pre-norm block as the toy (:class:`~scprint_model.model.Block`), with layer-norm epsilon 1e-6 and a
  final layer norm (flash-attn's "dropout, add, norm" block order computes the same function at inference);
- expression decoder: MLP with layer norms and leaky ReLU; ``mean = softmax over the context * context counts``,
  ``disp = exp(min(., 15))``, zero-inflation logit (:class:`ExpressionDecoder`).

The forward signature is the toy's, so :func:`~scprint_model.attention.attention_stack` serves both models.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .encoders import GeneEncoder, TablePositionEncoder, ValueMLP
from .model import Block, run_blocks

NORMALIZATIONS = ("sum", "log")


@dataclass
class PublishedConfig:
    """Hyper-parameters of a published scPRINT v1 checkpoint, as mapped onto our modules."""

    n_genes: int
    d_model: int
    n_layers: int
    n_heads: int
    d_ff: int
    n_class_tokens: int  # rows of the class encoder: base cell token + one per predicted label
    depth_at_input: bool = True
    normalization: str = "sum"
    expr_encoder_layers: int = 2
    use_positions: bool = True
    zinb: bool = True

    def __post_init__(self):
        if self.d_model % self.n_heads:
            raise ValueError(f"d_model={self.d_model} must be divisible by n_heads={self.n_heads}")
        if self.normalization not in NORMALIZATIONS:
            raise ValueError(f"normalization must be one of {NORMALIZATIONS}, got {self.normalization!r}")

    @property
    def n_cell_tokens(self) -> int:
        return self.n_class_tokens + int(self.depth_at_input)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


class ExpressionDecoder(nn.Module):
    """scPRINT v1's ``ExprDecoder``: per-gene (mean, dispersion, zero logit) from the output gene tokens."""

    def __init__(self, d_model: int, *, use_depth: bool, zinb: bool = True):
        super().__init__()
        self.fc = nn.Sequential(nn.Linear(d_model + int(use_depth), d_model), nn.LayerNorm(d_model), nn.LeakyReLU(),
                                nn.Identity(), nn.Linear(d_model, d_model), nn.LayerNorm(d_model), nn.LeakyReLU())
        self.out = nn.Linear(d_model, 3 if zinb else 1)
        self.zinb = zinb

    def forward(self, genes: torch.Tensor, valid: torch.Tensor, depth_mult: torch.Tensor,
                log_depth: torch.Tensor | None = None) -> dict:
        if log_depth is not None:
            genes = torch.cat([genes, log_depth[:, None, None].expand(-1, genes.shape[1], 1)], dim=-1)
        z = self.out(self.fc(genes))
        # the reference's softmax runs over a context without padding; masking padding gives the same values
        mean = torch.softmax(z[..., 0].masked_fill(~valid, float("-inf")), dim=-1) * depth_mult[:, None]
        if not self.zinb:
            return {"mean": mean}
        return {"mean": mean, "disp": torch.exp(z[..., 1].clamp(max=15)), "zero_logits": z[..., 2]}


class PublishedScPrint(nn.Module):
    """scPRINT v1 (published checkpoints) on our modules; build with ``PublishedScPrint(config)`` then load weights."""

    #: scPRINT's GNInfer keeps the cell tokens in the mean-QK softmax (their rows/columns are dropped afterwards)
    softmax_over_cell_tokens = True

    def __init__(self, config: PublishedConfig):
        super().__init__()
        self.config = config
        d = config.d_model
        self.gene_encoder = GeneEncoder(config.n_genes, d)
        self.expr_encoder = ValueMLP(d, config.expr_encoder_layers)
        self.pos_encoder = TablePositionEncoder(config.n_genes, d) if config.use_positions else None
        self.cell_tokens = nn.Parameter(torch.zeros(config.n_class_tokens, d))
        self.depth_encoder = ValueMLP(d, config.expr_encoder_layers) if config.depth_at_input else None
        self.blocks = nn.ModuleList(Block(d, config.n_heads, config.d_ff, eps=1e-6) for _ in range(config.n_layers))
        self.ln_out = nn.LayerNorm(d, eps=1e-6)
        self.expr_decoder = ExpressionDecoder(d, use_depth=not config.depth_at_input, zinb=config.zinb)

    @staticmethod
    def input_values(counts: np.ndarray, total: float) -> np.ndarray:
        """The encoder reads raw counts: it normalises each context by itself (``normalization``)."""
        return np.asarray(counts, dtype=np.float32)

    def _normalise(self, counts: torch.Tensor) -> torch.Tensor:
        if self.config.normalization == "log":
            return torch.log2(1 + counts)
        # a context without any count would divide 0 by 0 (NaN in the reference); it reads as all zeros here
        return counts / counts.sum(1, keepdim=True).clamp_min(torch.finfo(counts.dtype).tiny)

    def forward(self, gene_ids: torch.Tensor, values: torch.Tensor, depth: torch.Tensor,
                valid: torch.Tensor | None = None, return_qk: bool = False, qk_only: bool = False) -> dict:
        """Run the encoder on (batch, L) vocabulary ids and RAW counts; ``depth`` = each cell's total counts.

        Returns ``{"genes", "cells", "counts", "valid"}`` (output tokens after the final norm), plus ``"qk"`` /
        ``"qk_cells"`` (per layer, gene and cell tokens' (q, k)) when ``return_qk`` or ``qk_only``.
        """
        b, length = gene_ids.shape
        valid = torch.ones(b, length, dtype=torch.bool, device=gene_ids.device) if valid is None else valid
        counts = values.float() * valid  # padding carries no counts
        x = self.gene_encoder(gene_ids) + self.expr_encoder(self._normalise(counts))
        if self.pos_encoder is not None:
            x = x + self.pos_encoder(gene_ids)
        cells = self.cell_tokens.unsqueeze(0).expand(b, -1, -1)
        if self.depth_encoder is not None:
            cells = torch.cat([self.depth_encoder(torch.log2(1 + depth.float()))[:, None], cells], dim=1)
        c = self.config.n_cell_tokens
        x, qks = run_blocks(self.blocks, torch.cat([cells, x], dim=1), valid, c, return_qk=return_qk,
                            qk_only=qk_only)
        out = {}
        if return_qk or qk_only:
            out["qk"] = [(q[:, :, c:], k[:, :, c:]) for q, k in qks]
            out["qk_cells"] = [(q[:, :, :c], k[:, :, :c]) for q, k in qks]
        if qk_only:
            return out
        x = self.ln_out(x)
        out.update(genes=x[:, c:], cells=x[:, :c], counts=counts, valid=valid)
        return out

    def decode_expression(self, out: dict, depth: torch.Tensor) -> dict:
        """(mean, disp, zero_logits) per context gene, the reference's ``predict_mode="none"`` (mean sums to the
        context's counts)."""
        log_depth = None if self.config.depth_at_input else torch.log2(1 + depth.float())
        return self.expr_decoder(out["genes"], out["valid"], out["counts"].sum(1), log_depth)

    @property
    def n_heads_total(self) -> int:
        return self.config.n_layers * self.config.n_heads


__all__ = ["PublishedConfig", "PublishedScPrint", "ExpressionDecoder"]
