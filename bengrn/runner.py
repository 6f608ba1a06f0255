"""Benchmark runner: a grid of methods x truths x cell types, inferred once per (method, dataset, cell type).

Library code driven by ``bengrn run`` (see ``docs/cli.md``): no printing, progress through a callback, every output
written atomically so that an interrupted run resumes where it stopped.

Data preparation (deterministic for a given ``seed``, independent of which methods/truths are in the plan):

1. the dataset is ``config.data`` (an ``.h5ad`` path or a name of ``ground_truths.available_datasets()``), else the
   truth's matched dataset (``ground_truths.matched_dataset``), else the embedded default ``chen-hesc``;
2. cells are split by ``celltype_key`` (groups with fewer than :data:`MIN_CELLS` cells are skipped with a warning);
3. per group, ``n_cells`` cells are drawn without replacement with ``default_rng(seed)`` (all cells if fewer);
4. the ``n_genes`` most variable genes of those cells are kept: counts are scaled per cell to 1e4 and ``log1p``-ed
   (matrices that are not counts are used as they are), the variance of each gene is computed, genes constant over
   the cells are dropped, and genes are ranked by decreasing variance with ties broken by a random key drawn from
   ``default_rng(seed)``; the kept genes stay in dataset order.

Outputs in ``config.out``: ``runs/<method>__<truth>__<celltype>.json`` (one per grid cell, ``celltype`` = ``all``
without ``celltype_key``), ``networks/<method>__<dataset>__<celltype>.h5ad`` (+ a ``.json`` sidecar with its
fingerprint and timing), ``results.json``, ``results.csv``, ``plots/pr__<truth>[__<celltype>].png`` and, with
``enrich``, ``enrichment/*.json`` and ``plots/enrichment__*.png``. A grid cell is skipped when its run file exists and
its fingerprint (parameters, dataset and truth checksums) matches; a network is reused when its sidecar fingerprint
and file checksum match; ``force=True`` recomputes everything.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import importlib.util
import inspect
import json
import logging
import math
import os
import platform
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import scipy.sparse as sp

from bengrn import report
from scprint_model.baselines.preprocess import is_counts as has_counts  # one counts rule for runner and methods
from scprint_model.baselines.preprocess import log_normalize

logger = logging.getLogger(__name__)

__all__ = [
    "RunConfig",
    "BenchmarkError",
    "MissingDependencyError",
    "DEFAULT_DATASET",
    "run_benchmark",
    "load_data",
    "has_counts",
    "sample_cells",
    "select_genes",
    "prepare_groups",
    "dataset_organism",
    "run_file_name",
    "network_file_name",
]

DEFAULT_DATASET = "chen-hesc"
MIN_CELLS = 10
# Method options that change how fast a result comes, not the result: left out of fingerprints.
_NON_RESULT_OPTIONS = {"scheduler", "n_jobs", "progress", "device"}
_EXTRAS = {"torch": "model", "dask": "dask", "distributed": "dask"}


class BenchmarkError(ValueError):
    """A problem with the user's input (unknown name, unusable data, no gene overlap...); the message says the fix."""


class MissingDependencyError(ImportError):
    """An optional dependency a method needs is not installed; the message names the pip extra."""


ProgressCallback = Callable[[str, dict], None]


@dataclass
class RunConfig:
    """Parameters of one benchmark (see the module docstring and ``bengrn run --help``)."""

    methods: list[str]
    truths: list[str]
    out: Path = Path("bengrn-results")
    data: str | None = None
    celltype_key: str | None = None
    n_cells: int | None = 1024
    n_genes: int | None = 5000
    tf_only: bool = False
    transpose: bool = False
    heads: str = "mean"
    seed: int = 0
    scheduler: str | None = None
    enrich: bool = False
    force: bool = False
    method_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    progress: bool = True

    def __post_init__(self) -> None:
        self.out = Path(self.out)
        self.methods = list(dict.fromkeys(self.methods))
        self.truths = list(dict.fromkeys(self.truths))
        if not self.methods:
            raise BenchmarkError("no method given; pass --method NAME[,NAME...]")
        if not self.truths:
            raise BenchmarkError("no truth given; pass --truth NAME[,NAME...]")
        if self.heads not in ("mean", "select"):
            raise BenchmarkError(f"heads must be 'mean' or 'select', got {self.heads!r}")
        for name, value in (("n_cells", self.n_cells), ("n_genes", self.n_genes)):
            if value is not None and int(value) < 0:
                raise BenchmarkError(f"{name} must be >= 0 (0 = all), got {value}")


