"""Pre-training: denoising (binomial downsampling) + bottleneck reconstruction, ZINB losses summed.

Run ``python -m scprint_model.train --help``. Every step draws its cells, context genes and downsampling from
``numpy.random.default_rng([seed, step])``, so a resumed run continues exactly like an uninterrupted one.
"""
from __future__ import annotations

import argparse
import json
from contextlib import contextmanager
import logging
import math
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import torch

from . import checkpoint as ckpt
from ._progress import as_callback
from .data import gene_positions, merge_datasets, read_counts, sample_batch
from .losses import zinb_nll
from .model import ModelConfig, ScPrintModel

log = logging.getLogger(__name__)

SHARED = Path("../shared/data")
DEFAULT_DATA = [
    SHARED / "expression/celltypist_sample/sample_cell_by_gene.csv.gz",
    SHARED / "expression/mccalla/chen_rna_filtered_log2.tsv.gz",
    SHARED / "expression/mccalla/liu_rna_filtered_log2.tsv.gz",
]
DEFAULT_POSITIONS = SHARED / "annotation/scprint_biomart_pos.parquet"


def build_model(vocab, config: ModelConfig, *, positions: str | Path | None = None,
                gene_embeddings: str | Path | None = None, seed: int = 0) -> ScPrintModel:
    """A freshly initialised model (weights from ``torch.manual_seed(seed)`` inside a forked RNG)."""
    chrom = bins = None
    if config.use_positions:
        chrom, bins = gene_positions(vocab, positions, bin_size=config.position_bin_size)
    init = None
    if gene_embeddings is not None:
        init = read_gene_embeddings(gene_embeddings, vocab)
        config.gene_embedding_dim = int(init.shape[1])
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return ScPrintModel(config, chrom=chrom, bins=bins, gene_init=init)


def read_gene_embeddings(path: str | Path, vocab) -> np.ndarray:
    """Table (parquet/csv/tsv; index = gene symbols, columns = dimensions) -> (len(vocab), k), NaN rows if missing."""
    import pandas as pd

    path = Path(path)
    df = pd.read_parquet(path) if path.suffix == ".parquet" else \
        pd.read_csv(path, sep="\t" if ".tsv" in path.name else ",", index_col=0)
    df = df[~df.index.duplicated()]
    out = df.reindex(pd.Index(vocab)).to_numpy(dtype=np.float32)
    log.info("gene embeddings: %d / %d vocabulary genes found in %s", (~np.isnan(out).any(1)).sum(), len(vocab), path)
    return out


def lr_at(step: int, total: int, lr: float) -> float:
    warm = max(1, min(100, total // 10))
    if step < warm:
        return lr * (step + 1) / warm
    t = (step - warm) / max(1, total - warm)
    return lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(t, 1.0))))


def loss_on_batch(model: ScPrintModel, batch) -> tuple[torch.Tensor, dict]:
    ids = torch.as_tensor(batch.gene_ids)
    values = torch.as_tensor(batch.values)
    target = torch.as_tensor(batch.target)
    depth = torch.as_tensor(batch.depth)
    out = model(ids, values, depth)
    denoise = zinb_nll(target, *model.decode_expression(out, depth))
    bottleneck = zinb_nll(target, *model.decode_bottleneck(out["cell_emb"], ids, depth))
    return denoise + bottleneck, {"denoise": float(denoise.detach()), "bottleneck": float(bottleneck.detach())}


def fit(model: ScPrintModel, counts: sp.csr_matrix, totals: np.ndarray, vocab, *, steps: int, batch_size: int = 16,
        context: int = 256, lr: float = 1e-3, seed: int = 0, start_step: int = 0, optimizer_state: dict | None = None,
        history: list | None = None, out: str | Path | None = None, checkpoint_every: int = 200,
        stop_at: int | None = None, progress=None, extra_state: dict | None = None) -> list[dict]:
    """Train ``model`` in place from ``start_step`` up to ``steps`` (or ``stop_at``); returns the loss history.

    ``out`` receives an atomic checkpoint every ``checkpoint_every`` steps and at the end (with optimizer state).
    ``progress(event, info)`` is called after every step with ``"train"`` and ``{"done", "total", "loss",
    "cells_per_s"}`` (``None``, or the old ``False``/``True``, for none).
    """
    report = as_callback(progress)
    if counts.shape[1] != model.config.n_genes:
        raise ValueError(f"data has {counts.shape[1]} genes, model vocabulary has {model.config.n_genes}")
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    if optimizer_state:
        opt.load_state_dict(optimizer_state)
    history = list(history or [])
    end = steps if stop_at is None else min(stop_at, steps)
    state = {"seed": seed, "steps": steps, "batch_size": batch_size, "context": context, "lr": lr, **(extra_state or {})}

    def save(step):
        if out is not None:
            ckpt.save(out, model, vocab, train_state={**state, "step": step, "history": history,
                                                      "optimizer": opt.state_dict()})

    window_loss, t0, n_cells = [], time.perf_counter(), 0
    for step in range(start_step, end):
        rng = np.random.default_rng([seed, step])
        cells = rng.choice(counts.shape[0], size=batch_size, replace=counts.shape[0] < batch_size)
        batch = sample_batch(counts, totals, cells, context, rng)
        for g in opt.param_groups:
            g["lr"] = lr_at(step, steps, lr)
        loss, parts = loss_on_batch(model, batch)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        n_cells += batch_size
        window_loss.append(float(loss.detach()))
        speed = n_cells / (time.perf_counter() - t0)
        if report is not None:
            report("train", {"done": step + 1, "total": end, "loss": window_loss[-1], "cells_per_s": speed})
        if (step + 1) % 25 == 0 or step + 1 == end:
            history.append({"step": step + 1, "loss": float(np.mean(window_loss)), **parts,
                            "cells_per_s": round(speed, 2)})
            log.info("step %d loss %.4f (%.1f cells/s)", step + 1, history[-1]["loss"], speed)
            window_loss = []
        if (step + 1) % checkpoint_every == 0:
            save(step + 1)
    save(end)
    model.eval()
    return history


