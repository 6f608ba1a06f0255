"""Checkpoints: this package's own format, the published scPRINT v1 checkpoints, and where each comes from.

Own format: one ``torch.save`` file holding the state_dict, the config (JSON text) and the gene vocabulary, written
atomically (``grnndata._files.atomic_path``). A training checkpoint also holds the optimizer state and the step, so
that training resumes exactly; :func:`export` strips those and can store float16 weights for shipping.

:func:`load` reads, by what it is given: ``None`` -> the shipped toy model; a path -> that file (own format or a
published scPRINT v1 Lightning ``*.ckpt``); a name such as ``"medium-v1.5"`` -> the published checkpoint, downloaded
once into the cache (:mod:`scprint_model.hub`). Every file is read with ``torch.load(weights_only=True)`` and an
explicit allowlist (:mod:`scprint_model.safe_load`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from grnndata._files import atomic_path, sha256_file

from . import hub, published_ckpt
from .model import ModelConfig, ScPrintModel
from .safe_load import CheckpointError, CheckpointNotFoundError, load_untrusted

FORMAT = 1
DEFAULT_CHECKPOINT = Path(__file__).with_name("checkpoints") / "default.pt"
TOY_LABEL = "toy, not a foundation model (scprint_model's shipped default: 64 wide, 4 layers, 1,016 cells)"
#: genes per forward pass for published models: scprint's GNInfer default ``max_len``
PUBLISHED_CONTEXT = 3000


@dataclass
class Checkpoint:
    """A loaded checkpoint: the model (eval mode, float32), its vocabulary, the training record and its provenance.

    ``kind`` is ``"toy"`` (the shipped default), ``"scprint_model"`` (trained with :mod:`scprint_model.train`) or
    ``"scprint-v1"`` (a published scPRINT checkpoint); ``label`` is the one-line provenance every result records.
    """

    model: torch.nn.Module
    vocab: list[str]
    path: Path | None = None
    checksum: str | None = None
    train_state: dict = field(default_factory=dict)
    kind: str = "scprint_model"
    label: str = "scprint_model checkpoint (trained with scprint_model.train)"
    name: str | None = None
    info: dict = field(default_factory=dict)

    @property
    def context(self) -> int:
        """Default genes per forward pass: the training context (own format) or GNInfer's ``max_len``."""
        return int(self.train_state.get("context", 256)) if self.kind != "scprint-v1" else PUBLISHED_CONTEXT

    def provenance(self) -> dict:
        """What a result records about its model."""
        return {"checkpoint": str(self.path) if self.path else None, "checkpoint_sha256": self.checksum,
                "checkpoint_kind": self.kind, "checkpoint_label": self.label, "checkpoint_name": self.name}


def save(path: str | Path, model: ScPrintModel, vocab, *, train_state: dict | None = None, half: bool = False) -> Path:
    """Save model + config + vocabulary (+ optional training state) to ``path`` atomically."""
    state = {k: (v.half() if half and v.is_floating_point() else v).detach().cpu().clone()
             for k, v in model.state_dict().items()}
    obj = {
        "format": FORMAT,
        "config": json.dumps(model.config.to_dict()),
        "vocab": [str(g) for g in vocab],
        "state_dict": state,
        "train_state": train_state or {},
    }
    with atomic_path(path) as tmp:
        torch.save(obj, tmp)
    return Path(path)


def export(src: str | Path, dst: str | Path, *, half: bool = True) -> Path:
    """Copy a training checkpoint without optimizer state (float16 weights by default) for shipping."""
    ck = load(src)
    keep = {k: v for k, v in ck.train_state.items() if k not in ("optimizer",)}
    return save(dst, ck.model, ck.vocab, train_state=keep, half=half)


def sha256(path: str | Path) -> str:
    """sha256 hex digest of a checkpoint file."""
    return sha256_file(path)


