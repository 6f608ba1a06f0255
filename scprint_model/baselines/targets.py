"""Target-parallel fitting shared by the per-target regression methods (GENIE3, GRNBoost2).

Every target gene j gets its own regression of ``x[:, j]`` on the regulators (j itself excluded), done by a
*kernel* ``kernel(x_regs, y, seed, **params) -> importances`` (a module-level function, so that worker processes can
import it). Targets are split into batches that run in parallel, each fit single-threaded: locally with joblib (loky
processes) or on a Dask cluster (the data are scattered once to every worker). Each target's seed is spawned from
the run's seed with :class:`numpy.random.SeedSequence`, so results do not depend on ``n_jobs``, batch size or
scheduler. Progress goes to a callback (see :mod:`.progress`).
"""
from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np

from grnndata._odeps import import_optional

from .progress import Progress, as_callback

__all__ = ["target_seeds", "regulator_indices", "fit_targets", "run_targets"]


def target_seeds(seed: int | None, n_genes: int) -> np.ndarray:
    """One 32-bit seed per target, independent of how targets are batched or scheduled."""
    children = np.random.SeedSequence(seed).spawn(n_genes)
    return np.array([c.generate_state(1, dtype=np.uint32)[0] for c in children], dtype=np.int64)


def regulator_indices(x: np.ndarray, regulators: Sequence[bool] | Sequence[int] | None) -> np.ndarray:
    """Indices of the candidate regulators that vary across cells (a boolean mask or indices; ``None`` = all)."""
    n_genes = x.shape[1]
    if regulators is None:
        reg_mask = np.ones(n_genes, dtype=bool)
    else:
        regulators = np.asarray(regulators)
        if regulators.dtype == bool:
            if regulators.shape != (n_genes,):
                raise ValueError(f"regulators mask must have length {n_genes}, got shape {regulators.shape}")
            reg_mask = regulators.copy()
        else:
            reg_mask = np.zeros(n_genes, dtype=bool)
            reg_mask[regulators.astype(int)] = True
    # Constant regulators can never split a node: drop them (it also keeps max_features about informative genes).
    reg_idx = np.flatnonzero(reg_mask & (np.ptp(x, axis=0) > 0))
    if reg_idx.size == 0:
        raise ValueError("no non-constant regulator: every candidate regulator gene is constant across cells")
    return reg_idx


def fit_targets(kernel: Callable[..., np.ndarray], x: np.ndarray, targets: np.ndarray, regressors: np.ndarray,
                seeds: np.ndarray, params: dict) -> tuple[np.ndarray, np.ndarray]:
    """Importances (len(targets) x n_genes, float64) of ``kernel`` for a batch of targets; zero rows when empty."""
    out = np.zeros((len(targets), x.shape[1]), dtype=np.float64)
    for row, (j, s) in enumerate(zip(targets, seeds)):
        regs = regressors[regressors != j]
        if regs.size == 0:
            continue
        out[row, regs] = kernel(x[:, regs], x[:, j].astype(np.float64), int(s), **params)
    return np.asarray(targets), out


def _batches(targets: np.ndarray, n_workers: int, batch_size: int | None) -> list[np.ndarray]:
    if batch_size is None:
        # ~8 tasks per worker balances uneven fit times while keeping per-task overhead negligible.
        batch_size = max(1, math.ceil(targets.size / (8 * max(1, n_workers))))
    return [targets[i:i + batch_size] for i in range(0, targets.size, int(batch_size))]


def run_targets(kernel: Callable[..., np.ndarray], x: np.ndarray, regulators: Sequence[bool] | Sequence[int] | None,
                params: dict, *, seed: int | None, n_jobs: int = -1, scheduler=None, batch_size: int | None = None,
                progress: Progress = None, event: str = "targets") -> np.ndarray:
    """Fit ``kernel`` for every non-constant target in parallel; return the ``(genes, genes)`` float32 score matrix.

    Regressors are the non-constant ``regulators`` (:func:`regulator_indices`); every target gets its own seed
    (:func:`target_seeds`). Column j holds the importances for target j (rows = regulators); constant targets have
    nothing to explain and keep a zero column. ``progress(event, {"done": targets fitted, "total": n targets})`` is
    called after every batch.
    """
    regressors = regulator_indices(x, regulators)
    targets = np.flatnonzero(np.ptp(x, axis=0) > 0)
    seeds = target_seeds(seed, x.shape[1])
    report = as_callback(progress)
    scores = np.zeros((x.shape[1], x.shape[1]), dtype=np.float32)
    if targets.size == 0:
        return scores
    total, done = int(targets.size), 0
    if scheduler is not None:
        results = _run_dask(kernel, x, targets, regressors, seeds, params, scheduler, batch_size)
    else:
        results = _run_local(kernel, x, targets, regressors, seeds, params, n_jobs, batch_size)
    for batch_targets, imp in results:
        # Boundary: a per-target importance vector is the COLUMN of its target (rows = regulators).
        scores[:, batch_targets] = imp.T
        done += len(batch_targets)
        if report is not None:
            report(event, {"done": done, "total": total})
    return scores


def _run_local(kernel, x, targets, regressors, seeds, params, n_jobs, batch_size):
    import joblib

    n_workers = joblib.effective_n_jobs(n_jobs)
    batches = _batches(targets, n_workers, batch_size)
    if n_workers == 1:
        for b in batches:
            yield fit_targets(kernel, x, b, regressors, seeds[b], params)
        return
    parallel = joblib.Parallel(n_jobs=n_workers, backend="loky", return_as="generator_unordered")
    yield from parallel(joblib.delayed(fit_targets)(kernel, x, b, regressors, seeds[b], params) for b in batches)


def _run_dask(kernel, x, targets, regressors, seeds, params, scheduler, batch_size):
    distributed = import_optional("distributed", "running targets on a Dask cluster")
    own_client = isinstance(scheduler, str)
    if own_client:
        client = distributed.Client(scheduler)
    elif isinstance(scheduler, distributed.Client):
        client = scheduler
    else:
        raise TypeError(f"scheduler must be a Dask scheduler address or a distributed.Client, got {type(scheduler)!r}")
    try:
        n_workers = max(1, sum(client.nthreads().values()))
        # Ship the expression matrix once to every worker instead of once per task.
        x_future = client.scatter(x, broadcast=True)
        futures = [client.submit(fit_targets, kernel, x_future, b, regressors, seeds[b], params, pure=False)
                   for b in _batches(targets, n_workers, batch_size)]
        for fut in distributed.as_completed(futures):
            yield fut.result()
    finally:
        if own_client:
            client.close()
