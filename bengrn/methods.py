"""Registry of network inference methods: ``available()``, ``infer(name, adata)``, ``describe(name)``, ``info(name)``.

Every method takes an AnnData (cells x genes, raw counts in ``.X``, dense or sparse, ``var_names`` = gene symbols) and
returns a :class:`grnndata.GRnnData` over the same genes in the same order, network key ``"GRN"``, with
``network[i, j]`` scoring regulator i -> target j (rows = regulators). Methods normalise the counts themselves
(per cell to 1e4, then ``log1p``). Option ``normalize`` (all but ``random``): ``"auto"`` (default) normalises only
when ``.X`` holds non-negative integers and otherwise uses ``.X`` as already normalised (e.g. BEELINE THP1);
``True`` forces it, ``False`` skips it.

>>> from bengrn import methods
>>> net = methods.infer("correlation", adata)            # doctest: +SKIP
>>> net = methods.infer("genie3", adata, seed=1, n_trees=100, scheduler="tcp://10.0.0.1:8786")  # doctest: +SKIP
"""
from __future__ import annotations

import inspect
import logging
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

logger = logging.getLogger(__name__)

__all__ = ["available", "infer", "describe", "info", "UnknownMethodError"]


class UnknownMethodError(KeyError):
    """Raised for a method name that is not registered; the message lists the valid names."""

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class _Method:
    name: str
    func: Callable[..., Any]
    needs_counts: bool  # expects raw counts in .X (log-normalises integer counts itself)
    needs_tf_list: bool  # restricts regulators to a TF list (tf_list= option)
    needs_torch: bool  # imports torch (extra "grnsuite[model]")
    stochastic: bool  # result depends on seed


_REGISTRY: dict[str, _Method] = {}


def _register(name: str, *, needs_counts=True, needs_tf_list=False, needs_torch=False, stochastic=False):
    def deco(func):
        _REGISTRY[name] = _Method(name, func, needs_counts, needs_tf_list, needs_torch, stochastic)
        return func

    return deco


# --------------------------------------------------------------------------------------------- public API
def available() -> list[str]:
    """Names of the registered methods, sorted."""
    return sorted(_REGISTRY)


def _get(name: str) -> _Method:
    if not isinstance(name, str) or name not in _REGISTRY:
        raise UnknownMethodError(f"unknown method {name!r}; valid names: {', '.join(available())}")
    return _REGISTRY[name]


def describe(name: str) -> str:
    """The documentation of method ``name`` (its docstring, options included)."""
    return inspect.cleandoc(_get(name).func.__doc__ or name)


def _options(method: _Method) -> dict[str, Any]:
    sig = inspect.signature(method.func)
    return {
        p.name: p.default
        for p in sig.parameters.values()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    }


def info(name: str) -> dict[str, Any]:
    """Flags the runner needs: ``needs_counts``, ``needs_tf_list``, ``needs_torch``, ``stochastic``, ``options``.

    ``options`` maps each option to its default (``repr`` of non-JSON defaults); ``summary`` is the first doc line.
    """
    m = _get(name)
    opts = {k: (v if isinstance(v, (int, float, str, bool, type(None))) else repr(v)) for k, v in _options(m).items()}
    return {
        "name": m.name,
        "summary": describe(name).splitlines()[0],
        "needs_counts": m.needs_counts,
        "needs_tf_list": m.needs_tf_list,
        "needs_torch": m.needs_torch,
        "stochastic": m.stochastic,
        "options": opts,
    }


def infer(name: str, adata, *, seed: int = 0, **options):
    """Run method ``name`` on ``adata`` (cells x genes, raw counts) and return a GRnnData (key ``"GRN"``).

    Parameters
    ----------
    name
        One of :func:`available`.
    adata
        AnnData with cells as rows and gene symbols as ``var_names``.
    seed
        Seed of every random choice the method makes.
    **options
        Method options (see :func:`describe`); unknown options raise ``TypeError`` naming the valid ones.
    """
    method = _get(name)
    params = inspect.signature(method.func).parameters
    accepts_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    if not accepts_any:
        valid = [k for k in _options(method) if k != "seed"]
        bad = sorted(set(options) - set(valid))
        if bad:
            raise TypeError(
                f"method {name!r} got unknown option(s) {', '.join(map(repr, bad))}; "
                f"valid options: {', '.join(valid)}"
            )
    return method.func(adata, seed=seed, **options)


