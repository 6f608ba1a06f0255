"""Benchmark runner: a grid of methods x truths x cell types, inferred once per (method, dataset, cell type).

One straight line, each step in the module named for it: plan (names, options, dependencies) -> prepare the data
(:mod:`bengrn.prepare`) -> load and align the truths (:mod:`bengrn.truths`) -> infer each network or reuse it from
disk (:mod:`bengrn.store`) -> score it against every truth of its dataset (:mod:`bengrn.protocols`) -> write the
runs, ``results.json`` / ``results.csv`` and the plots. Library code driven by ``bengrn run`` (see ``docs/cli.md``):
no printing, progress through a callback, every output written atomically so that an interrupted run resumes where
it stopped.
"""
from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from bengrn import enrichment, methods
from bengrn.errors import BenchmarkError
from bengrn.inputs import check_loaded_dataset
from bengrn.lock import exclusive_out
from bengrn.plan import check_counts, method_infos, resolve_method_options
from bengrn.plots import write_pr_plots
from bengrn.prepare import PreparedData, dataset_for, load_data, prepare_groups
from bengrn.protocols import UNIVERSES, Score, flag_context_mismatch, heldout_control, network_matrix, score, \
    score_selected_heads, universe_summary
from bengrn.store import NON_RESULT_OPTIONS, Store, fingerprint, now, pr_plot_name, versions
from bengrn.truths import AlignedTruth, TruthData, align_groups, context_mismatch, load_truth, tf_regulators
from grnndata._odeps import EXTRAS, missing_dependency

logger = logging.getLogger(__name__)

__all__ = ["RunConfig", "run_benchmark", "warn_flags"]

ProgressCallback = Callable[[str, dict], None]


@dataclass
class RunConfig:
    """Parameters of one benchmark (see ``bengrn run --help``).

    ``universe``: which pairs are scored (``truth``, ``beeline``, ``tf``, ``all``; see :mod:`bengrn.protocols`);
    ``tf_only=True`` is an alias of ``universe="tf"``. ``n_null``: label permutations of the null (0 = none).
    ``progress``: forward the methods' own progress to the callback of :func:`run_benchmark` (event
    ``"method_progress"``).
    """

    methods: list[str]
    truths: list[str]
    out: Path = Path("bengrn-results")
    data: Any = None  # an .h5ad path, a dataset name or an AnnData
    celltype_key: str | None = None
    n_cells: int | None = 1024
    n_genes: int | None = 5000
    tf_only: bool = False
    universe: str | None = None
    n_null: int = 100
    transpose: bool = False
    heads: str = "mean"
    seed: int = 0
    scheduler: str | None = None
    enrich: bool = False
    force: bool = False
    method_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    progress: bool = True
    log_y: bool = False  # PR plots with a log precision axis

    def __post_init__(self) -> None:
        self.out = Path(self.out)
        self.methods = list(dict.fromkeys(self.methods))
        self.truths = list(dict.fromkeys(self.truths))
        if not self.methods:
            raise BenchmarkError("no method given; pass --method NAME[,NAME...]")
        if not self.truths:
            raise BenchmarkError("no truth given; pass --truth NAME[,NAME...]")
        if self.tf_only and self.universe not in (None, "tf"):
            raise BenchmarkError(f"--tf-only is --universe tf; it cannot be combined with --universe {self.universe}")
        self.universe = self.universe or ("tf" if self.tf_only else "truth")
        if self.universe not in UNIVERSES:
            raise BenchmarkError(f"unknown universe {self.universe!r}; valid: {', '.join(UNIVERSES)}")
        self.tf_only = self.universe == "tf"
        if int(self.n_null) < 0:
            raise BenchmarkError(f"n_null must be >= 0 (0 = no null), got {self.n_null}")
        if self.heads not in ("mean", "select"):
            raise BenchmarkError(f"heads must be 'mean' or 'select', got {self.heads!r}")
        for name, value in (("n_cells", self.n_cells), ("n_genes", self.n_genes)):
            if value is not None and int(value) < 0:
                raise BenchmarkError(f"{name} must be >= 0 (0 = all), got {value}")


def _emit(callback: ProgressCallback | None, event: str, **info: Any) -> None:
    if callback is not None:
        callback(event, info)


# --------------------------------------------------------------------------------------------- prepare and align
@dataclass
class _Group:
    """One prepared (dataset, cell type) group, its TF rows (universe ``tf``) and the truths scored on it, each with
    the context fields on which truth and cells disagree."""

    prep: PreparedData
    tf_mask: np.ndarray | None
    n_tfs: int | None
    targets: dict[str, AlignedTruth] = field(default_factory=dict)
    mismatch: dict[str, list[str]] = field(default_factory=dict)


