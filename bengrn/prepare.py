"""Expression data for a benchmark: load it, recognise counts, log-normalise, sample cells, pick genes.

Deterministic for a given ``seed`` and independent of which methods or truths use the data:

1. the dataset is an ``.h5ad`` path or a name of ``ground_truths.available_datasets()`` (:func:`load_data`); without
   one, a truth's matched dataset (``ground_truths.matched_dataset``), else :data:`DEFAULT_DATASET`
   (:func:`dataset_for`);
2. cells are split by a ``celltype_key`` column (groups with fewer than :data:`MIN_CELLS` cells are skipped with a
   warning);
3. per group, ``n_cells`` cells are drawn without replacement with ``default_rng(seed)`` (all cells if fewer);
4. the ``n_genes`` most variable genes of those cells are kept: counts are scaled per cell to 1e4 and ``log1p``-ed
   (matrices that are not counts are used as they are), the variance of each gene is computed, genes constant over
   the cells are dropped, and genes are ranked by decreasing variance with ties broken by a random key drawn from
   ``default_rng(seed)``; the kept genes stay in dataset order.

Counts are normalised on all genes of each cell: before any gene subset, ``obs["total_counts"]`` of the prepared data
is set to each cell's total over ALL genes of the dataset, and :func:`log_normalize` (``totals=``) and the scPRINT depth
token use it, so a cell's depth does not depend on which genes were kept.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import anndata
import numpy as np
import scipy.sparse as sp

import ground_truths
from ground_truths.ids import detect_organism
from bengrn.errors import BenchmarkError, UnknownNameError
from grnndata._files import matrix_sha256, sha256_file

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_DATASET",
    "MIN_CELLS",
    "PreparedData",
    "is_counts",
    "log_normalize",
    "dataset_organism",
    "dataset_context",
    "dataset_for",
    "load_data",
    "sample_cells",
    "select_genes",
    "expression_matrix",
    "prepare_groups",
]

DEFAULT_DATASET = "chen-hesc"
MIN_CELLS = 10
# is_counts looks at this many values at most (a fixed stride: the rule must not depend on any seed).
_COUNTS_SAMPLE = 200_000


# --------------------------------------------------------------------------------------------- counts rule
def is_counts(x) -> bool:
    """True when ``x`` looks like raw counts: finite, non-negative, integer-valued (checked on <= 200,000 values).

    The one rule used by the runner (does the dataset hold counts?) and the methods (``normalize="auto"``).
    """
    values = x.data if sp.issparse(x) else np.asarray(x).ravel()
    if values.size == 0:
        return True
    if values.size > _COUNTS_SAMPLE:
        values = values[:: values.size // _COUNTS_SAMPLE + 1]
    values = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(values)) or values.min() < 0:
        return False
    return bool(np.all(np.abs(values - np.round(values)) < 1e-6))


def _as_counts_matrix(x) -> np.ndarray | sp.csr_matrix:
    """``x`` as float64 (CSR or dense 2-D), or a clear error for values that cannot be counts."""
    if sp.issparse(x):
        x = sp.csr_matrix(x, dtype=np.float64)
        data = x.data
    else:
        x = np.asarray(x, dtype=np.float64)
        data = x
    if x.ndim != 2:
        raise ValueError(f"expression must be a 2-D cells x genes matrix, got shape {x.shape}")
    if not np.all(np.isfinite(data)):
        raise ValueError("expression contains NaN or infinite values; remove or impute them first")
    if np.any(data < 0):
        raise ValueError(
            "expression contains negative values but raw counts were expected; "
            "pass normalize=False if the matrix is already log-normalised"
        )
    return x


def _check_totals(totals, n_cells: int) -> np.ndarray:
    totals = np.asarray(totals, dtype=np.float64).ravel()
    if totals.shape != (n_cells,):
        raise ValueError(f"totals has {totals.size} entries, expected one per cell ({n_cells})")
    if not np.all(np.isfinite(totals)) or np.any(totals < 0):
        raise ValueError("totals must be finite and non-negative (each cell's total counts over all genes)")
    return totals


def log_normalize(x, target_sum: float = 1e4, dtype=np.float32, *, keep_sparse: bool = False, totals=None):
    """Scale each cell's counts to ``target_sum`` then ``log1p`` (the scanpy ``normalize_total`` + ``log1p`` recipe).

    Parameters
    ----------
    x
        Cells x genes raw counts, dense or scipy sparse.
    target_sum
        Total count each cell is scaled to. Cells with zero total stay all zero.
    dtype
        Output dtype.
    keep_sparse
        Return a CSR matrix when ``x`` is sparse (zeros stay zeros) instead of densifying it.
    totals
        Each cell's total counts over all genes of its dataset (``adata.obs["total_counts"]`` of prepared data); by
        default the row sums of ``x``, which are smaller when ``x`` holds a subset of the genes.

    Returns
    -------
    Cells x genes array (CSR when ``keep_sparse`` and ``x`` is sparse).
    """
    x = _as_counts_matrix(x)
    totals = np.asarray(x.sum(axis=1)).ravel() if totals is None else _check_totals(totals, x.shape[0])
    # Empty cells keep a scale of 0 rather than dividing by zero.
    scale = np.divide(target_sum, totals, out=np.zeros_like(totals), where=totals > 0)
    if sp.issparse(x):
        x = sp.diags(scale) @ x
        x.data = np.log1p(x.data)
        return x.astype(dtype, copy=False) if keep_sparse else x.toarray().astype(dtype, copy=False)
    return np.log1p(x * scale[:, None]).astype(dtype, copy=False)


# --------------------------------------------------------------------------------------------- datasets
def dataset_organism(adata) -> str:
    """``uns["dataset"]["organism"]`` if present, else guessed from symbol case (``SOX2`` human, ``Sox2`` mouse)."""
    meta = adata.uns.get("dataset", {})
    if isinstance(meta, dict) and meta.get("organism"):
        return str(meta["organism"])
    organism, _ = detect_organism(adata.var_names[:2000])  # the suite's one symbol-case rule
    return organism or "human"


def dataset_context(adata, organism: str) -> dict:
    """``uns["dataset"]["context"]`` (organism, cell line, cell type), completed with ``organism`` and None."""
    meta = adata.uns.get("dataset", {})
    context = meta.get("context") if isinstance(meta, dict) else None
    context = dict(context) if isinstance(context, dict) else {}
    return {"organism": context.get("organism") or organism, "cell_line": context.get("cell_line"),
            "cell_type": context.get("cell_type")}


def dataset_for(truth: str, data: str | None = None) -> str:
    """The dataset a truth is scored on: ``data`` if given, else the truth's matched dataset, else the default."""
    return data or ground_truths.matched_dataset(truth) or DEFAULT_DATASET


