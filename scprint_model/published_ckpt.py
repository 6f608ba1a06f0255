"""Published scPRINT v1 checkpoints (Lightning ``*.ckpt`` of scprint's ``scPrint``) -> :class:`PublishedScPrint`.

A Lightning checkpoint holds ``hyper_parameters`` (the ``scPrint.__init__`` arguments: ``genes`` = the vocabulary,
``d_model``, ``nhead``, ``nlayers``, ``normalization``, ...) and ``state_dict``. Missing hyper-parameters take the
defaults of scprint 2.3.8's constructor, as ``load_from_checkpoint`` would. Dimensions are read from the tensors and
must agree with the hyper-parameters. Key mapping (reference -> ours; ``{i}`` = layer, ``{n}`` = Sequential index):

==========================================================  ==========================================
``gene_encoder.embeddings.weight`` (older: ``.embedding.``)  ``gene_encoder.embedding.weight``
``expr_encoder.encoder.{n}.*``                               ``expr_encoder.net.{n}.*``
``depth_encoder.encoder.{n}.*``                              ``depth_encoder.net.{n}.*``
``pos_encoder.pe`` (genes, 1, d) or (genes, d)               ``pos_encoder.table`` (genes, d)
``class_encoder.embedding.weight``                           ``cell_tokens``
``transformer.blocks.{i}.norm1.*`` / ``.norm2.*``            ``blocks.{i}.ln1.*`` / ``.ln2.*``
``transformer.blocks.{i}.mixer.Wqkv.*``                      ``blocks.{i}.qkv.*``
``transformer.blocks.{i}.mixer.out_proj.*``                  ``blocks.{i}.out.*``
``transformer.blocks.{i}.mlp.fc1.*`` / ``.fc2.*``            ``blocks.{i}.ff1.*`` / ``.ff2.*``
``transformer.norm.*``                                       ``ln_out.*``
``expr_decoder.fc.{n}.*``                                    ``expr_decoder.fc.{n}.*``
``expr_decoder.pred_var_zero.*``                             ``expr_decoder.out.*``
==========================================================  ==========================================

Read but not used (label classifiers, the MVC decoder, the batch discriminator, class compressors):
``cls_decoders.*``, ``mvc_decoder.*``, ``grad_reverse_discriminator_loss.*``, ``bottleneck_mlps.*``. Any other key
is an error: a layout we do not know would silently compute something else.
"""
from __future__ import annotations

import logging
import re

import torch

from .published_model import NORMALIZATIONS, PublishedConfig, PublishedScPrint
from .safe_load import CheckpointError

log = logging.getLogger(__name__)

KEY_MAP = [
    (r"gene_encoder\.(?:0\.)?embeddings?\.weight", "gene_encoder.embedding.weight"),
    (r"expr_encoder\.encoder\.(\d+)\.(weight|bias)", r"expr_encoder.net.\1.\2"),
    (r"depth_encoder\.encoder\.(\d+)\.(weight|bias)", r"depth_encoder.net.\1.\2"),
    (r"pos_encoder\.pe", "pos_encoder.table"),
    (r"class_encoder\.embedding\.weight", "cell_tokens"),
    (r"transformer\.blocks\.(\d+)\.norm1\.(weight|bias)", r"blocks.\1.ln1.\2"),
    (r"transformer\.blocks\.(\d+)\.norm2\.(weight|bias)", r"blocks.\1.ln2.\2"),
    (r"transformer\.blocks\.(\d+)\.mixer\.Wqkv\.(weight|bias)", r"blocks.\1.qkv.\2"),
    (r"transformer\.blocks\.(\d+)\.mixer\.out_proj\.(weight|bias)", r"blocks.\1.out.\2"),
    (r"transformer\.blocks\.(\d+)\.mlp\.fc1\.(weight|bias)", r"blocks.\1.ff1.\2"),
    (r"transformer\.blocks\.(\d+)\.mlp\.fc2\.(weight|bias)", r"blocks.\1.ff2.\2"),
    (r"transformer\.norm\.(weight|bias)", r"ln_out.\1"),
    (r"expr_decoder\.fc\.(\d+)\.(weight|bias)", r"expr_decoder.fc.\1.\2"),
    (r"expr_decoder\.pred_var_zero\.(weight|bias)", r"expr_decoder.out.\1"),
]
IGNORED = ("cls_decoders.", "mvc_decoder.", "grad_reverse_discriminator_loss.", "bottleneck_mlps.")
#: scprint 2.3.8 ``scPrint.__init__`` defaults for the hyper-parameters we read
DEFAULTS = {"d_model": 256, "nhead": 4, "nlayers": 8, "normalization": "sum", "expr_encoder_layers": 2,
            "depth_atinput": True, "zinb": True, "cell_specific_blocks": False, "use_metacell_token": False,
            "attn_bias": "none", "expr_emb_style": "continuous", "num_heads_kv": None, "gene_pos_enc": None}