# --------------------------------------------------------------------------------------------- helpers
def _check_adata(adata) -> None:
    try:
        import anndata
    except ImportError as exc:  # pragma: no cover - anndata is a core dependency
        raise ImportError("anndata is required: pip install grnsuite") from exc
    if not isinstance(adata, anndata.AnnData):
        raise TypeError(f"expected an anndata.AnnData (cells x genes), got {type(adata).__name__}")
    if adata.n_obs < 2 or adata.n_vars < 2:
        raise ValueError(f"need at least 2 cells and 2 genes, got {adata.n_obs} cells x {adata.n_vars} genes")
    if not adata.var_names.is_unique:
        dup = adata.var_names[adata.var_names.duplicated()][:5].tolist()
        raise ValueError(
            f"gene names (var_names) must be unique, duplicated: {dup}; call adata.var_names_make_unique()"
        )


def _expression(adata, normalize: bool | str) -> np.ndarray:
    """Dense float32 cells x genes log-normalised matrix.

    ``normalize="auto"`` normalises non-negative integer matrices (raw counts) and uses anything else as given
    (already normalised, e.g. the BEELINE THP1 qRT-PCR values).
    """
    import scipy.sparse as sp

    from bengrn.prepare import is_counts, log_normalize

    if adata.X is None:
        raise ValueError("adata.X is empty; methods read raw counts from .X")
    if normalize not in (True, False, "auto"):
        raise ValueError(f"normalize must be True, False or 'auto', got {normalize!r}")
    if normalize == "auto":
        normalize = is_counts(adata.X)
        if not normalize:
            logger.info("adata.X is not integer counts: using it as already-normalised expression")
    if normalize:
        return log_normalize(adata.X)
    x = adata.X.toarray() if sp.issparse(adata.X) else np.asarray(adata.X)
    x = x.astype(np.float32, copy=False)
    if not np.all(np.isfinite(x)):
        raise ValueError("adata.X contains NaN or infinite values")
    return x


def _resolve_tfs(genes: Sequence[str], tf_list, organism: str) -> tuple[np.ndarray, str]:
    """Boolean regulator mask over ``genes`` and a short description of where the TFs came from.

    Matching is exact first, then case-insensitive (upper-cased symbols), so mouse ``Sox2`` matches ``SOX2``-style
    lists and vice versa.
    """
    if tf_list is None:
        import ground_truths

        tf_list = ground_truths.tf_list(organism)
        source = f"ground_truths.tf_list({organism!r})"
    elif isinstance(tf_list, str):
        raise TypeError("tf_list must be a list of gene symbols, not a single string")
    else:
        source = "user list"
    tfs = {str(t) for t in tf_list}
    tfs_upper = {t.upper() for t in tfs}
    genes = [str(g) for g in genes]
    mask = np.array([(g in tfs) or (g.upper() in tfs_upper) for g in genes], dtype=bool)
    if not mask.any():
        raise ValueError(
            f"none of the {len(genes)} genes is in the TF list ({source}, {len(tfs)} TFs); "
            "check that var_names are gene symbols of the right organism (organism=) or pass tf_list="
        )
    return mask, f"{source}: {int(mask.sum())} of {len(genes)} genes"


def _jsonable(value):
    if isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if value is None:
        return "None"  # h5ad cannot store None in uns
    return str(value)


def _wrap(matrix: np.ndarray, adata, method: str, parameters: dict, started: float, **extra):
    from grnndata import GRnnData

    metadata = {
        "method": method,
        "parameters": {k: _jsonable(v) for k, v in parameters.items()},
        "n_cells": int(adata.n_obs),
        "n_genes": int(adata.n_vars),
        "runtime_seconds": round(time.perf_counter() - started, 3),
    }
    metadata.update({k: _jsonable(v) for k, v in extra.items()})
    return GRnnData.from_matrix(np.asarray(matrix, dtype=np.float32), list(map(str, adata.var_names)), key="GRN",
                                metadata=metadata)


def _import_torch():
    try:
        import torch  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            'this method needs PyTorch, which is not installed: pip install "grnsuite[model]"'
        ) from exc


# --------------------------------------------------------------------------------------------- methods
@_register("random", needs_counts=False, stochastic=True)
def random(adata, *, seed: int = 0, progress: bool = False):
    """Random control: i.i.d. uniform [0, 1) edge scores (seeded), zero diagonal.

    The negative control every method must beat; run it over several seeds to get chance-level spread.

    Options: ``seed``, ``progress`` (ignored).
    """
    from scprint_model.baselines.controls import random_scores

    started = time.perf_counter()
    _check_adata(adata)
    scores = random_scores(adata.n_vars, seed=seed)
    return _wrap(scores, adata, "random", {"seed": seed}, started)


