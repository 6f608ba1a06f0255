"""Score existing networks (``bengrn score``, :func:`bengrn.benchmark` with ``networks=``): the runner's scoring stage
without inference.

Each network (a :class:`bengrn.networks.LoadedNetwork`) becomes a gene universe of its own (a
:class:`~bengrn.prepare.PreparedData` without cells, so that the results record their "dataset" exactly as ``bengrn
run`` does), every truth is aligned to its genes (:func:`bengrn.truths.align_groups`, with the same "no overlap"
errors), and :func:`bengrn.protocols.score` gives the metrics, their permutation null, the flags and the PR curve from
one sort. Runs have the schema of ``bengrn run``'s (``method`` is the network's name, ``celltype`` is None), so
``results.json`` / ``results.csv``, the plots, ``bengrn compare`` and ``bengrn check`` treat them alike; a run also
records how its network was read (``provenance.network``).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
from anndata import AnnData

from bengrn.errors import BenchmarkError
from bengrn.metrics import UNIVERSES
from bengrn.networks import LoadedNetwork
from bengrn.prepare import PreparedData, dataset_context, dataset_organism
from bengrn.protocols import flag_context_mismatch, score, universe_summary
from bengrn.store import Store, fingerprint, now, versions
from bengrn.truths import AlignedTruth, TruthData, align_groups, context_mismatch, tf_regulators
from grnndata._files import matrix_sha256

logger = logging.getLogger(__name__)

__all__ = ["ScoreOptions", "network_sha256", "network_prep", "score_networks", "describe_dataset"]

ProgressCallback = Callable[[str, dict], None]


@dataclass(frozen=True)
class ScoreOptions:
    """How existing networks are scored: ``universe`` (``truth``, ``beeline``, ``tf``, ``all``), ``n_null`` label
    permutations (0 = none), ``seed`` of the null, ``signed`` (rank by signed weight instead of ``|weight|``) and
    ``transpose`` (score ``network.T``, for files whose first column holds targets)."""

    universe: str = "truth"
    n_null: int = 100
    seed: int = 0
    signed: bool = False
    transpose: bool = False

    def __post_init__(self) -> None:
        if self.universe not in UNIVERSES:
            raise BenchmarkError(f"unknown universe {self.universe!r}; valid: {', '.join(UNIVERSES)}")
        if int(self.n_null) < 0:
            raise BenchmarkError(f"n_null must be >= 0 (0 = no null), got {self.n_null}")


def network_sha256(net) -> str:
    """sha256 of a network's genes and scores (canonical CSR): the same network read from any layout hashes alike."""
    return matrix_sha256(net.network("GRN"), net.var_names, dtype=np.float64)


def network_prep(loaded: LoadedNetwork, dataset: dict | None = None) -> PreparedData:
    """The gene universe of one network as a :class:`PreparedData` without cells.

    ``dataset`` describes where the genes came from when they were given (``--data``: name, source, checksum,
    organism, context; ``--genes``: name and source); otherwise the network's own ``uns["dataset"]`` (an ``.h5ad``
    written with one) names it, and the organism is guessed from the gene symbols.
    """
    dataset = dict(dataset or {})
    own = loaded.context
    organism = dataset.get("organism") or own.get("organism") or dataset_organism(loaded.net)
    context = dict(dataset.get("context") or {})
    for key in ("cell_line", "cell_type"):
        context.setdefault(key, own.get(key))
    context["organism"] = context.get("organism") or organism
    name = dataset.get("name") or own.get("dataset") or f"{loaded.name} genes"
    adata = AnnData(var=loaded.net.var.iloc[:, :0].copy())
    info = {"name": name, "source": dataset.get("source"), "checksum": dataset.get("checksum"),
            "organism": organism, "context": context, "matrix": None, "counts": False,
            "n_cells_total": dataset.get("n_cells_total"), "n_genes_total": dataset.get("n_genes_total"),
            "n_cells": 0, "n_genes": adata.n_vars}
    return PreparedData(dataset=name, celltype=None, adata=adata, counts=False, info=info,
                        input_sha256=network_sha256(loaded.net))


def _parameters(loaded: LoadedNetwork, options: ScoreOptions) -> dict:
    # The keys of a `bengrn run` run, so that `bengrn check` compares score runs alike; how the file became scores
    # (sign, weight column, network key) stands in for a method's options. provenance.network has the rest.
    how = {"signed": options.signed, "weight_column": loaded.info.get("weight_column"), "key": loaded.info.get("key")}
    return {"seed": options.seed, "n_cells": None, "n_genes": None, "celltype_key": None,
            "tf_only": options.universe == "tf", "universe": options.universe, "n_null": options.n_null,
            "transpose": options.transpose, "heads": None,
            "method_options": {k: v for k, v in how.items() if v is not None}, "scheduler": None}


