"""The Python API: :func:`benchmark` (methods on data, and existing networks, against truths) and :class:`Results`.

``bengrn score`` is a thin shell over it (``bengrn run`` over the runner it drives). With ``out=None`` nothing is written anywhere (networks,
runs and results stay in memory); with ``out=DIR`` the folder is the one ``bengrn run`` writes (``results.json``,
``results.csv``, ``runs/``, ``networks/``, ``plots/``) and an interrupted benchmark resumes.

Example
-------
>>> import bengrn
>>> res = bengrn.benchmark(networks={"mine": edges_df}, truths=["mccalla-hesc"], n_null=100)  # doctest: +SKIP
>>> res.table[["method", "truth", "universe", "auprc", "auprc_z", "flags"]]                    # doctest: +SKIP
>>> res.plot("pr", log_y=True)                                                                 # doctest: +SKIP
"""
from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import pandas as pd

from bengrn import plots
from bengrn.errors import BenchmarkError
from bengrn.lock import out_lock, remove_stale_temp_files
from bengrn.networks import LoadedNetwork, network_name, read_genes, read_network
from bengrn.prepare import load_data
from bengrn.results import flatten_run, read_results
from bengrn.runner import RunConfig, run_benchmark, warn_flags
from bengrn.scorer import ScoreOptions, describe_dataset, score_networks
from bengrn.store import Store, network_file_name, pr_plot_name, read_json
from bengrn.truths import load_truth
from grnndata._files import atomic_write_text, sha256_file
from grnndata._json import to_jsonable

__all__ = ["benchmark", "Results", "NETWORK_OPTIONS"]

#: Options of :func:`benchmark` that say how existing networks are read and scored (see :func:`read_network`).
NETWORK_OPTIONS = ("key", "layout", "source", "target", "weight", "genes", "signed")
_OTHER_OPTIONS = ("callback",)
_RUN_OPTIONS = tuple(f.name for f in dataclasses.fields(RunConfig)
                     if f.name not in ("methods", "truths", "out", "data", "universe", "n_null", "seed"))


class _FolderStore(Store):
    """``out`` as ``bengrn run`` writes it, except ``results.json`` / ``.csv``: :func:`benchmark` writes them once
    for all its runs (the methods' and the networks'), so that a rerun never meets a results file of "another
    configuration" (:meth:`Store.write_results` would set it aside)."""

    def write_results(self, runs) -> None:
        return None

    def write_all(self, runs: Sequence[dict]) -> None:
        Store.write_results(self, runs)


class _MemoryStore(_FolderStore):
    """A :class:`Store` that writes nothing and reuses nothing: the benchmark lives in memory (``out=None``)."""

    def __init__(self) -> None:
        super().__init__(out=Path(os.devnull), force=True)

    def load_run(self, method, truth, celltype, fp):
        return None

    def save_run(self, run: dict) -> dict:
        return to_jsonable(run)  # the very objects a folder would hold

    def network_path(self, method, dataset, celltype) -> Path:
        return Path(network_file_name(method, dataset, celltype))

    def load_network(self, path, fp):
        return None

    def save_network(self, net, path, sidecar) -> None:
        return None

    def load_summary(self, path, fp):
        return None

    def save_summary(self, path, fp, summary):
        return to_jsonable(summary)

    @property
    def plots(self) -> None:
        return None

    def relative(self, path) -> None:
        return None

    def write_all(self, runs) -> None:
        return None


