"""Input checks of :func:`bengrn.metrics.evaluate`: one validator per input kind, each raising an error that names the
object, the problem and the fix (scikit-learn ``check_array`` style)."""
from __future__ import annotations

import sys
from typing import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ground_truths.ids import symbol_key


def unwrap_network(network, genes):
    """A ``GRnnData`` gives its ``"GRN"`` network and its genes; anything else passes through unchanged."""
    # A GRnnData can only exist once grnndata.core is imported; importing it here would put anndata on the path of
    # ``import bengrn``.
    core = sys.modules.get("grnndata.core")
    if core is not None and isinstance(network, core.GRnnData):
        key = core.DEFAULT_KEY
        if key not in network.network_keys:
            raise ValueError(
                f"the GRnnData has no {key!r} network (it has {network.network_keys}); pass one matrix, e.g. "
                "evaluate(grn.network(key), truth, genes=grn.genes)"
            )
        if genes is not None and not pd.Index(np.asarray(genes, dtype=object)).equals(network.genes):
            raise ValueError("genes= differs from the GRnnData's genes; omit genes= (the GRnnData carries them)")
        return network.network(key), network.genes
    anndata = sys.modules.get("anndata")
    if anndata is not None and isinstance(network, anndata.AnnData):
        raise TypeError(
            "network is an AnnData; wrap it as grnndata.GRnnData(adata) (scored: its varp['GRN']) or pass the matrix "
            "and genes= directly"
        )
    return network, genes


def check_n_null(n_null) -> int:
    """The number of null permutations: an integer >= 0."""
    if isinstance(n_null, bool) or not isinstance(n_null, (int, np.integer)) or n_null < 0:
        raise ValueError(f"n_null must be an integer >= 0 (0 = no null), got {n_null!r}")
    return int(n_null)


def check_matrix(x, name: str):
    """Return ``x`` as a 2-D ndarray or a scipy sparse matrix/array, with a clear error otherwise."""
    if sp.issparse(x):
        if x.ndim != 2:
            raise ValueError(f"{name} must be 2-D, got shape {x.shape}")
        return x
    if isinstance(x, pd.DataFrame):
        if {"source", "target"} <= set(map(str, x.columns)):
            raise TypeError(
                f"{name} looks like an edge table (source/target columns); turn it into a matrix over the network's "
                "genes with bengrn.align(edges, genes) first"
            )
        x = x.to_numpy()
    try:
        arr = np.asarray(x)
    except Exception as err:  # pragma: no cover - exotic inputs
        raise TypeError(f"{name} must be a numpy array or scipy sparse matrix, got {type(x).__name__}") from err
    if arr.dtype == object or np.iscomplexobj(arr):
        raise TypeError(
            f"{name} must be real numeric, got dtype {arr.dtype}; convert it with np.asarray(..., dtype=float)"
        )
    if arr.ndim != 2:
        hint = "; select one head of a per-head stack first (stack[:, :, h] or stack.mean(-1))" if arr.ndim == 3 else ""
        raise ValueError(f"{name} must be a 2-D gene x gene matrix, got shape {arr.shape}{hint}")
    return arr


def check_pair(network, truth) -> int:
    """Check that network and truth are square and of one shape; return the number of genes."""
    n_rows, n_cols = network.shape
    if n_rows != n_cols:
        raise ValueError(f"network must be square (genes x genes), got shape {network.shape}")
    if n_rows == 0:
        raise ValueError("network is empty (0 genes)")
    if truth.shape != network.shape:
        raise ValueError(
            f"truth has shape {truth.shape} but network has shape {network.shape}; align the truth to the network's "
            "genes first with bengrn.align(truth_edges, genes)"
        )
    return int(n_rows)


def check_genes(genes: Sequence[str] | None, n: int) -> Sequence[str] | None:
    """``genes`` must name every row/column of the network."""
    if genes is not None and len(genes) != n:
        raise ValueError(f"genes has {len(genes)} entries but the network has {n} genes")
    return genes


