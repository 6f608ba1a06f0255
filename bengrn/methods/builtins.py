"""The built-in methods: controls, GENIE3, GRNBoost2, DeepSEM and scPRINT, each with one declaration per option.

Implementations live in :mod:`scprint_model.baselines` (plain matrices in, score matrices out) and
:mod:`scprint_model`; the functions here check the AnnData, build the expression matrix, call the implementation
and wrap the scores with their provenance. Their keyword defaults equal the declared defaults (tested).
"""
from __future__ import annotations

import time
from typing import Sequence

import numpy as np

from grnndata._checks import check_adata
from grnndata._odeps import import_optional
from scprint_model.baselines.controls import abs_pearson, abs_spearman, random_scores
from scprint_model.baselines.genie3 import genie3 as _genie3
from scprint_model.baselines.grnboost2 import ARBORETO, OOB_IMPROVEMENTS
from scprint_model.baselines.grnboost2 import grnboost2 as _grnboost2

from .data import expression, resolve_tfs, wrap
from .options import Option
from .registry import register

# --------------------------------------------------------------------------------------------- shared options
NORMALIZE = Option("normalize", "auto", 'log-normalise .X: "auto" = only when it holds integer counts',
                   kinds=("bool",), choices=("auto",))
N_JOBS = Option("n_jobs", -1, "local worker processes (-1 = all cores)", kinds=("int",), low=-1,
                check=lambda v: "0 workers cannot run anything; use -1 for all cores" if v == 0 else None,
                changes_result=False)
SCHEDULER = Option("scheduler", None, 'Dask scheduler address or distributed.Client (pip install "grnsuite[dask]")',
                   kinds=("str", "object"), changes_result=False)
ORGANISM = Option("organism", "human", "organism of the default TF list", choices=("human", "mouse"))
TF_LIST = Option("tf_list", None, "regulators: a list of symbols (default: ground_truths.tf_list(organism))",
                 kinds=("genes",))
GENIE3_OPTIONS = (
    Option("n_trees", 100, "trees per target", kinds=("int",), low=1),
    Option("tree_method", "RF", '"RF" random forest or "ET" extra-trees', choices=("RF", "ET")),
    Option("max_features", "sqrt", "regulators drawn per split: sqrt/log2/all, an int or a fraction",
           kinds=("int", "float"), choices=("sqrt", "log2", "all", "auto"), low=0, low_open=True,
           check=lambda v: "a fractional max_features must be <= 1" if isinstance(v, float) and v > 1 else None),
    N_JOBS, SCHEDULER, NORMALIZE,
)


# --------------------------------------------------------------------------------------------- controls
def random(adata, *, seed: int = 0, progress=None):
    """Random control: i.i.d. uniform [0, 1) edge scores (seeded), zero diagonal.

    The negative control every method must beat; run it over several seeds to get chance-level spread.

    Options: ``seed``, ``progress`` (ignored).
    """
    started = time.perf_counter()
    check_adata(adata)
    return wrap(random_scores(adata.n_vars, seed=seed), adata, "random", {"seed": seed}, started)


def correlation(adata, *, seed: int = 0, progress=None, normalize: bool | str = "auto"):
    """Absolute Pearson correlation between genes on log-normalised expression (symmetric, zero diagonal).

    Counts are scaled per cell to 1e4 and ``log1p``-transformed (``normalize="auto"``, the default, does this only
    when ``.X`` holds integer counts; ``False`` uses ``.X`` as is).
    Constant genes score 0 (no NaN).

    Options: ``normalize`` (True, False or "auto" = only integer counts); ``seed``/``progress`` are accepted and
    ignored (deterministic, fast).
    """
    started = time.perf_counter()
    check_adata(adata)
    return wrap(abs_pearson(expression(adata, normalize)), adata, "correlation", {"normalize": normalize}, started)


def spearman(adata, *, seed: int = 0, progress=None, normalize: bool | str = "auto"):
    """Absolute Spearman rank correlation between genes (symmetric, zero diagonal, constant genes 0).

    Ranks are computed on log-normalised expression (identical to ranks of counts scaled per cell).

    Options: ``normalize`` (True, False or "auto" = only integer counts); ``seed``/``progress`` are accepted and
    ignored.
    """
    started = time.perf_counter()
    check_adata(adata)
    return wrap(abs_spearman(expression(adata, normalize)), adata, "spearman", {"normalize": normalize}, started)


# --------------------------------------------------------------------------------------------- GENIE3
def _scheduler_name(scheduler) -> str:
    return scheduler if isinstance(scheduler, str) else type(scheduler).__name__