#: what an unsupported setting means, for the error message
UNSUPPORTED = {
    "cell_specific_blocks": "a separate cell transformer with cross-attention",
    "use_metacell_token": "a metacell token",
}


def is_lightning(obj) -> bool:
    """True for a Lightning checkpoint dict (has ``state_dict`` and ``hyper_parameters``)."""
    return isinstance(obj, dict) and "state_dict" in obj and "hyper_parameters" in obj


def _hparams(obj: dict, where: str) -> dict:
    raw = obj["hyper_parameters"]
    if not isinstance(raw, dict):
        raise CheckpointError(f"{where}: hyper_parameters is a {type(raw).__name__}, expected a dict")
    hp = {**DEFAULTS, **raw}
    if isinstance(hp.get("genes"), dict) or "attention" in raw or "d_model_cell" in raw:
        raise CheckpointError(
            f"{where} is a scPRINT-2 checkpoint (per-organism gene lists / an 'attention' setting); scprint_model "
            "reads scPRINT v1 checkpoints only (see docs/scprint.md, 'scPRINT-2')")
    if not hp.get("genes"):
        raise CheckpointError(f"{where}: hyper_parameters has no 'genes' (the gene vocabulary); not a scPRINT "
                              "checkpoint")
    for key, what in UNSUPPORTED.items():
        if hp.get(key):
            raise CheckpointError(f"{where} uses {what} ({key}=True), which scprint_model does not implement")
    checks = {"attn_bias": ("none",), "expr_emb_style": ("continuous",), "normalization": NORMALIZATIONS}
    for key, allowed in checks.items():
        if str(hp[key]) not in allowed:
            raise CheckpointError(f"{where}: {key}={hp[key]!r} is not supported (only {', '.join(allowed)})")
    if hp["num_heads_kv"] not in (None, hp["nhead"]):
        raise CheckpointError(f"{where}: grouped-query attention (num_heads_kv={hp['num_heads_kv']} < nhead="
                              f"{hp['nhead']}) is not supported")
    return hp


def map_state_dict(state: dict, where: str) -> tuple[dict, list[str]]:
    """Rename reference keys to ours; returns (mapped tensors, ignored keys). Unknown keys raise."""
    mapped, ignored, unknown = {}, [], []
    for key, value in state.items():
        if key.startswith(IGNORED):
            ignored.append(key)
            continue
        for pattern, target in KEY_MAP:
            if re.fullmatch(pattern, key):
                mapped[re.sub(pattern, target, key)] = value
                break
        else:
            unknown.append(key)
    if unknown:
        raise CheckpointError(f"{where}: {len(unknown)} state_dict key(s) outside the scPRINT v1 layout, e.g. "
                              f"{unknown[:5]}; refusing to load a model we would run differently")
    if "pos_encoder.table" in mapped and mapped["pos_encoder.table"].dim() == 3:
        mapped["pos_encoder.table"] = mapped["pos_encoder.table"].squeeze(1)  # (genes, 1, d) in recent versions
    return mapped, ignored