@contextmanager
def _training_bar(enabled: bool):
    """The command line's rich bar, fed by :func:`fit`'s progress callback (None when disabled)."""
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    with Progress(TextColumn("training"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TextColumn("loss {task.fields[loss]:.3f}"), TextColumn("{task.fields[speed]:.1f} cells/s"),
                  TimeElapsedColumn(), TimeRemainingColumn()) as bar:
        task = bar.add_task("train", total=None, loss=float("nan"), speed=0.0)

        def update(event: str, info: dict) -> None:
            bar.update(task, completed=info["done"], total=info["total"], loss=info["loss"], speed=info["cells_per_s"])

        yield update


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m scprint_model.train", description=__doc__,
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--data", action="append", type=Path,
                   help="count table (repeatable): .h5ad (raw counts), *log2*.tsv[.gz] (genes x cells log2(x+1), "
                        "counts recovered), or cells x genes .csv[.gz]. Default: celltypist sample + Chen + Liu hESC "
                        "from ../shared/data")
    p.add_argument("--out", type=Path, required=True, help="training checkpoint to write (atomic)")
    p.add_argument("--export", type=Path, default=None, help="also write a float16 checkpoint without optimizer")
    p.add_argument("--resume", type=Path, default=None, help="training checkpoint to resume from")
    p.add_argument("--steps", type=int, default=800, help="length of the run (sets the learning-rate schedule)")
    p.add_argument("--stop-at", type=int, default=None,
                   help="stop (and checkpoint) after this step; a later --resume continues the same run")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--context", type=int, default=256, help="genes per cell in the context")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--d-model", type=int, default=64)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--d-ff", type=int, default=128)
    p.add_argument("--cell-tokens", type=int, default=2)
    p.add_argument("--positions", type=str, default=str(DEFAULT_POSITIONS),
                   help="gene position table (biomart parquet or TSS BED); 'none' disables the position encoding")
    p.add_argument("--position-kind", choices=["sinusoidal", "learned"], default="sinusoidal")
    p.add_argument("--gene-embeddings", type=Path, default=None, help="table to initialise gene embeddings from")
    p.add_argument("--min-cells", type=int, default=10, help="vocabulary: genes detected in >= this many cells")
    p.add_argument("--max-genes", type=int, default=12000, help="vocabulary size cap")
    p.add_argument("--checkpoint-every", type=int, default=200)
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.add_argument("--no-progress", action="store_true")
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if a.threads:
        torch.set_num_threads(a.threads)
    with _training_bar(not a.no_progress) as bar:
        history = _run(a, bar)
    if a.export is not None:
        ckpt.export(a.out, a.export)
        log.info("exported %s (%.2f MB)", a.export, a.export.stat().st_size / 1e6)
    if history:
        log.info("final loss %.4f", history[-1]["loss"])
    return 0


def _run(a: argparse.Namespace, bar) -> list[dict]:
    """Read the data and train (new run or ``--resume``); returns the loss history."""
    paths = a.data or DEFAULT_DATA
    parts = [read_counts(x) for x in paths]
    for x, (m, _) in zip(paths, parts):
        log.info("read %s: %d cells x %d genes", x, m.shape[0], m.shape[1])
    if a.resume is not None:
        ck = ckpt.load(a.resume)
        counts, vocab, totals = merge_datasets(parts, vocab=ck.vocab)
        model, st = ck.model, ck.train_state
        history = fit(model, counts, totals, ck.vocab, steps=st["steps"], batch_size=st["batch_size"],
                      context=st["context"], lr=st["lr"], seed=st["seed"], start_step=st["step"],
                      optimizer_state=st.get("optimizer"), history=st.get("history"), out=a.out,
                      checkpoint_every=a.checkpoint_every, progress=bar, stop_at=a.stop_at,
                      extra_state={k: st[k] for k in ("data", "args") if k in st})
    else:
        counts, vocab, totals = merge_datasets(parts, min_cells=a.min_cells, max_genes=a.max_genes)
        log.info("training on %d cells, vocabulary %d genes", counts.shape[0], len(vocab))
        positions = None if a.positions.lower() == "none" else a.positions
        config = ModelConfig(n_genes=len(vocab), d_model=a.d_model, n_layers=a.layers, n_heads=a.heads, d_ff=a.d_ff,
                             n_cell_tokens=a.cell_tokens, use_positions=positions is not None,
                             position_kind=a.position_kind)
        model = build_model(list(vocab), config, positions=positions, gene_embeddings=a.gene_embeddings, seed=a.seed)
        args = {k: str(v) if isinstance(v, Path) else v for k, v in vars(a).items()}
        history = fit(model, counts, totals, list(vocab), steps=a.steps, batch_size=a.batch_size, context=a.context,
                      lr=a.lr, seed=a.seed, out=a.out, checkpoint_every=a.checkpoint_every,
                      progress=bar, stop_at=a.stop_at,
                      extra_state={"data": [str(x) for x in paths], "args": json.dumps(args, default=str)})
    return history


if __name__ == "__main__":
    raise SystemExit(main())
