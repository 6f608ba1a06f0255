"""A small scPRINT-style transformer (Kalfon et al., Nat Commun 2025).

Tokens: ``n_cell_tokens`` learned cell tokens (the first one also carries the cell's sequencing depth) followed by one
token per context gene = gene identity embedding + expression MLP(log1p(x / total * 1e4)) [+ genomic position].
Pre-norm transformer encoder on ``torch.nn.functional.scaled_dot_product_attention`` (flash-attn on CUDA when
installed). Two heads read the output: a per-gene ZINB expression decoder (denoising) and a bottleneck decoder that
reconstructs expression from the cell embedding and gene identities alone.
"""
from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from grnndata._odeps import has_module, import_optional

from .encoders import ExpressionEncoder, GeneEncoder, PositionEncoder

log = logging.getLogger(__name__)

# optional, only useful on CUDA; absent -> SDPA everywhere
_flash_attn_func = import_optional("flash_attn", "flash attention").flash_attn_func if has_module("flash_attn") \
    else None


@dataclass
class ModelConfig:
    """Architecture hyper-parameters (JSON-able; stored in every checkpoint)."""

    n_genes: int
    d_model: int = 64
    n_layers: int = 4
    n_heads: int = 4
    d_ff: int = 128
    n_cell_tokens: int = 2
    use_positions: bool = True
    position_kind: str = "sinusoidal"
    position_bin_size: int = 1_000_000
    gene_embedding_dim: int | None = None  # set when initialised from a user table of another width
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.d_model % self.n_heads:
            raise ValueError(f"d_model={self.d_model} must be divisible by n_heads={self.n_heads}")
        if self.n_genes < 1:
            raise ValueError("n_genes must be >= 1")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "ModelConfig":
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """Multi-head attention, q/k/v of shape (batch, heads, tokens, head_dim); mask True = may attend."""
    if _flash_attn_func is not None and q.is_cuda and mask is None and q.dtype in (torch.float16, torch.bfloat16):
        # flash-attn wants (batch, tokens, heads, head_dim)
        return _flash_attn_func(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)).transpose(1, 2)
    return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)