def check_gene_mask(spec, genes, n: int, name: str, what: str = "regulator") -> np.ndarray | None:
    """A boolean mask over genes from ``spec`` (names matched by ``symbol_key``, or a mask); None stays None."""
    if spec is None:
        return None
    if isinstance(spec, str):
        raise TypeError(f"{name} must be a list of gene names or a boolean mask, not a single string")
    if isinstance(spec, (set, frozenset, dict)):
        spec = sorted(map(str, spec))
    arr = np.asarray(spec)
    if arr.dtype == bool:
        if arr.shape != (n,):
            raise ValueError(f"{name} boolean mask has shape {arr.shape}, expected ({n},) (one entry per gene)")
        mask = arr.copy()
    else:
        if genes is None:
            raise ValueError(f"{name} given as names needs genes= (the gene symbols of the network's rows/columns)")
        mask = np.asarray(symbol_key(genes).isin(symbol_key(arr.ravel())))
    if not mask.any():
        example = list(arr.ravel()[:5]) if arr.dtype != bool else []
        raise ValueError(
            f"{name} selects no {what} among the network's genes"
            + (f" (first names given: {example}; first genes: {list(np.asarray(genes)[:5])})" if example else "")
            + f"; check the gene symbols (human vs mouse?) or pass {name}=None"
        )
    return mask


def canonical_csr(x) -> sp.csr_matrix:
    """CSR with unique entries and sorted indices; the input is copied only when it is not already canonical."""
    if x.format == "csr" and x.has_canonical_format:
        return x if isinstance(x, sp.csr_matrix) else sp.csr_matrix(x)  # csr_array -> csr_matrix shares the buffers
    out = sp.csr_matrix(x, copy=True)
    out.sum_duplicates()
    return out


def truth_positives(truth) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols) of the truth's edges (nonzero entries), unique, in the truth's orientation."""
    if sp.issparse(truth):
        t = canonical_csr(truth)
        if not t.data.all():
            t = t.copy()
            t.eliminate_zeros()
        coo = t.tocoo()
        if coo.data.dtype != bool and not np.isfinite(coo.data).all():
            raise ValueError("truth contains NaN/inf values; it must be a boolean (0/1) matrix")
        return coo.row.astype(np.int64), coo.col.astype(np.int64)
    arr = np.asarray(truth)
    if arr.dtype != bool and not np.isfinite(arr).all():
        raise ValueError("truth contains NaN/inf values; it must be a boolean (0/1) matrix")
    r, c = np.nonzero(arr)
    return r.astype(np.int64), c.astype(np.int64)


def check_numeric(dtype: np.dtype) -> None:
    """Scores must be numbers (bool counts as 0/1)."""
    if not (np.issubdtype(dtype, np.number) or dtype == bool):
        raise TypeError(f"network must be numeric, got dtype {dtype}")


def check_finite_sorted(sorted_scores: np.ndarray, excluded: np.ndarray) -> None:
    """Raise if a universe score is NaN/inf; ``sorted_scores`` is sorted, so only its ends need a look."""
    if sorted_scores.size == 0 or not np.issubdtype(sorted_scores.dtype, np.floating):
        return
    if np.isfinite(sorted_scores[0]) and np.isfinite(sorted_scores[-1]):
        return
    # NaN sorts after +inf, so the non-finite entries sit at both ends.
    n_bad = int(np.searchsorted(sorted_scores, -np.inf, side="right")) + int(
        sorted_scores.size - np.searchsorted(sorted_scores, np.inf, side="left")
    )
    n_bad_excluded = int(np.count_nonzero(~np.isfinite(excluded)))
    if n_bad > n_bad_excluded:
        raise ValueError(
            f"network has {n_bad - n_bad_excluded} NaN/inf scores inside the evaluation universe; "
            "replace them (e.g. np.nan_to_num(network, nan=0.0, posinf=..., neginf=...)) or fix the method"
        )