# --------------------------------------------------------------------------------------------- small helpers
def _sha256_bytes(*chunks: bytes) -> str:
    h = hashlib.sha256()
    for c in chunks:
        h.update(c)
    return h.hexdigest()


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _fingerprint(obj: Any) -> str:
    return _sha256_bytes(json.dumps(report.to_jsonable(obj), sort_keys=True).encode())


def _slug(text: str) -> str:
    """File-name-safe version of ``text``; a short hash keeps distinct names distinct after replacement."""
    slug = re.sub(r"[^A-Za-z0-9._+-]+", "_", str(text)).strip("_") or "x"
    if slug != str(text):
        slug = f"{slug}-{_sha256_bytes(str(text).encode())[:6]}"
    return slug


def run_file_name(method: str, truth: str, celltype: str | None) -> str:
    """``<method>__<truth>__<celltype>.json`` (``all`` without a cell-type split)."""
    return f"{_slug(method)}__{_slug(truth)}__{'all' if celltype is None else _slug(celltype)}.json"


def network_file_name(method: str, dataset: str, celltype: str | None) -> str:
    """``<method>__<dataset>__<celltype>.h5ad``."""
    return f"{_slug(method)}__{_slug(dataset)}__{'all' if celltype is None else _slug(celltype)}.h5ad"


def _versions() -> dict[str, str | None]:
    from importlib import metadata

    def v(dist: str) -> str | None:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return None

    out = {
        "python": platform.python_version(),
        "grnsuite": v("grnsuite"),
        "numpy": np.__version__,
        "scipy": v("scipy"),
        "scikit-learn": v("scikit-learn"),
        "pandas": v("pandas"),
        "anndata": v("anndata"),
    }
    if "torch" in sys.modules:
        out["torch"] = v("torch")
    if "distributed" in sys.modules:
        out["distributed"] = v("distributed")
    return out


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _emit(callback: ProgressCallback | None, event: str, **info: Any) -> None:
    if callback is not None:
        callback(event, info)


# --------------------------------------------------------------------------------------------- data
def dataset_organism(adata) -> str:
    """``uns["dataset"]["organism"]`` if present, else guessed from symbol case (``SOX2`` human, ``Sox2`` mouse)."""
    meta = adata.uns.get("dataset", {}) if hasattr(adata, "uns") else {}
    if isinstance(meta, dict) and meta.get("organism"):
        return str(meta["organism"])
    names = [str(g) for g in adata.var_names[:2000] if str(g)[:1].isalpha()]
    upper = sum(n == n.upper() for n in names)
    capital = sum(n[:1].isupper() and n[1:] == n[1:].lower() and n != n.upper() for n in names)
    return "mouse" if capital > upper else "human"


def load_data(spec: str) -> tuple[Any, dict]:
    """Load a dataset from an ``.h5ad`` path or a ``ground_truths`` dataset name.

    Returns the AnnData and a provenance dict (``name``, ``source``, ``checksum``, ``organism``).
    """
    import anndata

    path = Path(spec)
    looks_like_file = path.suffix in (".h5ad", ".h5") or os.sep in str(spec) or path.exists()
    if looks_like_file:
        if not path.is_file():
            raise BenchmarkError(f"--data file {str(spec)!r} not found (give an .h5ad path or a dataset name)")
        try:
            adata = anndata.read_h5ad(path)
        except Exception as exc:  # anndata/h5py raise many types for a bad file
            raise BenchmarkError(f"could not read {str(spec)!r} as an .h5ad file: {exc}") from exc
        info = {"name": path.stem, "source": str(path.resolve()), "checksum": _sha256_file(path)}
    else:
        import ground_truths

        names = ground_truths.available_datasets()
        if spec not in names:
            raise BenchmarkError(
                f"unknown dataset {spec!r}: not a file and not one of the datasets: {', '.join(names)}"
            )
        adata = ground_truths.load_dataset(spec)
        meta = adata.uns.get("dataset", {})
        checksum = meta.get("checksum") if isinstance(meta, dict) else None
        info = {"name": spec, "source": f"ground_truths.load_dataset({spec!r})", "checksum": checksum}
    if adata.n_obs == 0 or adata.n_vars == 0:
        raise BenchmarkError(f"dataset {info['name']!r} is empty ({adata.n_obs} cells x {adata.n_vars} genes)")
    if not adata.var_names.is_unique:
        logger.warning("dataset %s has duplicated gene names; making them unique", info["name"])
        adata.var_names_make_unique()
    info["organism"] = dataset_organism(adata)
    info["n_cells_total"] = int(adata.n_obs)
    info["n_genes_total"] = int(adata.n_vars)
    return adata, info