def _genie3_common(adata, method, *, seed, progress, n_trees, tree_method, max_features, n_jobs, scheduler,
                   normalize, regulators, tf_source):
    started = time.perf_counter()
    scores = _genie3(expression(adata, normalize), regulators=regulators, n_trees=n_trees, tree_method=tree_method,
                     max_features=max_features, seed=seed, n_jobs=n_jobs, scheduler=scheduler, progress=progress)
    params = {"seed": seed, "n_trees": n_trees, "tree_method": tree_method, "max_features": max_features,
              "normalize": normalize}
    if scheduler is not None:
        params["scheduler"] = _scheduler_name(scheduler)
    if tf_source is not None:
        params["tf_list"] = tf_source
    return wrap(scores, adata, method, params, started)


def genie3(adata, *, seed: int = 0, progress=None, n_trees: int = 100, tree_method: str = "RF",
           max_features: str | float | int = "sqrt", n_jobs: int = -1, scheduler=None,
           normalize: bool | str = "auto"):
    """GENIE3 (Huynh-Thu et al. 2010): one tree ensemble per target gene, all other genes as regulators.

    Counts are log-normalised (per cell to 1e4, ``log1p``); each target is scaled to unit variance; an ensemble of
    ``n_trees`` trees (``tree_method`` "RF" random forest or "ET" extra-trees, ``max_features`` = sqrt of the number
    of regulators) predicts it, and the regulators' impurity importances, normalised to sum to 1 per target, form
    column j of the network (rows = regulators). Constant targets get a zero column. Per-target seeds derive from
    ``seed``, so the result does not depend on ``n_jobs`` or on the scheduler.

    Options: ``n_trees`` (100), ``tree_method`` ("RF"|"ET"), ``max_features`` ("sqrt", "all", int or fraction),
    ``n_jobs`` (-1 = all local cores), ``scheduler`` (Dask scheduler address or ``distributed.Client``; needs
    ``pip install "grnsuite[dask]"``), ``progress`` (callback ``progress(event, info)``), ``normalize`` ("auto":
    log-normalise integer counts, use anything else as is).
    """
    check_adata(adata)
    return _genie3_common(adata, "genie3", seed=seed, progress=progress, n_trees=n_trees, tree_method=tree_method,
                          max_features=max_features, n_jobs=n_jobs, scheduler=scheduler, normalize=normalize,
                          regulators=None, tf_source=None)


def genie3_tf(adata, *, seed: int = 0, progress=None, tf_list: Sequence[str] | None = None, organism: str = "human",
              n_trees: int = 100, tree_method: str = "RF", max_features: str | float | int = "sqrt", n_jobs: int = -1,
              scheduler=None, normalize: bool | str = "auto"):
    """GENIE3 with regulators restricted to transcription factors; rows of non-TFs are zero.

    ``tf_list`` defaults to ``ground_truths.tf_list(organism)`` intersected with the genes (case-insensitive symbol
    match). A TF target uses the other TFs as regulators. All other options as ``genie3``.
    """
    check_adata(adata)
    mask, source = resolve_tfs(adata.var_names, tf_list, organism)
    return _genie3_common(adata, "genie3-tf", seed=seed, progress=progress, n_trees=n_trees, tree_method=tree_method,
                          max_features=max_features, n_jobs=n_jobs, scheduler=scheduler, normalize=normalize,
                          regulators=mask, tf_source=source)


# --------------------------------------------------------------------------------------------- GRNBoost2
GRNBOOST2_OPTIONS = (
    Option("oob_improvement", "stage", 'out-of-bag improvement of a stage: "stage" (its own left-out cells, as '
           'published) or "sklearn" (scikit-learn >= 1.3, arboreto today)', choices=OOB_IMPROVEMENTS),
    Option("max_trees", ARBORETO["max_trees"], "most boosting stages per target", kinds=("int",), low=1),
    Option("window", ARBORETO["window"], "early-stopping window (stages)", kinds=("int",), low=1),
    N_JOBS, SCHEDULER, NORMALIZE,
)


def _grnboost2_common(adata, method, *, seed, progress, oob_improvement, max_trees, window, n_jobs, scheduler,
                      normalize, regulators, tf_source):
    started = time.perf_counter()
    scores = _grnboost2(expression(adata, normalize), regulators=regulators, oob_improvement=oob_improvement,
                        max_trees=max_trees, window=window, seed=seed, n_jobs=n_jobs, scheduler=scheduler,
                        progress=progress)
    params = {"seed": seed, "oob_improvement": oob_improvement, "max_trees": max_trees, "window": window,
              "normalize": normalize, **{k: v for k, v in ARBORETO.items() if k not in ("max_trees", "window")}}
    if scheduler is not None:
        params["scheduler"] = _scheduler_name(scheduler)
    if tf_source is not None:
        params["tf_list"] = tf_source
    return wrap(scores, adata, method, params, started)