def _looks_like_file(spec: str) -> bool:
    path = Path(spec)
    return path.suffix in (".h5ad", ".h5") or os.sep in str(spec) or path.exists()


def load_data(spec: "str | anndata.AnnData") -> tuple[Any, dict]:
    """Load a dataset from an ``.h5ad`` path or a ``ground_truths`` dataset name (or take an in-memory AnnData).

    Returns the AnnData and a provenance dict (``name``, ``source``, ``checksum``, ``organism``, ``n_cells_total``,
    ``n_genes_total``).
    """
    if isinstance(spec, anndata.AnnData):  # in memory: named by its uns["dataset"]["name"], never modified
        meta = spec.uns.get("dataset", {})
        name = meta.get("name") if isinstance(meta, dict) else None
        adata = spec if spec.var_names.is_unique else spec.copy()
        info = {"name": str(name or "adata"), "source": "AnnData in memory", "checksum": None}
    elif _looks_like_file(spec):
        path = Path(spec)
        if not path.is_file():
            raise BenchmarkError(f"--data file {str(spec)!r} not found (give an .h5ad path or a dataset name)")
        try:
            adata = anndata.read_h5ad(path)
        except Exception as exc:  # anndata/h5py raise many types for a bad file
            raise BenchmarkError(f"could not read {str(spec)!r} as an .h5ad file: {exc}") from exc
        info = {"name": path.stem, "source": str(path.resolve()), "checksum": sha256_file(path)}
    else:
        names = ground_truths.available_datasets()
        if spec not in names:
            raise UnknownNameError("dataset", spec, names, hint="or give the path of an .h5ad file")
        adata = ground_truths.load_dataset(spec)
        meta = adata.uns.get("dataset", {})
        info = {"name": spec, "source": f"ground_truths.load_dataset({spec!r})",
                "checksum": meta.get("checksum") if isinstance(meta, dict) else None}
    if adata.n_obs == 0 or adata.n_vars == 0:
        raise BenchmarkError(f"dataset {info['name']!r} is empty ({adata.n_obs} cells x {adata.n_vars} genes)")
    if not adata.var_names.is_unique:
        logger.warning("dataset %s has duplicated gene names; making them unique", info["name"])
        adata.var_names_make_unique()
    info["organism"] = dataset_organism(adata)
    info["n_cells_total"] = int(adata.n_obs)
    info["n_genes_total"] = int(adata.n_vars)
    return adata, info