def _run(loaded: LoadedNetwork, prep: PreparedData, target: AlignedTruth, result, *, options: ScoreOptions,
         mismatch: list[str], tf: tuple | None, fp: str) -> dict:
    metrics = result.metrics
    parameters = _parameters(loaded, options)
    run = {
        "method": loaded.name, "truth": target.truth.name, "dataset": prep.dataset, "celltype": None,
        "universe": universe_summary(metrics, target.matrix.nnz),
        "context": {"truth": target.truth.info["context"], "dataset": prep.context, "mismatch": mismatch},
        "metrics": metrics,
        "provenance": {
            "fingerprint": fp, "network_fingerprint": prep.input_sha256, "versions": versions(),
            "parameters": parameters, "seed": options.seed, "dataset": prep.provenance(),
            "truth": target.provenance(), "alignment": target.alignment(),
            "tf_only": None if tf is None else {"n_tfs": tf[1], "n_tfs_in_genes": int(tf[0].sum())},
            "timings": {"inference_s": None, "evaluation_s": result.seconds, "network_reused": None},
            # no file of the --out folder: the network stays where it was read (provenance.network.source)
            "network_file": None, "network": loaded.info, "created": now(),
        },
    }
    if result.curve is not None:
        run["pr_curve"] = result.curve
    return run


def score_networks(networks: Sequence[LoadedNetwork], truths: Sequence[TruthData], store: Store, *,
                   options: ScoreOptions = ScoreOptions(), dataset: dict | None = None,
                   callback: ProgressCallback | None = None) -> list[dict]:
    """Score every network against every truth; returns the runs in plan order (network, truth).

    Runs are saved through ``store`` as they finish (``runs/<name>__<truth>__all.json``) and reused when their
    fingerprint (network content, truth checksum and alignment, universe, null, seed, sign, transpose, context)
    matches. ``callback(event, info)`` gets ``"plan"`` (``total``) and ``"cell_done"`` (``method``, ``truth``,
    ``celltype``, ``skipped``), like the runner's.
    """
    names = [n.name for n in networks]
    if len(set(names)) != len(names):
        raise BenchmarkError(f"two networks share a name ({', '.join(sorted({n for n in names if names.count(n) > 1}))})"
                             "; name them NAME=PATH")
    if callback is not None:
        callback("plan", {"total": len(networks) * len(truths), "n_networks": len(networks)})
    runs = []
    for loaded in networks:
        prep = network_prep(loaded, dataset)
        tf = tf_regulators(prep.genes, prep.organism) if options.universe == "tf" else None
        matrix = loaded.scores(signed=options.signed)
        for truth in truths:
            target = align_groups(truth, [prep], prep.genes)[0]
            mismatch = context_mismatch(truth.info["context"], prep.context)
            if mismatch:
                logger.warning("truth %s and network %s (%s) do not share a context (%s): their verdicts are flagged "
                               "context_mismatch", truth.name, loaded.name, prep.dataset, "; ".join(mismatch))
            fp = fingerprint({"network": prep.input_sha256, "truth": truth.name, "truth_checksum":
                              truth.info.get("checksum"), "truth_aligned_sha256": target.sha256, "dataset": prep.dataset,
                              "parameters": _parameters(loaded, options), "context_mismatch": mismatch})
            old = store.load_run(loaded.name, truth.name, None, fp)
            reused = old is not None
            if not reused:
                started = time.perf_counter()
                result = score(matrix, target.matrix, genes=prep.genes, universe=options.universe,
                               stats=target.stats, tf_mask=None if tf is None else tf[0], n_null=options.n_null,
                               seed=options.seed, transpose=options.transpose)
                logger.info("scored %s against %s in %.2f s", loaded.name, truth.name, time.perf_counter() - started)
                if mismatch:
                    flag_context_mismatch(result)
                old = store.save_run(_run(loaded, prep, target, result, options=options, mismatch=mismatch, tf=tf,
                                          fp=fp))
            runs.append(old)
            if callback is not None:
                callback("cell_done", {"method": loaded.name, "truth": truth.name, "celltype": None,
                                       "skipped": reused})
    return runs


def describe_dataset(adata: Any, info: dict) -> dict:
    """The ``dataset`` argument of :func:`score_networks` for genes taken from an expression dataset (``--data``)."""
    return {**{k: info.get(k) for k in ("name", "source", "checksum", "organism", "n_cells_total", "n_genes_total")},
            "context": dataset_context(adata, info["organism"])}