def grnboost2(adata, *, seed: int = 0, progress=None, oob_improvement: str = "stage",
              max_trees: int = ARBORETO["max_trees"], window: int = ARBORETO["window"], n_jobs: int = -1,
              scheduler=None, normalize: bool | str = "auto"):
    """GRNBoost2 (Moerman et al. 2019, arboreto): per-target gradient boosting, all other genes as regulators.

    Counts are log-normalised (per cell to 1e4, ``log1p``); for every target, scikit-learn's gradient boosting with
    arboreto's profile (squared error, learning rate 0.01, up to ``max_trees`` = 5,000 depth-3 trees, 10% of the
    regulators per split, 90% of the cells per tree) stops once the mean out-of-bag improvement over ``window`` = 25
    stages is negative; the importances, normalised to 1 and multiplied by the number of trees (arboreto), form column
    j of the network (rows = regulators). Per-target seeds derive from ``seed``; targets run in parallel (``n_jobs``,
    ``scheduler``) as in GENIE3, with identical results.

    Options: ``oob_improvement`` ("stage" | "sklearn", see docs/methods.md), ``max_trees``, ``window``, ``n_jobs``,
    ``scheduler``, ``progress``, ``normalize``.
    """
    check_adata(adata)
    return _grnboost2_common(adata, "grnboost2", seed=seed, progress=progress, oob_improvement=oob_improvement,
                             max_trees=max_trees, window=window, n_jobs=n_jobs, scheduler=scheduler,
                             normalize=normalize, regulators=None, tf_source=None)


def grnboost2_tf(adata, *, seed: int = 0, progress=None, tf_list: Sequence[str] | None = None,
                 organism: str = "human", oob_improvement: str = "stage", max_trees: int = ARBORETO["max_trees"],
                 window: int = ARBORETO["window"], n_jobs: int = -1, scheduler=None, normalize: bool | str = "auto"):
    """GRNBoost2 with regulators restricted to transcription factors (pySCENIC's usage); rows of non-TFs are zero.

    ``tf_list`` defaults to ``ground_truths.tf_list(organism)`` intersected with the genes (case-insensitive symbol
    match). A TF target uses the other TFs as regulators. All other options as ``grnboost2``.
    """
    check_adata(adata)
    mask, source = resolve_tfs(adata.var_names, tf_list, organism)
    return _grnboost2_common(adata, "grnboost2-tf", seed=seed, progress=progress, oob_improvement=oob_improvement,
                             max_trees=max_trees, window=window, n_jobs=n_jobs, scheduler=scheduler,
                             normalize=normalize, regulators=mask, tf_source=source)


# --------------------------------------------------------------------------------------------- torch methods
DEEPSEM_OPTIONS = (
    Option("tf_list", None, 'regulators: a list of symbols, "all" or None (ground_truths.tf_list(organism))',
           kinds=("genes",), choices=("all",)),
    ORGANISM,
    Option("n_epochs", 120, "training epochs", kinds=("int",), low=1),
    Option("lr", 1e-4, "RMSprop learning rate", kinds=("float",), low=0, low_open=True),
    Option("alpha", 100.0, "L1 weight on the adjacency", kinds=("float",), low=0),
    Option("beta", 1.0, "KL weight", kinds=("float",), low=0),
    Option("hidden", 128, "hidden units of the gene-wise MLPs", kinds=("int",), low=1),
    Option("batch_size", 64, "cells per batch", kinds=("int",), low=1),
    Option("device", None, 'torch device ("cpu", "cuda"...; default: CUDA when available)', kinds=("str",),
           changes_result=False),
    NORMALIZE,
)


