"""What the built-in methods share: the input check, the expression matrix, TF masks and the output GRnnData."""
from __future__ import annotations

import logging
import time
from typing import Sequence

import numpy as np
import scipy.sparse as sp

import ground_truths
from ground_truths.ids import symbol_key
from grnndata import GRnnData
from grnndata._json import to_jsonable
from bengrn.prepare import is_counts, log_normalize

logger = logging.getLogger(__name__)

__all__ = ["expression", "resolve_tfs", "wrap"]


def expression(adata, normalize: bool | str) -> np.ndarray:
    """Dense float32 cells x genes log-normalised matrix.

    ``normalize="auto"`` normalises non-negative integer matrices (raw counts) and uses anything else as given
    (already normalised, e.g. the BEELINE THP1 qRT-PCR values).
    """
    if adata.X is None:
        raise ValueError("adata.X is empty; methods read raw counts from .X")
    if normalize not in (True, False, "auto"):
        raise ValueError(f"normalize must be True, False or 'auto', got {normalize!r}")
    if normalize == "auto":
        normalize = is_counts(adata.X)
        if not normalize:
            logger.info("adata.X is not integer counts: using it as already-normalised expression")
    if normalize:
        # each cell's depth over ALL genes of its dataset when the runner recorded it (a subset has less)
        totals = adata.obs["total_counts"].to_numpy() if "total_counts" in adata.obs else None
        return log_normalize(adata.X, totals=totals)
    x = adata.X.toarray() if sp.issparse(adata.X) else np.asarray(adata.X)
    x = x.astype(np.float32, copy=False)
    if not np.all(np.isfinite(x)):
        raise ValueError("adata.X contains NaN or infinite values")
    return x


def resolve_tfs(genes: Sequence[str], tf_list, organism: str) -> tuple[np.ndarray, str]:
    """Boolean regulator mask over ``genes`` and a short description of where the TFs came from.

    Symbols match through :func:`ground_truths.ids.symbol_key` (case-insensitive), so mouse ``Sox2`` matches
    ``SOX2``-style lists and vice versa.
    """
    if tf_list is None:
        tf_list = ground_truths.tf_list(organism)
        source = f"ground_truths.tf_list({organism!r})"
    elif isinstance(tf_list, str):
        raise TypeError("tf_list must be a list of gene symbols, not a single string")
    else:
        source = "user list"
    tfs = symbol_key(list(tf_list)).unique()
    mask = np.asarray(symbol_key(genes).isin(tfs), dtype=bool)
    if not mask.any():
        raise ValueError(
            f"none of the {len(genes)} genes is in the TF list ({source}, {len(tfs)} TFs); "
            "check that var_names are gene symbols of the right organism (organism=) or pass tf_list="
        )
    return mask, f"{source}: {int(mask.sum())} of {len(genes)} genes"


def wrap(matrix: np.ndarray, adata, method: str, parameters: dict, started: float, **extra) -> GRnnData:
    """The method's output: a GRnnData over ``adata``'s genes, key ``"GRN"``, with JSON-safe provenance metadata."""
    metadata = {
        "method": method,
        "parameters": to_jsonable(parameters),
        "n_cells": int(adata.n_obs),
        "n_genes": int(adata.n_vars),
        "runtime_seconds": round(time.perf_counter() - started, 3),
    }
    metadata.update(to_jsonable(extra))
    return GRnnData.from_matrix(np.asarray(matrix, dtype=np.float32), list(map(str, adata.var_names)), key="GRN",
                                metadata=metadata)