def sample_cells(n_obs: int, n_cells: int | None, seed: int) -> np.ndarray:
    """Sorted indices of ``n_cells`` cells drawn without replacement with ``default_rng(seed)`` (all if fewer)."""
    if not n_cells or n_obs <= n_cells:
        return np.arange(n_obs)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_obs, size=int(n_cells), replace=False))


def select_genes(x, n_genes: int | None, seed: int, *, counts: bool = True) -> np.ndarray:
    """Sorted column indices of the ``n_genes`` most variable genes of ``x`` (cells x genes).

    Variance is computed on log-normalised values (per cell to 1e4, ``log1p``) when ``counts``, else on ``x``.
    Constant genes are always dropped; ties are broken by a random key from ``default_rng(seed)``.
    ``n_genes`` None or 0 keeps every non-constant gene.
    """
    if counts:
        xn = log_normalize(x, dtype=np.float64, keep_sparse=True)
    else:
        xn = sp.csr_matrix(x, dtype=np.float64) if sp.issparse(x) else np.asarray(x, dtype=np.float64)
    if sp.issparse(xn):
        mean = np.asarray(xn.mean(axis=0)).ravel()
        var = np.asarray(xn.multiply(xn).mean(axis=0)).ravel() - mean**2
    else:
        var = xn.var(axis=0)
    var = np.where(var > 1e-12, var, 0.0)
    candidates = np.flatnonzero(var > 0)
    if n_genes and candidates.size > n_genes:
        tiebreak = np.random.default_rng(seed).random(var.size)
        order = np.lexsort((tiebreak[candidates], -var[candidates]))
        candidates = np.sort(candidates[order[: int(n_genes)]])
    return candidates


def _matrix_sha256(x, genes: Sequence[str], cells: Sequence[str]) -> str:
    m = sp.csr_matrix(x, dtype=np.float32)
    m.sum_duplicates()
    m.sort_indices()
    return _sha256_bytes(
        "\x1f".join(map(str, genes)).encode(),
        b"\x1e",
        "\x1f".join(map(str, cells)).encode(),
        np.asarray(m.shape, dtype=np.int64).tobytes(),
        m.indptr.astype(np.int64).tobytes(),
        m.indices.astype(np.int64).tobytes(),
        m.data.tobytes(),
    )


@dataclass
class PreparedData:
    """Cells x selected genes of one (dataset, cell type) group, ready for inference."""

    dataset: str
    celltype: str | None
    adata: Any
    counts: bool
    info: dict
    input_sha256: str

    @property
    def genes(self) -> list[str]:
        return [str(g) for g in self.adata.var_names]


def _expression_matrix(adata) -> tuple[Any, bool, str]:
    """The matrix methods get: ``.X`` if it holds counts, else ``layers["counts"]`` if that does, else ``.X``."""
    if has_counts(adata.X):
        return adata.X, True, "X"
    if "counts" in adata.layers and has_counts(adata.layers["counts"]):
        return adata.layers["counts"], True, "layers['counts']"
    return adata.X, False, "X"


def prepare_groups(
    adata, info: dict, *, celltype_key: str | None, n_cells: int | None, n_genes: int | None, seed: int
) -> list[PreparedData]:
    """Split by cell type, sample cells and select genes (see the module docstring); one entry per group."""
    import anndata

    x, counts, where = _expression_matrix(adata)
    if celltype_key is None:
        groups: list[tuple[str | None, np.ndarray]] = [(None, np.arange(adata.n_obs))]
    else:
        if celltype_key not in adata.obs.columns:
            raise BenchmarkError(
                f"--celltype-key {celltype_key!r} is not a column of the dataset's obs; "
                f"columns: {', '.join(map(str, adata.obs.columns)) or '(none)'}"
            )
        labels = adata.obs[celltype_key].astype(str).to_numpy()
        groups = []
        for label in sorted(set(labels)):
            idx = np.flatnonzero(labels == label)
            if idx.size < MIN_CELLS:
                logger.warning("cell type %r has %d cells (< %d): skipped", label, idx.size, MIN_CELLS)
                continue
            groups.append((label, idx))
        if not groups:
            raise BenchmarkError(f"no cell type of {celltype_key!r} has at least {MIN_CELLS} cells")
    out = []
    for label, idx in groups:
        cells = idx[sample_cells(idx.size, n_cells, seed)]
        xs = x[cells]
        genes_idx = select_genes(xs, n_genes, seed, counts=counts)
        if genes_idx.size < 2:
            raise BenchmarkError(
                f"dataset {info['name']!r}{'' if label is None else f' cell type {label!r}'} has "
                f"{genes_idx.size} non-constant genes over {cells.size} cells; nothing to infer"
            )
        xs = xs[:, genes_idx]
        xs = xs.tocsr() if sp.issparse(xs) else np.asarray(xs)
        sub = anndata.AnnData(X=xs)
        sub.obs_names = adata.obs_names[cells].astype(str)
        sub.var_names = adata.var_names[genes_idx].astype(str)
        sub.uns["dataset"] = {"name": info["name"], "organism": info["organism"]}
        out.append(
            PreparedData(
                dataset=info["name"],
                celltype=label,
                adata=sub,
                counts=counts,
                info={**info, "matrix": where, "counts": counts, "n_cells": int(sub.n_obs),
                      "n_genes": int(sub.n_vars)},
                input_sha256=_matrix_sha256(xs, sub.var_names, sub.obs_names),
            )
        )
    return out