# --------------------------------------------------------------------------------------------- cells and genes
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


def expression_matrix(adata) -> tuple[Any, bool, str]:
    """The matrix methods get: ``.X`` if it holds counts, else ``layers["counts"]`` if that does, else ``.X``.

    Returns the matrix, whether it holds counts and where it came from (``"X"`` or ``"layers['counts']"``).
    """
    if is_counts(adata.X):
        return adata.X, True, "X"
    if "counts" in adata.layers and is_counts(adata.layers["counts"]):
        return adata.layers["counts"], True, "layers['counts']"
    return adata.X, False, "X"


def _input_sha256(x, genes: Sequence[str], cells: Sequence[str], totals: np.ndarray | None) -> str:
    """sha256 of exactly what a method gets: the cell totals, gene and cell names, the values (canonical CSR)."""
    total_bytes = b"" if totals is None else np.asarray(totals, dtype=np.float64).tobytes()
    return matrix_sha256(x, total_bytes, genes, cells, dtype=np.float32)


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

    @property
    def organism(self) -> str:
        return self.info["organism"]

    @property
    def context(self) -> dict:
        """Organism, cell line and cell type of the dataset (None where unknown)."""
        return self.info["context"]

    def provenance(self) -> dict:
        """What a result records about its input data."""
        return {
            "name": self.dataset,
            "source": self.info.get("source"),
            "checksum": self.info.get("checksum"),
            "input_sha256": self.input_sha256,
            "organism": self.organism,
            "context": self.context,
            "matrix": self.info.get("matrix"),
            "counts": self.counts,
            "n_cells": self.adata.n_obs,
            "n_genes": self.adata.n_vars,
            "n_cells_total": self.info.get("n_cells_total"),
            "n_genes_total": self.info.get("n_genes_total"),
        }


def _cell_groups(adata, celltype_key: str | None) -> list[tuple[str | None, np.ndarray]]:
    """``(label, cell indices)`` per cell type with at least :data:`MIN_CELLS` cells (one group without a key)."""
    if celltype_key is None:
        return [(None, np.arange(adata.n_obs))]
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
    return groups


def prepare_groups(
    adata, info: dict, *, celltype_key: str | None, n_cells: int | None, n_genes: int | None, seed: int
) -> list[PreparedData]:
    """Split by cell type, sample cells and select genes (see the module docstring); one entry per group."""
    x, counts, where = expression_matrix(adata)
    context = dataset_context(adata, info["organism"])
    # Each cell's depth over ALL genes, taken before any gene subset (None when the matrix is not counts).
    all_totals = np.asarray(x.sum(axis=1), dtype=np.float64).ravel() if counts else None
    out = []
    for label, idx in _cell_groups(adata, celltype_key):
        cells = idx[sample_cells(idx.size, n_cells, seed)]
        totals = None if all_totals is None else all_totals[cells]
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
        if totals is not None:
            sub.obs["total_counts"] = totals
        # .h5ad cannot store None: unknown context fields are left out.
        sub.uns["dataset"] = {"name": info["name"], "organism": info["organism"],
                              "context": {k: v for k, v in context.items() if v is not None}}
        out.append(PreparedData(
            dataset=info["name"],
            celltype=label,
            adata=sub,
            counts=counts,
            info={**info, "context": context, "matrix": where, "counts": counts, "n_cells": int(sub.n_obs),
                  "n_genes": int(sub.n_vars)},
            input_sha256=_input_sha256(xs, sub.var_names, sub.obs_names, totals),
        ))
    return out