class Block(nn.Module):
    """Pre-norm encoder block: x + Attn(LN(x)), then x + MLP(LN(x)).

    ``qkv`` packs (3, heads, head_dim) along its output, the layout of flash-attn's ``Wqkv`` (so the published
    scPRINT blocks load into it unchanged); ``eps`` is the layer norms' epsilon (scPRINT's blocks use 1e-6).
    """

    def __init__(self, d_model: int, n_heads: int, d_ff: int, eps: float = 1e-5):
        super().__init__()
        self.n_heads = n_heads
        self.ln1 = nn.LayerNorm(d_model, eps=eps)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.ln2 = nn.LayerNorm(d_model, eps=eps)
        self.ff1 = nn.Linear(d_model, d_ff)
        self.ff2 = nn.Linear(d_ff, d_model)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None, return_qk: bool = False, qk_only: bool = False):
        b, t, d = x.shape
        h = self.n_heads
        q, k, v = self.qkv(self.ln1(x)).view(b, t, 3, h, d // h).permute(2, 0, 3, 1, 4)
        if qk_only:  # network extraction needs nothing after the last layer's queries and keys
            return x, (q, k)
        o = attention(q, k, v, mask).transpose(1, 2).reshape(b, t, d)
        x = x + self.out(o)
        x = x + self.ff2(F.gelu(self.ff1(self.ln2(x))))
        return (x, (q, k)) if return_qk else (x, None)


def run_blocks(blocks: nn.ModuleList, x: torch.Tensor, valid: torch.Tensor | None, n_cell_tokens: int, *,
               return_qk: bool = False, qk_only: bool = False) -> tuple[torch.Tensor, list]:
    """Run the encoder blocks over (cell tokens + gene tokens) ``x``; padding keys (``valid`` False) are masked.

    Returns the output and, when asked, each layer's (q, k) over ALL tokens, (batch, heads, tokens, head_dim). With
    ``qk_only`` the last layer stops after its queries and keys (all network extraction needs).
    """
    b = x.shape[0]
    mask = None
    if valid is not None and not bool(valid.all()):
        keys = torch.cat([torch.ones(b, n_cell_tokens, dtype=torch.bool, device=valid.device), valid], dim=1)
        mask = keys[:, None, None, :]
    qks = []
    last = len(blocks) - 1
    for i, block in enumerate(blocks):
        x, qk = block(x, mask, return_qk or qk_only, qk_only=qk_only and i == last)
        if return_qk or qk_only:
            qks.append(qk)
    return x, qks


def _decoder(d_in: int, d_model: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(d_in, d_model), nn.GELU(), nn.Linear(d_model, 3))


class ScPrintModel(nn.Module):
    """The transformer. See the module docstring; build with ``ScPrintModel(config, chrom=..., bins=...)``."""

    def __init__(self, config: ModelConfig, *, chrom: np.ndarray | None = None, bins: np.ndarray | None = None,
                 gene_init: np.ndarray | None = None, freeze_gene_init: bool = False):
        super().__init__()
        self.config = config
        d = config.d_model
        if gene_init is None and config.gene_embedding_dim and config.gene_embedding_dim != d:
            # rebuilding from a checkpoint: recreate the (table width -> d_model) projection layout
            gene_init = np.full((config.n_genes, config.gene_embedding_dim), np.nan, dtype=np.float32)
        self.gene_encoder = GeneEncoder(config.n_genes, d, init=gene_init, freeze=freeze_gene_init)
        self.expr_encoder = ExpressionEncoder(d)
        if config.use_positions:
            if chrom is None or bins is None:
                chrom = np.zeros(config.n_genes, dtype=np.int64)
                bins = np.zeros(config.n_genes, dtype=np.int64)
            self.pos_encoder = PositionEncoder(chrom, bins, d, kind=config.position_kind)
        else:
            self.pos_encoder = None
        self.cell_tokens = nn.Parameter(torch.randn(config.n_cell_tokens, d) * 0.1)
        self.depth_encoder = nn.Linear(1, d)
        self.blocks = nn.ModuleList(Block(d, config.n_heads, config.d_ff) for _ in range(config.n_layers))
        self.ln_out = nn.LayerNorm(d)
        self.expr_decoder = _decoder(d, d)
        self.cell_projection = nn.Linear(config.n_cell_tokens * d, d)
        self.bottleneck_decoder = _decoder(2 * d, d)

    #: network extraction: the mean-QK softmax runs over gene keys only (scPRINT's GNInfer also counts the cell
    #: tokens; :class:`~scprint_model.published_model.PublishedScPrint` sets this to True)
    softmax_over_cell_tokens = False

    @staticmethod
    def input_values(counts: np.ndarray, total: float) -> np.ndarray:
        """The value the expression encoder reads for a context's raw ``counts``: log1p(x / total * 1e4)."""
        return np.log1p(counts / max(total, 1.0) * 1e4).astype(np.float32)

    # -- embeddings ---------------------------------------------------------------------------------------------
    def gene_tokens(self, gene_ids: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
        x = self.gene_encoder(gene_ids) + self.expr_encoder(values)
        if self.pos_encoder is not None:
            x = x + self.pos_encoder(gene_ids)
        return x

    def forward(self, gene_ids: torch.Tensor, values: torch.Tensor, depth: torch.Tensor,
                valid: torch.Tensor | None = None, return_qk: bool = False, qk_only: bool = False) -> dict:
        """Run the encoder.

        Parameters
        ----------
        gene_ids
            (batch, L) vocabulary indices of the context genes.
        values
            (batch, L) log1p(x / total * 1e4) of those genes in the (possibly downsampled) input cell.
        depth
            (batch,) total counts the decoder should predict for (target depth).
        valid
            optional (batch, L) bool, False for padding tokens.
        return_qk
            also return per-layer (q, k) of the gene tokens, each (batch, heads, L, head_dim).
        qk_only
            return only {"qk": ...}, skipping the work after the last layer's queries and keys.
        """
        b, length = gene_ids.shape
        c = self.config.n_cell_tokens
        cells = self.cell_tokens.unsqueeze(0).expand(b, -1, -1).clone()
        cells[:, 0] = cells[:, 0] + self.depth_encoder(torch.log1p(depth.float()).unsqueeze(-1))
        x = torch.cat([cells, self.gene_tokens(gene_ids, values)], dim=1)
        x, qks = run_blocks(self.blocks, x, valid, c, return_qk=return_qk, qk_only=qk_only)
        qks = [(q[:, :, c:], k[:, :, c:]) for q, k in qks]
        if qk_only:
            return {"qk": qks}
        x = self.ln_out(x)
        cell_emb = self.cell_projection(x[:, :c].reshape(b, -1))
        out = {"genes": x[:, c:], "cell_emb": cell_emb}
        if return_qk:
            out["qk"] = qks
        return out

    # -- decoders -----------------------------------------------------------------------------------------------
    @staticmethod
    def _params(raw: torch.Tensor, depth: torch.Tensor):
        scale = (depth.float() / 1e4).view(-1, *([1] * (raw.dim() - 2)))
        mu = torch.exp(raw[..., 0].clamp(-15.0, 12.0)) * scale
        theta = F.softplus(raw[..., 1]) + 1e-3
        return mu, theta, raw[..., 2]

    def decode_expression(self, out: dict, depth: torch.Tensor):
        """ZINB (mu, theta, pi_logit) for each context gene from its output token."""
        return self._params(self.expr_decoder(out["genes"]), depth)

    def decode_bottleneck(self, cell_emb: torch.Tensor, gene_ids: torch.Tensor, depth: torch.Tensor):
        """ZINB parameters from the cell embedding and gene identities only (no expression input)."""
        g = self.gene_encoder(gene_ids)
        z = torch.cat([cell_emb.unsqueeze(1).expand(-1, g.shape[1], -1), g], dim=-1)
        return self._params(self.bottleneck_decoder(z), depth)

    @property
    def n_heads_total(self) -> int:
        return self.config.n_layers * self.config.n_heads