@_register("correlation")
def correlation(adata, *, seed: int = 0, progress: bool = False, normalize: bool | str = "auto"):
    """Absolute Pearson correlation between genes on log-normalised expression (symmetric, zero diagonal).

    Counts are scaled per cell to 1e4 and ``log1p``-transformed (``normalize="auto"``, the default, does this only
    when ``.X`` holds integer counts; ``False`` uses ``.X`` as is).
    Constant genes score 0 (no NaN).

    Options: ``normalize`` (True, False or "auto" = only integer counts); ``seed``/``progress`` are accepted and
    ignored (deterministic, fast).
    """
    from scprint_model.baselines.controls import abs_pearson

    started = time.perf_counter()
    _check_adata(adata)
    scores = abs_pearson(_expression(adata, normalize))
    return _wrap(scores, adata, "correlation", {"normalize": normalize}, started)


@_register("spearman")
def spearman(adata, *, seed: int = 0, progress: bool = False, normalize: bool | str = "auto"):
    """Absolute Spearman rank correlation between genes (symmetric, zero diagonal, constant genes 0).

    Ranks are computed on log-normalised expression (identical to ranks of counts scaled per cell).

    Options: ``normalize`` (True, False or "auto" = only integer counts); ``seed``/``progress`` are accepted and
    ignored.
    """
    from scprint_model.baselines.controls import abs_spearman

    started = time.perf_counter()
    _check_adata(adata)
    scores = abs_spearman(_expression(adata, normalize))
    return _wrap(scores, adata, "spearman", {"normalize": normalize}, started)


def _genie3_common(adata, method, *, seed, progress, n_trees, tree_method, max_features, n_jobs, scheduler,
                   normalize, regulators, tf_source):
    from scprint_model.baselines.genie3 import genie3 as _genie3

    started = time.perf_counter()
    x = _expression(adata, normalize)
    scores = _genie3(
        x,
        regulators=regulators,
        n_trees=n_trees,
        tree_method=tree_method,
        max_features=max_features,
        seed=seed,
        n_jobs=n_jobs,
        scheduler=scheduler,
        progress=progress,
    )
    params = {
        "seed": seed,
        "n_trees": n_trees,
        "tree_method": tree_method,
        "max_features": max_features,
        "normalize": normalize,
    }
    if scheduler is not None:
        params["scheduler"] = scheduler if isinstance(scheduler, str) else type(scheduler).__name__
    if tf_source is not None:
        params["tf_list"] = tf_source
    return _wrap(scores, adata, method, params, started)


@_register("genie3", stochastic=True)
def genie3(
    adata,
    *,
    seed: int = 0,
    progress: bool = True,
    n_trees: int = 100,
    tree_method: str = "RF",
    max_features: str | float | int = "sqrt",
    n_jobs: int = -1,
    scheduler=None,
    normalize: bool | str = "auto",
):
    """GENIE3 (Huynh-Thu et al. 2010): one tree ensemble per target gene, all other genes as regulators.

    Counts are log-normalised (per cell to 1e4, ``log1p``); each target is scaled to unit variance; an ensemble of
    ``n_trees`` trees (``tree_method`` "RF" random forest or "ET" extra-trees, ``max_features`` = sqrt of the number
    of regulators) predicts it, and the regulators' impurity importances, normalised to sum to 1 per target, form
    column j of the network (rows = regulators). Constant targets get a zero column. Per-target seeds derive from
    ``seed``, so the result does not depend on ``n_jobs`` or on the scheduler.

    Options: ``n_trees`` (100), ``tree_method`` ("RF"|"ET"), ``max_features`` ("sqrt", "all", int or fraction),
    ``n_jobs`` (-1 = all local cores), ``scheduler`` (Dask scheduler address or ``distributed.Client``; needs
    ``pip install "grnsuite[dask]"``), ``progress`` (rich progress bar), ``normalize`` ("auto": log-normalise
    integer counts, use anything else as is).
    """
    _check_adata(adata)
    return _genie3_common(adata, "genie3", seed=seed, progress=progress, n_trees=n_trees, tree_method=tree_method,
                          max_features=max_features, n_jobs=n_jobs, scheduler=scheduler, normalize=normalize,
                          regulators=None, tf_source=None)