def _own_format(obj: dict, path: Path) -> tuple[ScPrintModel, list[str], dict]:
    config = ModelConfig.from_dict(json.loads(obj["config"]))
    model = ScPrintModel(config)
    state = {k: (v.float() if v.is_floating_point() else v) for k, v in obj["state_dict"].items()}
    if config.use_positions:  # position buffers are data, sized by the checkpoint
        model.pos_encoder.chrom = state["pos_encoder.chrom"].clone()
        model.pos_encoder.bins = state["pos_encoder.bins"].clone()
        if config.position_kind == "learned":
            n_bins = state["pos_encoder.bin_embedding.weight"].shape[0]
            model.pos_encoder.bin_embedding = torch.nn.Embedding(n_bins, config.d_model)
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:  # missing / unexpected keys, wrong shapes
        raise CheckpointError(f"{path}: does not fit its own config: {str(exc)[:400]}") from None
    model.eval()
    return model, list(obj["vocab"]), obj.get("train_state", {})


def read_file(path: str | Path, *, name: str | None = None, fix: str = "") -> Checkpoint:
    """Load a checkpoint file of either format (own or published scPRINT v1)."""
    path = Path(path)
    obj = load_untrusted(path, fix=fix)
    checksum = sha256(path)
    if published_ckpt.is_lightning(obj):
        model, vocab, info = published_ckpt.build(obj, str(path))
        what = f"published checkpoint {name} ({hub.REPO})" if name else f"checkpoint file {path.name}"
        return Checkpoint(model=model, vocab=vocab, path=path, checksum=checksum, kind="scprint-v1", name=name,
                          label=f"scPRINT v1 {what}", info=info)
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a scprint_model checkpoint (format {FORMAT}) nor a scPRINT "
                              "Lightning checkpoint (state_dict + hyper_parameters)")
    model, vocab, train_state = _own_format(obj, path)
    toy = path.resolve() == DEFAULT_CHECKPOINT.resolve()
    return Checkpoint(model=model, vocab=vocab, path=path, checksum=checksum, train_state=train_state,
                      kind="toy" if toy else "scprint_model", name="default" if toy else None,
                      label=TOY_LABEL if toy else Checkpoint.label)


def load(source: str | Path | Checkpoint | None = None, *, progress=None) -> Checkpoint:
    """A checkpoint from ``None`` (the shipped toy), a file path, or a published name such as ``"medium-v1.5"``.

    Parameters
    ----------
    source
        ``None``; an existing file (own format or published Lightning ``.ckpt``); a published checkpoint name
        (downloaded once into :func:`scprint_model.hub.cache_dir`, verified on every later load); or an already
        loaded :class:`Checkpoint` (returned as is).
    progress
        ``progress(event, info)`` callback for a download (``"download"``, bytes ``done`` / ``total``).
    """
    if isinstance(source, Checkpoint):
        return source
    if source is None:
        if not DEFAULT_CHECKPOINT.exists():
            raise CheckpointNotFoundError(f"checkpoint not found: the shipped default {DEFAULT_CHECKPOINT} is missing; it "
                                          "is created by `python -m scprint_model.train`, see docs/scprint.md")
        return read_file(DEFAULT_CHECKPOINT)
    path = Path(source)
    if path.exists():
        return read_file(path)
    text = str(source)
    if isinstance(source, Path) or "/" in text or "\\" in text:
        raise CheckpointNotFoundError(f"checkpoint not found: {path}")
    fetched = hub.fetch(text, progress=progress)
    return read_file(fetched, name=hub.file_name(text)[: -len(".ckpt")], fix=hub.how_to_get(text))


def load_default() -> Checkpoint:
    """The shipped default model (the toy; see docs/scprint.md for how it was trained)."""
    return load(None)


def positions_array(model: ScPrintModel) -> tuple[np.ndarray, np.ndarray] | tuple[None, None]:
    if model.pos_encoder is None:
        return None, None
    return model.pos_encoder.chrom.numpy(), model.pos_encoder.bins.numpy()