def _prepare_dataset(spec: str, truths: list[TruthData], minfos: dict[str, dict],
                     config: RunConfig) -> list[_Group]:
    """Load one dataset, prepare its groups and align each of its truths to every group."""
    adata, info = load_data(spec)
    check_loaded_dataset(adata, info["name"], truths)
    logger.info("dataset %s: %d cells x %d genes (%s)", info["name"], adata.n_obs, adata.n_vars, info["organism"])
    full_genes = [str(g) for g in adata.var_names]
    preps = prepare_groups(adata, info, celltype_key=config.celltype_key, n_cells=config.n_cells,
                           n_genes=config.n_genes, seed=config.seed)
    del adata
    check_counts(preps[0], minfos, config.method_options)
    groups = []
    for prep in preps:
        mask, n_tfs = tf_regulators(prep.genes, prep.organism) if config.universe == "tf" else (None, None)
        groups.append(_Group(prep, mask, n_tfs))
    for truth in truths:
        mismatch = context_mismatch(truth.info["context"], preps[0].context)
        if mismatch:
            logger.warning("truth %s and dataset %s do not share a context (%s): their verdicts are flagged "
                           "context_mismatch", truth.name, info["name"], "; ".join(mismatch))
        for group, target in zip(groups, align_groups(truth, preps, full_genes)):
            group.targets[truth.name] = target
            group.mismatch[truth.name] = mismatch
    return groups


# --------------------------------------------------------------------------------------------- one network
@dataclass
class _Job:
    """One network to infer (or reuse) and score against the truths of its group."""

    method: str
    group: _Group
    options: dict[str, Any]
    net_params: dict
    parameters: dict
    net_fp: str
    net_path: Path

    @property
    def prep(self) -> PreparedData:
        return self.group.prep


def _job(method: str, minfo: dict, group: _Group, config: RunConfig, store: Store) -> _Job:
    prep = group.prep
    options = resolve_method_options(method, minfo, organism=prep.organism, scheduler=config.scheduler,
                                     user_options=config.method_options.get(method, {}))
    result_options = {k: v for k, v in options.items() if k not in NON_RESULT_OPTIONS}
    net_params = {
        "method": method, "method_options": result_options, "seed": config.seed, "n_cells": config.n_cells,
        "n_genes": config.n_genes, "celltype_key": config.celltype_key, "dataset": prep.dataset,
        "celltype": prep.celltype, "dataset_input_sha256": prep.input_sha256,
    }
    parameters = {
        "seed": config.seed, "n_cells": config.n_cells, "n_genes": config.n_genes,
        "celltype_key": config.celltype_key, "tf_only": config.tf_only, "universe": config.universe,
        "n_null": config.n_null, "transpose": config.transpose,
        "heads": config.heads if method == "scprint" else None, "method_options": result_options,
        "scheduler": config.scheduler if "scheduler" in options else None,
    }
    return _Job(method, group, options, net_params, parameters, fingerprint(net_params),
                store.network_path(method, prep.dataset, prep.celltype))


def _run_fingerprint(job: _Job, target: AlignedTruth, config: RunConfig) -> str:
    return fingerprint({
        "network": job.net_fp,
        "truth": target.truth.name,
        "truth_checksum": target.truth.info.get("checksum"),
        "truth_aligned_sha256": target.sha256,
        "universe": config.universe,
        "n_null": config.n_null,
        "transpose": config.transpose,
        "heads": job.parameters["heads"],
        "enrich": config.enrich,  # a rerun with --enrich must add the enrichment to finished runs
        "context_mismatch": job.group.mismatch[target.truth.name],
    })


def _infer(job: _Job, seed: int, progress: ProgressCallback | None):
    try:
        net = methods.infer(job.method, job.prep.adata, seed=seed, progress=progress, **job.options)
    except ModuleNotFoundError as exc:
        root = (exc.name or "").split(".")[0]
        if root in EXTRAS:
            raise missing_dependency(root, f"method {job.method!r}") from exc
        raise
    if [str(g) for g in net.genes] != job.prep.genes:
        raise RuntimeError(f"method {job.method!r} returned a network over other genes than its input")
    return net


