"""Align a reference edge table to a network's genes: a sparse boolean truth matrix (rows = regulators).

Symbol rule (documented in docs/metrics.md): gene symbols are compared through ``ground_truths.ids.symbol_key``
(stripped, upper-cased) on both sides, so ``Sox2`` in a mouse truth matches ``SOX2`` in the network and vice versa.
If the network holds two genes that differ only by case (or exact duplicates), matching would be ambiguous, so
:func:`align` raises a ValueError naming them.
"""
from __future__ import annotations

import logging
from typing import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ground_truths.ids import symbol_key

logger = logging.getLogger(__name__)

__all__ = ["align", "protocol_masks"]


def _sorted_unique(a: np.ndarray) -> np.ndarray:
    """Sorted distinct values (np.unique's hash path is slow on large int arrays in numpy 2.x)."""
    a = np.sort(a)
    if a.size == 0:
        return a
    return a[np.concatenate([[True], a[1:] != a[:-1]])]


def protocol_masks(protocol: dict | None, genes_key: pd.Index, rows: np.ndarray,
                   cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Boolean masks over the network's genes of the truth's assayed regulators and measurable targets.

    ``protocol`` is ``truth_edges.attrs["protocol"]`` (``{"regulators": list | None, "targets": list | None, ...}``,
    symbols). ``None`` regulators (or no protocol) = the genes with at least one aligned edge to another gene;
    ``None`` targets = every gene. ``rows``/``cols`` are the aligned edges.
    """
    protocol = protocol or {}
    if protocol.get("regulators") is None:
        regulators = np.zeros(len(genes_key), dtype=bool)
        regulators[rows[rows != cols]] = True
    else:
        regulators = np.asarray(genes_key.isin(symbol_key(protocol["regulators"])))
    if protocol.get("targets") is None:
        targets = np.ones(len(genes_key), dtype=bool)
    else:
        targets = np.asarray(genes_key.isin(symbol_key(protocol["targets"])))
    return regulators, targets


def align(
    truth_edges: pd.DataFrame,
    genes: Sequence[str],
    *,
    source: str = "source",
    target: str = "target",
) -> tuple[sp.csr_matrix, dict]:
    """Turn a reference edge table into a boolean truth matrix over ``genes``.

    Parameters
    ----------
    truth_edges
        DataFrame with ``source`` (regulator) and ``target`` columns, e.g. from ``ground_truths.load``. Undirected
        truths are expected to be expanded both ways already (``ground_truths`` does it); they are not expanded again.
    genes
        The network's gene symbols, in the network's row/column order.
    source, target
        Column names.

    Returns
    -------
    truth : scipy.sparse.csr_matrix of bool, shape (n_genes, n_genes)
        ``truth[i, j]`` is True when the table has the edge genes[i] -> genes[j]. Duplicate edges are collapsed;
        self-loops are kept (``bengrn.metrics.evaluate`` excludes them by default).
    stats : dict
        ``n_truth_edges`` (rows), ``n_truth_edges_unique`` (distinct upper-cased pairs), ``n_edges_aligned``,
        ``n_duplicates_collapsed`` (aligned rows minus aligned distinct edges), ``n_self_loops`` (aligned),
        ``n_truth_genes``, ``n_genes``, ``n_genes_in_common``, ``n_regulators_in_common``, ``n_targets_in_common``,
        ``fraction_covered`` (aligned distinct edges / distinct truth edges), ``directed`` (from
        ``truth_edges.attrs``, None if unknown), ``name``, and the truth's evaluation protocol (from
        ``truth_edges.attrs["protocol"]``, see :func:`protocol_masks`): ``regulators`` and ``targets`` (boolean masks
        over ``genes``, for ``bengrn.evaluate(..., universe="truth")``), ``protocol`` (its name),
        ``n_protocol_regulators``, ``n_protocol_targets`` and ``n_edges_outside_protocol`` (aligned edges whose
        regulator or target lies outside the masks).

    Raises
    ------
    KeyError
        Missing ``source``/``target`` column.
    ValueError
        Ambiguous network genes (case-only duplicates), or no overlap between the truth and the network.
    """
    if not isinstance(truth_edges, pd.DataFrame):
        raise TypeError(f"truth_edges must be a pandas DataFrame with {source!r} and {target!r} columns")
    missing = [c for c in (source, target) if c not in truth_edges.columns]
    if missing:
        raise KeyError(
            f"truth_edges lacks column(s) {missing}; it has {list(truth_edges.columns)[:10]}. "
            f"Rename them or pass source=/target="
        )
    gene_index = pd.Index(np.asarray(genes, dtype=object)).astype(str)
    n = len(gene_index)
    if n == 0:
        raise ValueError("genes is empty")
    genes_up = symbol_key(gene_index)
    if genes_up.has_duplicates:
        dup_mask = genes_up.duplicated(keep=False)
        examples = sorted(gene_index[dup_mask])[:6]
        raise ValueError(
            f"{int(dup_mask.sum())} network genes are duplicated when compared upper-cased (e.g. {examples}); symbols "
            "are matched case-insensitively, so make them unique (drop or rename one of each pair) before aligning"
        )

    # Factorize both columns at once, then take the symbol key of the distinct symbols only; a second (small)
    # factorize merges case variants into one vocabulary of truth genes.
    m = len(truth_edges)
    both = pd.concat([truth_edges[source], truth_edges[target]], ignore_index=True)
    codes, uniques = pd.factorize(both, use_na_sentinel=True)
    up_codes, vocab = pd.factorize(symbol_key(uniques))
    canon = np.append(up_codes, -1)[codes]  # NaN symbols (code -1) stay -1
    src_canon, tgt_canon = canon[:m], canon[m:]
    vocab = pd.Index(vocab)
    vmap = genes_up.get_indexer(vocab)  # vocabulary -> network gene index (-1 = absent)
    src_idx = np.append(vmap, -1)[src_canon]
    tgt_idx = np.append(vmap, -1)[tgt_canon]

    n_truth_genes = len(vocab)
    in_net = vmap >= 0
    n_common = int(in_net.sum())
    is_src = np.zeros(n_truth_genes + 1, dtype=bool)
    is_src[src_canon] = True  # index -1 (NaN) lands on the spare last slot
    is_tgt = np.zeros(n_truth_genes + 1, dtype=bool)
    is_tgt[tgt_canon] = True
    n_reg_common = int((is_src[:-1] & in_net).sum())
    n_tgt_common = int((is_tgt[:-1] & in_net).sum())
    valid = (src_canon >= 0) & (tgt_canon >= 0)
    n_unique_truth = int(_sorted_unique(src_canon[valid].astype(np.int64) * n_truth_genes + tgt_canon[valid]).size)
    ok = (src_idx >= 0) & (tgt_idx >= 0)
    keys = _sorted_unique(src_idx[ok].astype(np.int64) * n + tgt_idx[ok])
    rows, cols = np.divmod(keys, n)
    if keys.size == 0:
        g_ex = list(gene_index[:5])
        t_ex = [str(g) for g in uniques[:5]]  # original spelling: the case often reveals mouse vs human
        what = "no gene" if n_common == 0 else f"{n_common} genes but no edge"
        raise ValueError(
            f"the truth ({len(truth_edges)} edges over {n_truth_genes} genes, e.g. {t_ex}) and the network "
            f"({n} genes, e.g. {g_ex}) share {what}; check the organism (human vs mouse symbols) and the id type "
            "(symbols vs Ensembl ids)"
        )
    # keys are unique and sorted, so the CSR can be built directly (canonical format, no duplicate summing).
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    index_dtype = np.int32 if keys.size < 2**31 and n < 2**31 else np.int64
    truth = sp.csr_matrix(
        (np.ones(keys.size, dtype=bool), cols.astype(index_dtype), indptr.astype(index_dtype)), shape=(n, n)
    )
    protocol = truth_edges.attrs.get("protocol") or {}
    regulators, targets = protocol_masks(protocol, genes_up, rows, cols)
    directed = truth_edges.attrs.get("directed")
    stats = {
        "name": truth_edges.attrs.get("name"),
        "n_truth_edges": int(len(truth_edges)),
        "n_truth_edges_unique": n_unique_truth,
        "n_edges_aligned": int(keys.size),
        "n_duplicates_collapsed": int(ok.sum() - keys.size),
        "n_self_loops": int(np.count_nonzero(rows == cols)),
        "n_truth_genes": int(n_truth_genes),
        "n_genes": int(n),
        "n_genes_in_common": n_common,
        "n_regulators_in_common": n_reg_common,
        "n_targets_in_common": n_tgt_common,
        "fraction_covered": float(keys.size / n_unique_truth) if n_unique_truth else 0.0,
        "directed": None if directed is None else bool(directed),
        "protocol": protocol.get("name"),
        "regulators": regulators,
        "targets": targets,
        "n_protocol_regulators": int(regulators.sum()),
        "n_protocol_targets": int(targets.sum()),
        "n_edges_outside_protocol": int(np.count_nonzero(~(regulators[rows] & targets[cols]))),
    }
    logger.info(
        "aligned %d/%d truth edges onto %d genes (%d in common)", keys.size, n_unique_truth, n, n_common
    )
    return truth, stats