# --------------------------------------------------------------------------------------------- results
@dataclasses.dataclass
class Results:
    """The runs of a benchmark (dicts in the ``results.json`` schema, PR curves included) and where they were written.

    ``table`` is the flat DataFrame (one row per run: identity, universe, every metric with its null, flags, the
    parameters, timings and checksums: the columns of ``results.csv``).
    """

    runs: list[dict]
    out: Path | None = None

    @classmethod
    def read(cls, path: str | os.PathLike) -> "Results":
        """Results of a ``results.json`` (or an ``--out`` folder); PR curves are read back from ``runs/`` when there."""
        runs = read_results(path)
        folder = Path(path) if Path(path).is_dir() else Path(path).parent
        store = Store(folder)
        for run in runs:
            # read only: Store.load_run would also restore files kept for other parameters
            stored = read_json(store.run_path(run["method"], run["truth"], run.get("celltype")))
            if not isinstance(stored, dict):
                continue
            same = stored.get("provenance", {}).get("fingerprint") == run.get("provenance", {}).get("fingerprint")
            if same and "pr_curve" in stored:
                run["pr_curve"] = stored["pr_curve"]
        return cls(runs, folder)

    @property
    def table(self) -> pd.DataFrame:
        return pd.DataFrame([flatten_run(r) for r in self.runs])

    def __len__(self) -> int:
        return len(self.runs)

    def __repr__(self) -> str:
        where = "in memory" if self.out is None else f"in {self.out}"
        pairs = sorted({(r["method"], r["truth"]) for r in self.runs})
        return f"Results({len(self.runs)} runs {where}: {', '.join(f'{m} x {t}' for m, t in pairs[:6])}" + (
            ", ...)" if len(pairs) > 6 else ")")

    def to_json(self, path: str | os.PathLike | None = None) -> str:
        """The runs as ``results.json`` holds them (without PR curves); also written to ``path`` when given."""
        slim = [{k: v for k, v in run.items() if k != "pr_curve"} for run in self.runs]
        text = json.dumps(to_jsonable(slim), indent=1)
        if path is not None:
            atomic_write_text(Path(path), text)
        return text

    def plot(self, kind: str = "pr", *, truth: str | None = None, metric: str = "auprc", log_y: bool = False,
             path: str | os.PathLike | None = None):
        """``"pr"``: the precision-recall figure of one truth (default: the first); ``"compare"``: ``metric`` per
        truth with the null band. Returns the matplotlib figure, or saves it to ``path`` and returns the path."""
        if kind == "compare":
            if path is not None:
                return plots.plot_compare({"results": self.runs}, metric, path)
            return plots.compare_figure({"results": self.runs}, metric)
        if kind != "pr":
            raise BenchmarkError(f"unknown plot kind {kind!r}; use 'pr' or 'compare'")
        truths = list(dict.fromkeys(r["truth"] for r in self.runs))
        if not truths:
            raise BenchmarkError("no run to plot")
        truth = truth or truths[0]
        if truth not in truths:
            raise BenchmarkError(f"no run against truth {truth!r}; truths: {', '.join(truths)}")
        sel = [r for r in self.runs if r["truth"] == truth and r.get("pr_curve")]
        if path is not None:
            return plots.plot_pr_curves(sel, path, log_y=log_y)
        return plots.pr_figure(sel, log_y=log_y)


# --------------------------------------------------------------------------------------------- benchmark
def _names(values: str | Sequence[str]) -> list[str]:
    values = [values] if isinstance(values, str) else list(values or [])
    return [x.strip() for v in values for x in str(v).split(",") if x.strip()]


def _split_options(options: dict) -> tuple[dict, dict]:
    unknown = sorted(set(options) - set(NETWORK_OPTIONS) - set(_RUN_OPTIONS) - set(_OTHER_OPTIONS))
    if unknown:
        raise BenchmarkError(f"unknown option(s) {', '.join(unknown)} of bengrn.benchmark; options: "
                             f"{', '.join(sorted(set(NETWORK_OPTIONS) | set(_RUN_OPTIONS) | set(_OTHER_OPTIONS)))}")
    net = {k: v for k, v in options.items() if k in NETWORK_OPTIONS}
    run = {k: v for k, v in options.items() if k in _RUN_OPTIONS}
    return net, run


def _universe_genes(data, genes) -> tuple[list[str] | None, dict | None]:
    """The genes existing networks are scored over and what the results record about them (``--data``/``--genes``)."""
    if data is not None and genes is not None:
        raise BenchmarkError("give the networks' genes once: data= (an expression dataset) or genes=, not both")
    if genes is not None:
        if isinstance(genes, (str, os.PathLike)):
            path = Path(genes)
            return read_genes(path), {"name": path.name, "source": str(path.resolve()), "checksum": sha256_file(path)}
        return [str(g) for g in genes], None
    if data is None:
        return None, None
    adata, info = load_data(data)
    return [str(g) for g in adata.var_names], describe_dataset(adata, info)


def _load_networks(networks, net_options: dict, genes: list[str] | None) -> list[LoadedNetwork]:
    if isinstance(networks, (str, os.PathLike)) or isinstance(networks, pd.DataFrame):
        networks = [networks]
    if not isinstance(networks, Mapping):
        # a list of paths (or NAME=PATH strings): named by file stem
        networks = dict(network_name(str(p)) for p in networks)
    read = {k: net_options[k] for k in ("key", "layout", "source", "target", "weight") if k in net_options}
    return [read_network(obj, name=str(name), genes=genes, **read) for name, obj in networks.items()]