@_register("genie3-tf", needs_tf_list=True, stochastic=True)
def genie3_tf(
    adata,
    *,
    seed: int = 0,
    progress: bool = True,
    tf_list: Sequence[str] | None = None,
    organism: str = "human",
    n_trees: int = 100,
    tree_method: str = "RF",
    max_features: str | float | int = "sqrt",
    n_jobs: int = -1,
    scheduler=None,
    normalize: bool | str = "auto",
):
    """GENIE3 with regulators restricted to transcription factors; rows of non-TFs are zero.

    ``tf_list`` defaults to ``ground_truths.tf_list(organism)`` intersected with the genes (exact, then
    case-insensitive symbol match). A TF target uses the other TFs as regulators. All other options as ``genie3``.
    """
    _check_adata(adata)
    mask, source = _resolve_tfs(adata.var_names, tf_list, organism)
    return _genie3_common(adata, "genie3-tf", seed=seed, progress=progress, n_trees=n_trees, tree_method=tree_method,
                          max_features=max_features, n_jobs=n_jobs, scheduler=scheduler, normalize=normalize,
                          regulators=mask, tf_source=source)


@_register("deepsem", needs_tf_list=True, needs_torch=True, stochastic=True)
def deepsem(
    adata,
    *,
    seed: int = 0,
    progress: bool = True,
    tf_list: Sequence[str] | str | None = None,
    organism: str = "human",
    n_epochs: int = 120,
    lr: float = 1e-4,
    alpha: float = 100.0,
    beta: float = 1.0,
    hidden: int = 128,
    batch_size: int = 64,
    device: str | None = None,
    normalize: bool | str = "auto",
):
    """DeepSEM (Shu et al. 2021): a structural-equation VAE whose learned adjacency W is the network.

    Input is log-normalised (per cell to 1e4, ``log1p``) and z-scored per gene. Only TFs may regulate: W rows of
    non-TFs are masked to zero (``tf_list`` defaults to ``ground_truths.tf_list(organism)``; ``tf_list="all"`` lets
    every gene regulate). The score is ``|W[i, j]|`` (regulator i -> target j). Defaults follow the published code:
    120 epochs, lr 1e-4, alpha (L1 on W) 100, beta (KL) 1, 128 hidden units, batches of 64. Needs
    ``pip install "grnsuite[model]"``; runs on the GPU when one is available (``device=``).
    """
    _check_adata(adata)
    _import_torch()
    from scprint_model.baselines.deepsem import deepsem as _deepsem

    started = time.perf_counter()
    if isinstance(tf_list, str):
        if tf_list != "all":
            raise ValueError(f"tf_list must be a list of symbols, None (default TF list) or 'all', got {tf_list!r}")
        mask, source = np.ones(adata.n_vars, dtype=bool), "all genes"
    else:
        mask, source = _resolve_tfs(adata.var_names, tf_list, organism)
    x = _expression(adata, normalize)
    scores = _deepsem(
        x, regulators=mask, n_epochs=n_epochs, lr=lr, alpha=alpha, beta=beta, hidden=hidden,
        batch_size=batch_size, seed=seed, device=device, progress=progress,
    )
    params = {"seed": seed, "tf_list": source, "n_epochs": n_epochs, "lr": lr, "alpha": alpha, "beta": beta,
              "hidden": hidden, "batch_size": batch_size, "normalize": normalize}
    return _wrap(scores, adata, "deepsem", params, started)


@_register("scprint", needs_counts=True, needs_torch=True, stochastic=True)
def scprint(adata, *, seed: int = 0, progress: bool = True, **options):
    """scPRINT-style transformer: attention maps of the pretrained model averaged into a network.

    Calls ``scprint_model.infer_network(adata, seed=seed, progress=progress, **options)``; options include
    ``checkpoint`` (None = shipped default), ``variant`` ("mean-qk") and ``heads`` ("mean": "GRN" is the mean over
    heads, the per-head stack is stored as ``"heads"``). Needs ``pip install "grnsuite[model]"``.
    """
    _check_adata(adata)
    _import_torch()
    try:
        import scprint_model
    except ImportError as exc:
        raise ImportError(f'scprint_model could not be imported ({exc}); pip install "grnsuite[model]"') from exc
    infer_network = getattr(scprint_model, "infer_network", None)
    if infer_network is None:
        raise ImportError("this scprint_model has no infer_network(); reinstall grnsuite")
    return infer_network(adata, seed=seed, progress=progress, **options)