# --------------------------------------------------------------------------------------------- truths
@dataclass
class TruthData:
    name: str
    edges: Any  # DataFrame[source, target, ...]
    info: dict


def _load_truth(name: str) -> TruthData:
    import ground_truths

    df = ground_truths.load(name)
    attrs = dict(getattr(df, "attrs", {}) or {})
    organism = None
    try:
        organism = ground_truths.info(name).get("organism")
    except Exception:  # info() is metadata only; a user-imported truth may lack it
        pass
    info = {
        "name": name,
        "checksum": attrs.get("checksum"),
        "version": attrs.get("version"),
        "source": attrs.get("source"),
        "directed": attrs.get("directed"),
        "organism": organism,
        "n_edges_total": int(len(df)),
    }
    return TruthData(name=name, edges=df, info=info)


def _align(truth: TruthData, genes: Sequence[str]):
    from bengrn.alignment import align

    matrix, stats = align(truth.edges, list(genes))
    matrix = sp.csr_matrix(matrix, dtype=bool)
    matrix.eliminate_zeros()
    return matrix, dict(stats)


def _aligned_sha256(matrix: sp.csr_matrix, genes: Sequence[str]) -> str:
    coo = matrix.tocoo()
    order = np.lexsort((coo.col, coo.row))
    return _sha256_bytes(
        "\x1f".join(map(str, genes)).encode(),
        coo.row[order].astype(np.int64).tobytes(),
        coo.col[order].astype(np.int64).tobytes(),
    )


def _overlap_error(truth: TruthData, prepared_name: str, genes: Sequence[str], organism: str, selected: bool):
    t_genes = list(dict.fromkeys(list(truth.edges["source"][:50]) + list(truth.edges["target"][:50])))[:4]
    t_org = truth.info.get("organism") or "unknown organism"
    where = (
        f"the {len(genes)} selected genes of dataset {prepared_name!r}"
        if selected
        else f"dataset {prepared_name!r} ({len(genes)} genes)"
    )
    hint = (
        "select more genes (--n-genes, 0 = all)"
        if selected
        else "use a dataset of the truth's organism (--data) or another truth"
    )
    return BenchmarkError(
        f"no edge of truth {truth.name!r} ({t_org}, genes like {', '.join(map(str, t_genes))}) links two genes of "
        f"{where} ({organism}, genes like {', '.join(map(str, list(genes)[:4]))}); {hint}"
    )


# --------------------------------------------------------------------------------------------- methods
def _method_info(name: str) -> dict:
    from bengrn import methods

    if hasattr(methods, "info"):
        return methods.info(name)
    return {"needs_counts": False, "needs_torch": False, "options": None}


def resolve_method_options(
    method: str, config: RunConfig, organism: str, minfo: dict
) -> dict[str, Any]:
    """Options passed to ``bengrn.methods.infer``: user options plus organism/scheduler/progress where accepted."""
    accepted = minfo.get("options")  # None: the method takes **options
    accepts = (lambda k: True) if accepted is None or method == "scprint" else (lambda k: k in accepted)
    opts: dict[str, Any] = {}
    if accepts("organism") and "organism" in (accepted or {}):
        opts["organism"] = organism
    if config.scheduler and accepts("scheduler") and "scheduler" in (accepted or {}):
        opts["scheduler"] = config.scheduler
    if accepts("progress"):
        opts["progress"] = bool(config.progress)
    if method == "scprint":
        # heads="select" is a scoring protocol: inference always stores the mean and the per-head stack.
        opts["heads"] = "mean"
    opts.update(config.method_options.get(method, {}))
    return opts