def deepsem(adata, *, seed: int = 0, progress=None, tf_list: Sequence[str] | str | None = None,
            organism: str = "human", n_epochs: int = 120, lr: float = 1e-4, alpha: float = 100.0, beta: float = 1.0,
            hidden: int = 128, batch_size: int = 64, device: str | None = None, normalize: bool | str = "auto"):
    """DeepSEM (Shu et al. 2021): a structural-equation VAE whose learned adjacency W is the network.

    Input is log-normalised (per cell to 1e4, ``log1p``) and z-scored per gene. Only TFs may regulate: W rows of
    non-TFs are masked to zero (``tf_list`` defaults to ``ground_truths.tf_list(organism)``; ``tf_list="all"`` lets
    every gene regulate). The score is ``|W[i, j]|`` (regulator i -> target j). Defaults follow the published code:
    120 epochs, lr 1e-4, alpha (L1 on W) 100, beta (KL) 1, 128 hidden units, batches of 64. Needs
    ``pip install "grnsuite[model]"``; runs on the GPU when one is available (``device=``).
    """
    check_adata(adata)
    import_optional("torch", "DeepSEM")
    # Imported here, not at the top: scprint_model.baselines.deepsem is where torch enters (heavy, optional).
    from scprint_model.baselines.deepsem import deepsem as _deepsem

    started = time.perf_counter()
    if isinstance(tf_list, str):
        if tf_list != "all":
            raise ValueError(f"tf_list must be a list of symbols, None (default TF list) or 'all', got {tf_list!r}")
        mask, source = np.ones(adata.n_vars, dtype=bool), "all genes"
    else:
        mask, source = resolve_tfs(adata.var_names, tf_list, organism)
    scores = _deepsem(expression(adata, normalize), regulators=mask, n_epochs=n_epochs, lr=lr, alpha=alpha,
                      beta=beta, hidden=hidden, batch_size=batch_size, seed=seed, device=device, progress=progress)
    params = {"seed": seed, "tf_list": source, "n_epochs": n_epochs, "lr": lr, "alpha": alpha, "beta": beta,
              "hidden": hidden, "batch_size": batch_size, "normalize": normalize}
    return wrap(scores, adata, "deepsem", params, started)


SCPRINT_OPTIONS = (
    Option("checkpoint", None, "None = shipped toy (not a foundation model); a file path; or a published name such "
           "as 'medium-v1.5'", kinds=("str", "object")),
    Option("variant", "mean-qk", "attention aggregation", choices=("mean-qk", "mean-softmax")),
    Option("heads", "mean", '"mean" (all heads) or a list of head indices', kinds=("object",), choices=("mean",)),
    Option("n_cells", None, "random subset of this many cells (None = all)", kinds=("int",), low=1),
    Option("batch_size", 32, "sequences per forward pass", kinds=("int",), low=1, changes_result=False),
    Option("context", None, "genes per forward pass (None = the checkpoint's training context)", kinds=("int",),
           low=2),
    Option("store_heads", True, 'also store the per-head stack under key "heads"', kinds=("bool",)),
    Option("selection", "chunks", "genes per pass: genome-wide chunks, or scprint's collator",
           choices=("chunks", "random-expr")),
    Option("gene_ids", None, "adata.var column with the vocabulary's identifiers (None = auto)", kinds=("str",)),
    Option("device", "auto", '"auto" (CUDA when available), "cpu", "cuda", ...', kinds=("str",), changes_result=False),
)


def scprint(adata, *, seed: int = 0, progress=None, **options):
    """scPRINT-style transformer: attention maps of the pretrained model averaged into a network.

    Calls ``scprint_model.infer_network(adata, seed=seed, progress=progress, **options)``; options include
    ``checkpoint`` (None = shipped default), ``variant`` ("mean-qk") and ``heads`` ("mean": "GRN" is the mean over
    heads, the per-head stack is stored as ``"heads"``). Needs ``pip install "grnsuite[model]"``.
    """
    check_adata(adata)
    import_optional("torch", "scPRINT")
    scprint_model = import_optional("scprint_model", "scPRINT")
    return scprint_model.infer_network(adata, seed=seed, progress=progress, **options)


# --------------------------------------------------------------------------------------------- registration
register("random", random, needs_counts=False, stochastic=True)
register("correlation", correlation, needs_counts=True, options=(NORMALIZE,))
register("spearman", spearman, needs_counts=True, options=(NORMALIZE,))
register("genie3", genie3, needs_counts=True, options=GENIE3_OPTIONS, stochastic=True)
register("genie3-tf", genie3_tf, needs_counts=True, options=(TF_LIST, ORGANISM, *GENIE3_OPTIONS),
         needs_tf_list=True, stochastic=True)
register("grnboost2", grnboost2, needs_counts=True, options=GRNBOOST2_OPTIONS, stochastic=True)
register("grnboost2-tf", grnboost2_tf, needs_counts=True, options=(TF_LIST, ORGANISM, *GRNBOOST2_OPTIONS),
         needs_tf_list=True, stochastic=True)
register("deepsem", deepsem, needs_counts=True, options=DEEPSEM_OPTIONS, needs_tf_list=True, needs_torch=True,
         stochastic=True)
register("scprint", scprint, needs_counts=True, options=SCPRINT_OPTIONS, needs_torch=True, stochastic=True)