def _network(job: _Job, config: RunConfig, store: Store, callback: ProgressCallback | None):
    """The job's network: reused from disk when its fingerprint matches, else inferred and saved.

    Returns the GRnnData, the inference time (of the original inference when reused) and whether it was reused.
    """
    prep = job.prep
    info = {"method": job.method, "dataset": prep.dataset, "celltype": prep.celltype}
    _emit(callback, "infer_start", **info)
    started = time.perf_counter()
    saved = store.load_network(job.net_path, job.net_fp)
    if saved is not None:
        net, sidecar = saved
        inference_s = float(sidecar.get("inference_s", math.nan))
        logger.info("reusing network %s", job.net_path)
    else:
        logger.info("inferring %s on %s (%s): %d cells x %d genes", job.method, prep.dataset, prep.celltype,
                    prep.adata.n_obs, prep.adata.n_vars)
        forward = None
        if callback is not None and config.progress:
            def forward(event: str, details: dict) -> None:
                callback("method_progress", {**info, "step": event, **details})
        net = _infer(job, config.seed, forward)
        inference_s = time.perf_counter() - started
        store.save_network(net, job.net_path, {"fingerprint": job.net_fp, "inference_s": inference_s,
                                               "parameters": job.net_params, "created": now(),
                                               "versions": versions()})
    _emit(callback, "infer_end", **info, seconds=time.perf_counter() - started, reused=saved is not None)
    return net, inference_s, saved is not None


def _enrichment(job: _Job, network, config: RunConfig, store: Store) -> Any:
    """Enrichment summary of one network, cached next to the networks under the network's fingerprint."""
    path = store.summary_path("enrichment", job.net_path)
    cached = store.load_summary(path, job.net_fp)
    if cached is not None:
        return cached
    summary = enrichment.summarize(network, job.prep.genes, organism=job.prep.organism, seed=config.seed)
    summary = store.save_summary(path, job.net_fp, summary)
    try:
        enrichment.plot_summary(summary, store.plots / f"enrichment__{job.net_path.stem}.png")
    except Exception as exc:  # a plot must not lose a finished benchmark
        logger.warning("enrichment plot for %s failed: %s", job.net_path.stem, exc)
    return summary


def _heldout(job: _Job, config: RunConfig) -> bool:
    return config.heads == "select" and job.method == "scprint"


def _score(job: _Job, net, network, target: AlignedTruth, config: RunConfig) -> Score:
    kwargs = {"genes": job.prep.genes, "universe": config.universe, "stats": target.stats,
              "tf_mask": job.group.tf_mask, "n_null": config.n_null, "seed": config.seed,
              "transpose": config.transpose}
    if not _heldout(job, config):
        return score(network, target.matrix, **kwargs)
    try:
        return score_selected_heads(net, target.matrix, **kwargs)
    except BenchmarkError:
        raise
    except ValueError as exc:  # e.g. too few regulators of this truth among the genes to split them
        raise BenchmarkError(
            f"--heads select failed for truth {target.truth.name!r} on {job.prep.dataset!r}: {exc} (the network is "
            "saved; rerun with other truths/--n-genes, or --heads mean)"
        ) from exc


def _provenance(job: _Job, target: AlignedTruth, result: Score, *, run_fp: str, inference_s: float, reused: bool,
                versions_: dict, store: Store) -> dict:
    prep, group = job.prep, job.group
    provenance = {
        "fingerprint": run_fp,
        "network_fingerprint": job.net_fp,
        "versions": versions_,
        "parameters": job.parameters,
        "seed": job.parameters["seed"],
        "dataset": prep.provenance(),
        "truth": target.provenance(),
        "alignment": target.alignment(),
        "tf_only": None if group.tf_mask is None else
        {"n_tfs": group.n_tfs, "n_tfs_in_genes": int(group.tf_mask.sum())},
        "timings": {"inference_s": inference_s, "evaluation_s": result.seconds, "network_reused": reused},
        "network_file": store.relative(job.net_path),
        "created": now(),
    }
    if result.details:
        provenance["head_selection"] = result.details
    return provenance


def warn_flags(runs: list[dict]) -> None:
    """Log a warning for every run whose benchmark cannot support a verdict (its flags)."""
    for run in runs:
        if run["metrics"]["flags"]:
            logger.warning("%s x %s (%s, universe %s): %s", run["method"], run["truth"], run["dataset"],
                           run["universe"]["name"], ", ".join(run["metrics"]["flags"]))