def config_from(hp: dict, mapped: dict, where: str) -> PublishedConfig:
    """The architecture: hyper-parameters, cross-checked against the tensors' shapes."""
    need = ["gene_encoder.embedding.weight", "cell_tokens", "blocks.0.qkv.weight", "blocks.0.ff1.weight"]
    missing = [k for k in need if k not in mapped]
    if missing:
        raise CheckpointError(f"{where}: state_dict lacks {missing} (the gene embeddings, cell tokens and first "
                              "block define the model); the file is incomplete or not a scPRINT v1 checkpoint")
    n_genes, d_model = mapped["gene_encoder.embedding.weight"].shape
    layers = {int(m.group(1)) for k in mapped if (m := re.match(r"blocks\.(\d+)\.", k))}
    if int(hp["d_model"]) != d_model:
        raise CheckpointError(f"{where}: hyper_parameters d_model={hp['d_model']} but the gene embeddings are "
                              f"{d_model} wide (wrong shape)")
    if len(hp["genes"]) != n_genes:
        raise CheckpointError(f"{where}: {len(hp['genes'])} genes in hyper_parameters but {n_genes} gene "
                              "embeddings (wrong shape)")
    if int(hp["nlayers"]) != len(layers):
        raise CheckpointError(f"{where}: hyper_parameters nlayers={hp['nlayers']} but the state_dict has "
                              f"{len(layers)} transformer blocks")
    try:
        return PublishedConfig(
            n_genes=n_genes, d_model=d_model, n_layers=len(layers), n_heads=int(hp["nhead"]),
            d_ff=int(mapped["blocks.0.ff1.weight"].shape[0]), n_class_tokens=int(mapped["cell_tokens"].shape[0]),
            depth_at_input=bool(hp["depth_atinput"]), normalization=str(hp["normalization"]),
            expr_encoder_layers=int(hp["expr_encoder_layers"]), use_positions="pos_encoder.table" in mapped,
            zinb=bool(hp["zinb"]))
    except ValueError as exc:
        raise CheckpointError(f"{where}: {exc}") from None


def _load_weights(model: PublishedScPrint, mapped: dict, where: str) -> None:
    expected = model.state_dict()
    missing = sorted(set(expected) - set(mapped))
    if missing:
        raise CheckpointError(f"{where}: state_dict lacks {len(missing)} tensor(s) of the scPRINT v1 layout, e.g. "
                              f"{missing[:5]}; the file is incomplete")
    bad = [f"{k}: file {tuple(mapped[k].shape)}, model {tuple(v.shape)}" for k, v in expected.items()
           if tuple(mapped[k].shape) != tuple(v.shape)]
    if bad:
        raise CheckpointError(f"{where}: wrong tensor shape(s) for the hyper-parameters: {bad[:5]}")
    extra = sorted(set(mapped) - set(expected))
    if extra:
        raise CheckpointError(f"{where}: tensors {extra[:5]} do not fit the architecture of its hyper-parameters")
    model.load_state_dict({k: v.float() for k, v in mapped.items()})


def build(obj: dict, where: str) -> tuple[PublishedScPrint, list[str], dict]:
    """(model in eval mode, float32; vocabulary; info) from a loaded Lightning checkpoint dict."""
    hp = _hparams(obj, where)
    state = obj["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"{where}: state_dict is not a dict of tensors")
    mapped, ignored = map_state_dict(state, where)
    config = config_from(hp, mapped, where)
    n_labels = len(hp.get("label_counts") or hp.get("classes") or {})
    if config.n_class_tokens != n_labels + 1:
        log.warning("%s: %d class tokens for %d labels (expected labels + 1); using the checkpoint's tokens",
                    where, config.n_class_tokens, n_labels)
    model = PublishedScPrint(config)
    _load_weights(model, mapped, where)
    model.eval()
    info = {"layout": "scPRINT v1 (scprint 2.3.8 scPrint, Lightning)", "config": config.to_dict(),
            "organisms": [str(o) for o in hp.get("organisms") or []],
            "lightning_version": obj.get("pytorch-lightning_version"), "ignored_keys": len(ignored),
            "weights_dtype": str(next(iter(state.values())).dtype).replace("torch.", "")}
    return model, [str(g) for g in hp["genes"]], info