def benchmark(data=None, methods: str | Sequence[str] = (), networks=None, truths: str | Sequence[str] = (), *,
              universe: str = "truth", n_null: int = 100, seed: int = 0, out: str | os.PathLike | None = None,
              **options: Any) -> Results:
    """Benchmark methods run on ``data`` and/or existing ``networks`` against ``truths``; returns :class:`Results`.

    Parameters
    ----------
    data
        For ``methods``: an AnnData, an ``.h5ad`` path or a dataset name (default: each truth's matched dataset). For
        ``networks``: the expression data the networks were inferred from, whose genes are the scoring universe (a
        pair the network did not score is an absent edge).
    methods
        Names of ``bengrn.methods.available()`` to infer networks with.
    networks
        Existing networks: a mapping name -> GRnnData / AnnData / edge DataFrame / path, or a list of paths (named by
        file stem, or ``NAME=PATH``). Read by :func:`bengrn.networks.read_network`.
    truths
        Truth names (``ground_truths.available()``).
    universe, n_null, seed
        Evaluation universe (``truth``, ``beeline``, ``tf``, ``all``), label permutations of the null (0 = none) and
        the seed of everything random.
    out
        Output folder (as ``bengrn run --out``), or None to keep everything in memory and write nothing.
    **options
        For networks: ``key``, ``layout``, ``source``, ``target``, ``weight`` (how files are read), ``genes`` (a list
        or a one-gene-per-line file: the scoring universe, instead of ``data``), ``signed`` (rank by signed weight).
        For methods: the fields of :class:`bengrn.runner.RunConfig` (``n_cells``, ``n_genes``, ``celltype_key``,
        ``heads``, ``method_options``, ...); ``transpose``, ``force`` and ``log_y`` (PR plots with a log precision
        axis) apply to both. ``callback(event, info)`` receives progress events.

    Returns
    -------
    Results
        Runs in plan order: the methods' (method, truth, cell type), then the networks' (network, truth).
    """
    methods_, truths_ = _names(methods), _names(truths)
    if not methods_ and not networks:
        raise BenchmarkError("nothing to benchmark: give methods= (names) and/or networks= (existing networks)")
    if not truths_:
        raise BenchmarkError("no truth given; pass truths=NAME or a list of names")
    net_options, run_options = _split_options(options)
    if run_options.pop("tf_only", False):  # the alias of universe="tf", for the networks too
        if universe not in ("truth", "tf"):
            raise BenchmarkError(f"tf_only=True is universe='tf'; it cannot be combined with universe={universe!r}")
        universe = "tf"
    if out is None:
        return Results(_run(_MemoryStore(), data, methods_, networks, truths_, universe=universe, n_null=n_null,
                            seed=seed, net_options=net_options, run_options=run_options, options=options))
    with out_lock(out) as folder:  # one benchmark at a time in a folder, as bengrn run
        remove_stale_temp_files(folder)
        store = _FolderStore(folder, force=bool(run_options.get("force", False)))
        runs = _run(store, data, methods_, networks, truths_, universe=universe, n_null=n_null, seed=seed,
                    net_options=net_options, run_options=run_options, options=options)
        store.write_all(runs)
        if networks:  # the runner drew the methods' plots; these hold every run of a truth
            plots.write_pr_plots(runs, store.plots, pr_plot_name, log_y=bool(options.get("log_y")))
    return Results(runs, Path(out))


def _run(store: Store, data, methods_: list[str], networks, truths_: list[str], *, universe: str, n_null: int,
         seed: int, net_options: dict, run_options: dict, options: dict) -> list[dict]:
    """The methods' runs (the runner), then the networks' (the scorer), through ``store``."""
    callback: Callable | None = options.get("callback")
    runs: list[dict] = []
    if methods_:
        config = RunConfig(methods=methods_, truths=truths_, out=store.out, data=data, universe=universe,
                           n_null=n_null, seed=seed, **run_options)
        runs += run_benchmark(config, callback=callback, store=store)
    if networks:
        score_options = ScoreOptions(universe=universe, n_null=n_null, seed=seed,
                                     signed=bool(net_options.get("signed", False)),
                                     transpose=bool(run_options.get("transpose", False)))
        truth_data = [load_truth(t, progress=callback) for t in truths_]
        genes, dataset = _universe_genes(data, net_options.get("genes"))
        loaded = _load_networks(networks, net_options, genes)
        scored = score_networks(loaded, truth_data, store, options=score_options, dataset=dataset, callback=callback)
        warn_flags(scored)
        runs += scored
    return runs