def _run_job(job: _Job, config: RunConfig, store: Store, callback: ProgressCallback | None) -> dict[tuple, dict]:
    """Resume or compute every run of one network; returns them keyed by (method, truth, cell type)."""
    prep = job.prep
    fps = {t: _run_fingerprint(job, target, config) for t, target in job.group.targets.items()}
    done: dict[tuple, dict] = {}
    for t, fp in fps.items():
        old = store.load_run(job.method, t, prep.celltype, fp)
        if old is not None:
            done[(job.method, t, prep.celltype)] = old
            _emit(callback, "cell_done", method=job.method, truth=t, celltype=prep.celltype, skipped=True)
    todo = [t for t in fps if (job.method, t, prep.celltype) not in done]
    if not todo:
        logger.info("%s on %s (%s): all %d runs up to date, skipped", job.method, prep.dataset, prep.celltype,
                    len(fps))
        return done

    net, inference_s, reused = _network(job, config, store, callback)
    versions_ = versions()  # after inference: torch / distributed are listed once a method has loaded them
    network = network_matrix(net)
    # which model weights made the network (scprint: the shipped toy or a published checkpoint, labelled)
    model = {k: v for k, v in net.network_metadata("GRN").items() if k.startswith("checkpoint")}
    summary = _enrichment(job, network, config, store) if config.enrich else None
    for t in todo:
        target = job.group.targets[t]
        result = _score(job, net, network, target, config)
        if job.group.mismatch[t]:
            flag_context_mismatch(result)
        run = {
            "method": job.method, "truth": t, "dataset": prep.dataset, "celltype": prep.celltype,
            "universe": universe_summary(result.metrics, target.matrix.nnz, heldout=_heldout(job, config)),
            "context": {"truth": target.truth.info["context"], "dataset": prep.context,
                        "mismatch": job.group.mismatch[t]},
            "metrics": result.metrics,
            "provenance": _provenance(job, target, result, run_fp=fps[t], inference_s=inference_s, reused=reused,
                                      versions_=versions_, store=store),
        }
        if model:
            run["provenance"]["model"] = model
        if summary is not None:
            run["enrichment"] = summary
        if result.curve is not None:
            run["pr_curve"] = result.curve
        done[(job.method, t, prep.celltype)] = store.save_run(run)
        _emit(callback, "cell_done", method=job.method, truth=t, celltype=prep.celltype, skipped=False)
    return done


# --------------------------------------------------------------------------------------------- the grid
def run_benchmark(config: RunConfig, callback: ProgressCallback | None = None, *,
                  store: Store | None = None) -> list[dict]:
    """Run (or resume) the benchmark grid and write every output; returns the runs in plan order.

    Plan order: method, truth, cell type. ``callback(event, info)`` receives ``"plan"`` (``total``,
    ``n_networks``), ``"infer_start"`` / ``"infer_end"`` (``method``, ``dataset``, ``celltype``, ``seconds``,
    ``reused``), ``"method_progress"`` (the same keys, the method's ``step`` and its ``done`` / ``total``),
    ``"cell_done"`` (``method``, ``truth``, ``celltype``, ``skipped``) and the truths' ``"download"`` events.
    ``config.out`` is locked for the run; a caller that passes its own ``store`` holds that folder already
    (``bengrn.benchmark``), or keeps everything in memory.
    """
    if store is None:
        return _run_locked(config, callback)
    return _run_grid(config, callback, store)


@exclusive_out
def _run_locked(config: RunConfig, callback: ProgressCallback | None) -> list[dict]:
    return _run_grid(config, callback, Store(config.out, force=config.force))


def _run_grid(config: RunConfig, callback: ProgressCallback | None, store: Store) -> list[dict]:
    minfos = method_infos(config.methods, config.truths, scheduler=config.scheduler, heads=config.heads)
    config.method_options = {m: methods.validate_options(m, o) for m, o in config.method_options.items()}
    dataset_of = {t: dataset_for(t, config.data) for t in config.truths}
    key = {t: spec if isinstance(spec, str) else id(spec) for t, spec in dataset_of.items()}  # an AnnData: by id
    truths = {t: load_truth(t, progress=callback) for t in config.truths}  # download events reach the callback
    specs = {key[t]: dataset_of[t] for t in config.truths}
    groups = {k: _prepare_dataset(spec, [truths[t] for t in config.truths if key[t] == k], minfos, config)
              for k, spec in specs.items()}
    jobs = [_job(m, minfos[m], group, config, store) for m in config.methods
            for spec_groups in groups.values() for group in spec_groups]
    plan_keys = [(m, t, g.prep.celltype) for m in config.methods for t in config.truths for g in groups[key[t]]]
    _emit(callback, "plan", total=len(plan_keys), n_networks=len(jobs))

    runs: dict[tuple, dict] = {}
    for job in jobs:
        runs.update(_run_job(job, config, store, callback))
    # A held-out row is followed by its own random control on the very same rows (a table never mixes universes).
    ordered = [r for k in plan_keys for r in (runs[k], *([heldout_control(runs[k])] if
                                                         runs[k]["universe"]["heldout"] else []))]
    warn_flags(ordered)
    store.write_results(ordered)
    write_pr_plots(ordered, store.plots, pr_plot_name, log_y=config.log_y)
    return ordered
