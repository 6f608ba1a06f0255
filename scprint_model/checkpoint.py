"""Checkpoints: one ``torch.save`` file holding the state_dict, the config (JSON text) and the gene vocabulary.

Written atomically (``grnndata._files.atomic_path``: temp file in the same directory, then renamed). A training checkpoint also holds the
optimizer state and the step, so that training resumes exactly; :func:`export` strips those and can store float16
weights for shipping.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from grnndata._files import atomic_path, sha256_file

from .model import ModelConfig, ScPrintModel

FORMAT = 1
DEFAULT_CHECKPOINT = Path(__file__).with_name("checkpoints") / "default.pt"


@dataclass
class Checkpoint:
    """A loaded checkpoint: the model (eval mode, float32), its vocabulary and the training record."""

    model: ScPrintModel
    vocab: list[str]
    path: Path | None = None
    checksum: str | None = None
    train_state: dict = field(default_factory=dict)


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


def load(path: str | Path | None = None, *, map_location: str = "cpu") -> Checkpoint:
    """Load a checkpoint (``None`` = the shipped default) into a float32 model in eval mode."""
    path = DEFAULT_CHECKPOINT if path is None else Path(path)
    if not path.exists():
        hint = " (the default checkpoint is created by `python -m scprint_model.train`, see docs/scprint.md)" \
            if path == DEFAULT_CHECKPOINT else ""
        raise FileNotFoundError(f"checkpoint not found: {path}{hint}")
    obj = torch.load(path, map_location=map_location, weights_only=True)
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise ValueError(f"{path} is not a scprint_model checkpoint (format {FORMAT})")
    config = ModelConfig.from_dict(json.loads(obj["config"]))
    model = ScPrintModel(config)
    state = {k: (v.float() if v.is_floating_point() else v) for k, v in obj["state_dict"].items()}
    if config.use_positions:  # position buffers are data, sized by the checkpoint
        model.pos_encoder.chrom = state["pos_encoder.chrom"].clone()
        model.pos_encoder.bins = state["pos_encoder.bins"].clone()
        if config.position_kind == "learned":
            n_bins = state["pos_encoder.bin_embedding.weight"].shape[0]
            model.pos_encoder.bin_embedding = torch.nn.Embedding(n_bins, config.d_model)
    model.load_state_dict(state)
    model.eval()
    return Checkpoint(model=model, vocab=list(obj["vocab"]), path=path, checksum=sha256(path),
                      train_state=obj.get("train_state", {}))


def load_default() -> Checkpoint:
    """The shipped default model (see docs/scprint.md for how it was trained)."""
    return load(None)


def positions_array(model: ScPrintModel) -> tuple[np.ndarray, np.ndarray] | tuple[None, None]:
    if model.pos_encoder is None:
        return None, None
    return model.pos_encoder.chrom.numpy(), model.pos_encoder.bins.numpy()