def _module_available(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def _check_dependencies(method: str, minfo: dict, config: RunConfig) -> None:
    if minfo.get("needs_torch") and not _module_available("torch"):
        raise MissingDependencyError(
            f'method {method!r} needs PyTorch, which is not installed: pip install "grnsuite[model]"'
        )
    if config.scheduler and "scheduler" in (minfo.get("options") or {}):
        if not _module_available("distributed"):
            raise MissingDependencyError(
                '--scheduler needs dask.distributed, which is not installed: pip install "grnsuite[dask]"'
            )


def _infer(method: str, prepared: PreparedData, options: dict, seed: int):
    from bengrn import methods

    try:
        return methods.infer(method, prepared.adata, seed=seed, **options)
    except ModuleNotFoundError as exc:
        root = (exc.name or "").split(".")[0]
        extra = _EXTRAS.get(root)
        if extra:
            raise MissingDependencyError(
                f'method {method!r} needs the optional dependency {root!r}: pip install "grnsuite[{extra}]"'
            ) from exc
        raise


def _network_matrix(net, key: str = "GRN"):
    m = net.network(key)
    return m if sp.issparse(m) else np.asarray(m)


# --------------------------------------------------------------------------------------------- scoring
def _eval_kwargs(genes: Sequence[str], tf_names: list[str] | None, transpose: bool) -> dict:
    kw: dict[str, Any] = {"genes": list(genes), "self_loops": False, "transpose": transpose}
    if tf_names is not None:
        kw["tf_only"] = tf_names
    return kw


def _filter_kwargs(func: Callable, kwargs: dict) -> dict:
    params = inspect.signature(func).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return kwargs
    return {k: v for k, v in kwargs.items() if k in params}


def _score(network, truth_matrix, kwargs: dict, *, curve: bool = True) -> tuple[dict, dict | None, float]:
    from bengrn import metrics

    started = time.perf_counter()
    result = dict(metrics.evaluate(network, truth_matrix, **kwargs))
    seconds = time.perf_counter() - started
    pr = None
    if curve and hasattr(metrics, "pr_curve"):
        precision, recall, _ = metrics.pr_curve(network, truth_matrix, **_filter_kwargs(metrics.pr_curve, kwargs))
        pr = report.downsample_curve(precision, recall)
    return result, pr, seconds


def _score_selected_heads(net, truth_matrix, kwargs: dict, seed: int) -> tuple[dict, dict | None, float, dict]:
    """Held-out protocol (scprint ``--heads select``): heads are chosen with ``scprint_model.select_heads`` on half of
    the truth's regulators and the mean of the chosen heads is scored with ``bengrn.metrics.evaluate`` on the rows of
    the other half only. Returns the held-out metrics of the selected heads; the selection and the held-out metrics
    of all-heads mean, best single head and random scores go to provenance."""
    import scprint_model
    from bengrn import metrics

    if "heads" not in net.network_keys:
        raise BenchmarkError("--heads select needs the per-head stack (network key 'heads') that scprint stores")
    stack = np.asarray(net.network("heads"))
    genes = kwargs["genes"]
    tf_mask = None
    if kwargs.get("tf_only") is not None:
        tfs = {str(t).upper() for t in kwargs["tf_only"]}
        tf_mask = np.array([g.upper() in tfs for g in genes])

    def evaluate(network, truth, tf_only=None):
        # select_heads passes the held-out regulators as a mask; --tf-only further restricts them to TFs.
        mask = tf_only if tf_mask is None else (tf_mask if tf_only is None else np.asarray(tf_only) & tf_mask)
        return metrics.evaluate(network, truth, genes=genes, tf_only=mask, self_loops=False,
                                transpose=kwargs.get("transpose", False))

    started = time.perf_counter()
    selection = scprint_model.select_heads(stack, truth_matrix, split="regulator", seed=seed, evaluate=evaluate)
    seconds = time.perf_counter() - started
    info = selection.to_dict() if hasattr(selection, "to_dict") else dict(selection)
    held = dict(info.pop("metrics"))
    result = dict(held.pop("selected"))
    info["heldout_other"] = held  # mean of all heads, best single head, random: same held-out rows
    return result, None, seconds, info


# --------------------------------------------------------------------------------------------- resume store
def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def _write_network(net, path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    net.write_h5ad(path)  # GRnnData.write_h5ad writes a temporary file and renames it (atomic)
    return _sha256_file(path)


def _load_network(path: Path, sidecar: dict | None, fingerprint: str):
    if sidecar is None or sidecar.get("fingerprint") != fingerprint or not path.is_file():
        return None
    if _sha256_file(path) != sidecar.get("sha256"):
        logger.warning("network %s changed on disk since it was written; recomputing", path)
        return None
    import grnndata

    return grnndata.read_h5ad(path)


# --------------------------------------------------------------------------------------------- the runner
@dataclass
class _Group:
    method: str
    prepared: PreparedData
    truths: list[str]


def _validate_names(config: RunConfig) -> None:
    import ground_truths
    from bengrn import methods

    valid_m = methods.available()
    bad = [m for m in config.methods if m not in valid_m]
    if bad:
        raise BenchmarkError(f"unknown method(s) {', '.join(map(repr, bad))}; valid methods: {', '.join(valid_m)}")
    valid_t = ground_truths.available()
    bad = [t for t in config.truths if t not in valid_t]
    if bad:
        raise BenchmarkError(f"unknown truth(s) {', '.join(map(repr, bad))}; valid truths: {', '.join(valid_t)}")
    if config.heads == "select" and "scprint" not in config.methods:
        logger.warning("--heads select only applies to scprint, which is not in the methods")


def _dataset_for(truth: str, config: RunConfig) -> str:
    if config.data:
        return config.data
    import ground_truths

    matched = ground_truths.matched_dataset(truth)
    return matched or DEFAULT_DATASET


def run_benchmark(config: RunConfig, callback: ProgressCallback | None = None) -> list[dict]:
    """Run (or resume) the benchmark grid and write every output; returns the runs in plan order.

    ``callback(event, info)`` receives ``"plan"`` (``total``, ``n_networks``), ``"infer_start"`` /
    ``"infer_end"`` (``method``, ``dataset``, ``celltype``, ``seconds``, ``reused``) and ``"cell_done"``
    (``method``, ``truth``, ``celltype``, ``skipped``).
    """
    _validate_names(config)
    out = config.out
    minfos = {m: _method_info(m) for m in config.methods}
    for m in config.methods:
        _check_dependencies(m, minfos[m], config)

    # -- data: each dataset loaded and prepared once, whatever the number of truths using it
    ds_of_truth = {t: _dataset_for(t, config) for t in config.truths}
    datasets: dict[str, list[PreparedData]] = {}
    ds_info: dict[str, dict] = {}
    full_genes: dict[str, list[str]] = {}
    for spec in dict.fromkeys(ds_of_truth.values()):
        adata, info = load_data(spec)
        logger.info("dataset %s: %d cells x %d genes (%s)", info["name"], adata.n_obs, adata.n_vars,
                    info["organism"])
        ds_info[spec] = info
        full_genes[spec] = [str(g) for g in adata.var_names]
        datasets[spec] = prepare_groups(adata, info, celltype_key=config.celltype_key, n_cells=config.n_cells,
                                        n_genes=config.n_genes, seed=config.seed)
        for m in config.methods:
            needs = minfos[m].get("needs_counts")
            if needs and not datasets[spec][0].counts and config.method_options.get(m, {}).get("normalize", True):
                hint = (f" or, if .X is already log-normalised, pass --method-option {m}:normalize=false"
                        if "normalize" in (minfos[m].get("options") or {}) else "")
                raise BenchmarkError(
                    f"dataset {info['name']!r} has no raw counts: .X holds non-integer or negative values and there "
                    f"is no integer layers['counts']; method {m!r} needs raw counts. Provide counts in .X "
                    f"(or layers['counts']){hint}"
                )
        del adata

    # -- truths: loaded once; overlap checked on the full dataset, then on each group's selected genes
    truths = {t: _load_truth(t) for t in config.truths}
    aligned: dict[tuple[str, str, str | None], tuple[sp.csr_matrix, dict]] = {}
    for t, spec in ds_of_truth.items():
        org = ds_info[spec]["organism"]
        for prep in datasets[spec]:
            try:
                matrix, stats = _align(truths[t], prep.genes)
            except ValueError:  # bengrn.align refuses a truth sharing no edge with the genes
                matrix, stats = None, None
            if matrix is None or matrix.nnz == 0:
                try:
                    full_nnz = _align(truths[t], full_genes[spec])[0].nnz
                except ValueError:
                    full_nnz = 0
                raise _overlap_error(truths[t], ds_info[spec]["name"], full_genes[spec] if full_nnz == 0
                                     else prep.genes, org, selected=full_nnz > 0)
            aligned[(t, spec, prep.celltype)] = (matrix, stats)

    tf_names: dict[str, list[str] | None] = {}
    for spec, info in ds_info.items():
        if config.tf_only:
            import ground_truths

            tf_names[spec] = list(ground_truths.tf_list(info["organism"]))
        else:
            tf_names[spec] = None

    groups: list[_Group] = []
    for m in config.methods:
        for spec in dict.fromkeys(ds_of_truth.values()):
            ts = [t for t in config.truths if ds_of_truth[t] == spec]
            for prep in datasets[spec]:
                groups.append(_Group(m, prep, ts))
    # Plan order of the returned runs: method, truth, cell type.
    plan_keys = [
        (m, t, prep.celltype)
        for m in config.methods
        for t in config.truths
        for prep in datasets[ds_of_truth[t]]
    ]
    _emit(callback, "plan", total=len(plan_keys), n_networks=len(groups))

    runs: dict[tuple, dict] = {}
    for g in groups:
        spec = next(s for s, preps in datasets.items() if g.prepared in preps)
        runs.update(_run_group(g, spec, config, minfos[g.method], truths, aligned, tf_names[spec], callback))
    ordered = [runs[k] for k in plan_keys]

    report.write_results(ordered, out)
    _write_plots(ordered, out)
    return ordered


def _run_group(g: _Group, spec: str, config: RunConfig, minfo: dict, truths: dict[str, TruthData],
               aligned: dict, tf_names: list[str] | None, callback) -> dict[tuple, dict]:
    out = config.out
    prep = g.prepared
    options = resolve_method_options(g.method, config, prep.info["organism"], minfo)
    result_options = {k: v for k, v in options.items() if k not in _NON_RESULT_OPTIONS}
    is_select = config.heads == "select" and g.method == "scprint"
    net_params = {
        "method": g.method,
        "method_options": result_options,
        "seed": config.seed,
        "n_cells": config.n_cells,
        "n_genes": config.n_genes,
        "celltype_key": config.celltype_key,
        "dataset": prep.dataset,
        "celltype": prep.celltype,
        "dataset_input_sha256": prep.input_sha256,
    }
    net_fp = _fingerprint(net_params)
    parameters = {
        "seed": config.seed,
        "n_cells": config.n_cells,
        "n_genes": config.n_genes,
        "celltype_key": config.celltype_key,
        "tf_only": config.tf_only,
        "transpose": config.transpose,
        "heads": config.heads if g.method == "scprint" else None,
        "method_options": result_options,
        "scheduler": config.scheduler if "scheduler" in options else None,
    }

    expected: dict[str, str] = {}
    done: dict[tuple, dict] = {}
    todo: list[str] = []
    for t in g.truths:
        matrix, _ = aligned[(t, spec, prep.celltype)]
        run_fp = _fingerprint({
            "network": net_fp,
            "truth": t,
            "truth_checksum": truths[t].info.get("checksum"),
            "truth_aligned_sha256": _aligned_sha256(matrix, prep.genes),
            "tf_only": config.tf_only,
            "transpose": config.transpose,
            "heads": parameters["heads"],
            "enrich": config.enrich,  # a rerun with --enrich must add the enrichment to finished runs
        })
        expected[t] = run_fp
        path = out / "runs" / run_file_name(g.method, t, prep.celltype)
        old = None if config.force else _read_json(path)
        if old is not None and old.get("provenance", {}).get("fingerprint") == run_fp:
            done[(g.method, t, prep.celltype)] = old
            _emit(callback, "cell_done", method=g.method, truth=t, celltype=prep.celltype, skipped=True)
        else:
            todo.append(t)
    if not todo:
        logger.info("%s on %s (%s): all %d runs up to date, skipped", g.method, prep.dataset, prep.celltype,
                    len(g.truths))
        return done

    # -- the network: reused from disk when its fingerprint matches, else inferred and saved
    net_path = out / "networks" / network_file_name(g.method, prep.dataset, prep.celltype)
    side_path = net_path.with_suffix(".json")
    sidecar = None if config.force else _read_json(side_path)
    _emit(callback, "infer_start", method=g.method, dataset=prep.dataset, celltype=prep.celltype)
    started = time.perf_counter()
    net = None if config.force else _load_network(net_path, sidecar, net_fp)
    reused = net is not None
    if reused:
        inference_s = float(sidecar.get("inference_s", math.nan))
        logger.info("reusing network %s", net_path)
    else:
        logger.info("inferring %s on %s (%s): %d cells x %d genes", g.method, prep.dataset, prep.celltype,
                    prep.adata.n_obs, prep.adata.n_vars)
        net = _infer(g.method, prep, options, config.seed)
        inference_s = time.perf_counter() - started
        net_genes = [str(x) for x in net.genes]
        if net_genes != prep.genes:
            raise RuntimeError(f"method {g.method!r} returned a network over other genes than its input")
        sha = _write_network(net, net_path)
        report.atomic_write_json(side_path, {"fingerprint": net_fp, "sha256": sha, "inference_s": inference_s,
                                             "parameters": net_params, "created": _now(), "versions": _versions()})
    _emit(callback, "infer_end", method=g.method, dataset=prep.dataset, celltype=prep.celltype,
          seconds=time.perf_counter() - started, reused=reused)
    versions = _versions()  # after inference: torch / distributed are listed once a method has loaded them

    network = _network_matrix(net)
    enrichment = _enrichment(g.method, network, prep, config, net_fp) if config.enrich else None

    for t in todo:
        matrix, stats = aligned[(t, spec, prep.celltype)]
        kwargs = _eval_kwargs(prep.genes, tf_names, config.transpose)
        extra: dict = {}
        if is_select:
            try:
                metrics_, curve, eval_s, extra = _score_selected_heads(net, matrix, kwargs, config.seed)
            except ValueError as exc:  # e.g. too few regulators of this truth among the genes to split them
                raise BenchmarkError(
                    f"--heads select failed for truth {t!r} on {prep.dataset!r}: {exc} (the network is saved; "
                    "rerun with other truths/--n-genes, or --heads mean)"
                ) from exc
        else:
            metrics_, curve, eval_s = _score(network, matrix, kwargs)
        provenance = {
            "fingerprint": expected[t],
            "network_fingerprint": net_fp,
            "versions": versions,
            "parameters": parameters,
            "seed": config.seed,
            "dataset": {
                "name": prep.dataset,
                "source": prep.info.get("source"),
                "checksum": prep.info.get("checksum"),
                "input_sha256": prep.input_sha256,
                "organism": prep.info.get("organism"),
                "matrix": prep.info.get("matrix"),
                "counts": prep.counts,
                "n_cells": prep.adata.n_obs,
                "n_genes": prep.adata.n_vars,
                "n_cells_total": prep.info.get("n_cells_total"),
                "n_genes_total": prep.info.get("n_genes_total"),
            },
            "truth": {**truths[t].info, "aligned_sha256": _aligned_sha256(matrix, prep.genes),
                      "n_edges_aligned": int(matrix.nnz)},
            "alignment": stats,
            "tf_only": {"n_tfs": len(tf_names), "n_tfs_in_genes": len(set(tf_names) & set(prep.genes))}
            if tf_names is not None else None,
            "timings": {"inference_s": inference_s, "evaluation_s": eval_s, "network_reused": reused},
            "network_file": str(net_path.relative_to(out)),
            "created": _now(),
        }
        if extra:
            provenance["head_selection"] = extra
        run = {
            "method": g.method,
            "truth": t,
            "dataset": prep.dataset,
            "celltype": prep.celltype,
            "metrics": metrics_,
            "provenance": provenance,
        }
        if enrichment is not None:
            run["enrichment"] = enrichment
        if curve is not None:
            run["pr_curve"] = curve
        report.atomic_write_json(out / "runs" / run_file_name(g.method, t, prep.celltype), run)
        # Read back what was written so that fresh and resumed runs are the very same objects.
        done[(g.method, t, prep.celltype)] = json.loads(
            (out / "runs" / run_file_name(g.method, t, prep.celltype)).read_text(encoding="utf-8"))
        _emit(callback, "cell_done", method=g.method, truth=t, celltype=prep.celltype, skipped=False)
    return done


def _enrichment(method: str, network, prep: PreparedData, config: RunConfig, net_fp: str) -> dict:
    """Enrichment summary of one network, cached next to the networks under the network's fingerprint."""
    from bengrn import enrichment

    stem = network_file_name(method, prep.dataset, prep.celltype)[: -len(".h5ad")]
    path = config.out / "enrichment" / f"{stem}.json"
    cached = None if config.force else _read_json(path)
    if cached is not None and cached.get("fingerprint") == net_fp:
        return cached["summary"]
    summary = enrichment.summarize(network, prep.genes, organism=prep.info.get("organism", "human"),
                                   seed=config.seed, progress=False)
    summary = report.to_jsonable(summary)
    report.atomic_write_json(path, {"fingerprint": net_fp, "summary": summary})
    try:
        enrichment.plot_summary(summary, config.out / "plots" / f"enrichment__{stem}.png")
    except Exception as exc:  # a plot must not lose a finished benchmark
        logger.warning("enrichment plot for %s failed: %s", stem, exc)
    return summary


def _write_plots(runs: list[dict], out: Path) -> list[Path]:
    paths = []
    keys = list(dict.fromkeys((r["truth"], r.get("celltype")) for r in runs))
    for truth, celltype in keys:
        sel = [r for r in runs if r["truth"] == truth and r.get("celltype") == celltype and r.get("pr_curve")]
        if not sel:
            continue
        name = f"pr__{_slug(truth)}" + ("" if celltype is None else f"__{_slug(celltype)}") + ".png"
        title = f"{truth} on {sel[0]['dataset']}" + ("" if celltype is None else f" ({celltype})")
        try:
            paths.append(report.plot_pr_curves(sel, out / "plots" / name, title=title))
        except Exception as exc:  # a plot must not lose a finished benchmark
            logger.warning("precision-recall plot %s failed: %s", name, exc)
    return paths
