"""The ranking core: the universe's scores sorted ONCE, and the positives' groups every metric is derived from.

The universe is the set of ordered pairs (i, j) of the scored matrix ``S`` (``network``, or ``network.T`` when
``transpose``) with ``rows[i]``, ``cols[j]`` and, unless ``self_loops``, ``i != j``. Only the multiset of its scores
matters, so it is kept as one ascending array ``sorted_scores`` minus a small ascending multiset ``excluded`` (the
diagonal of a dense network, subtracted from counts instead of copied out) plus ``n_bottom`` entries tied below every
score (the absent entries of a sparse network; a stored zero is no edge, so it counts as absent).

Every metric follows from, for each distinct score ``u`` held by a positive (descending): the number of universe
entries scoring above ``u``, tied at ``u``, and the positives among the tied ones (:class:`Groups`).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ._validation import canonical_csr, check_finite_sorted, check_numeric


@dataclass
class Ranking:
    """Sorted scores of one universe (see the module docstring) and its positives' scores."""

    sorted_scores: np.ndarray
    excluded: np.ndarray
    n_bottom: int
    pos_scores: np.ndarray
    n_pos_bottom: int
    n_universe: int
    n_positives: int
    n_regulators: int
    n_targets: int
    n_genes: int
    n_regulators_with_edges: int
    n_targets_with_edges: int

    @property
    def n_present(self) -> int:
        """Universe entries that hold a score (all but the absent bottom block)."""
        return self.sorted_scores.size - self.excluded.size


@dataclass
class Groups:
    """Per distinct positive score, DESCENDING: universe entries ``above``, entries ``tied``, positives ``pos``."""

    above: np.ndarray
    tied: np.ndarray
    pos: np.ndarray
    n_universe: int

    @functools.cached_property
    def n_positives(self) -> int:
        return int(self.pos.sum())

    @functools.cached_property
    def tp_ge(self) -> np.ndarray:
        """Positives scoring >= each group's score."""
        return np.cumsum(self.pos.astype(np.float64))

    @functools.cached_property
    def tp_gt(self) -> np.ndarray:
        """Positives scoring > each group's score."""
        return self.tp_ge - self.pos

    @functools.cached_property
    def ge(self) -> np.ndarray:
        """Universe entries scoring >= each group's score."""
        return self.above.astype(np.float64) + self.tied

    @functools.cached_property
    def precision(self) -> np.ndarray:
        """Precision of the prediction set 'score >= group score'."""
        return self.tp_ge / self.ge

    @property
    def prevalence(self) -> float:
        return self.n_positives / self.n_universe


def _keep(rows_mask, cols_mask, r: np.ndarray, c: np.ndarray, self_loops: bool) -> np.ndarray:
    """Which pairs (r, c) of the scored orientation lie inside the universe."""
    keep = np.ones(r.size, dtype=bool)
    if rows_mask is not None:
        keep &= rows_mask[r]
    if cols_mask is not None:
        keep &= cols_mask[c]
    if not self_loops:
        keep &= r != c
    return keep


def _dense_universe(network: np.ndarray, rows: np.ndarray | None, cols: np.ndarray | None, transpose: bool):
    """One copy of the universe's block of scores (flattened); only the multiset matters, so a transposed block is
    taken from ``network`` directly (no transposed copy)."""
    if rows is None and cols is None:
        return network.flatten()  # one C-order copy, sorted in place by the caller
    a, b = (cols, rows) if transpose else (rows, cols)  # index sets on network's own rows / columns
    if b is None:
        return np.take(network, a, axis=0).ravel()
    if a is None:
        return np.take(network, b, axis=1).ravel()
    return network[np.ix_(a, b)].ravel()


def build_ranking(network, positives: tuple[np.ndarray, np.ndarray], *, n: int, rows_mask, cols_mask,
                  self_loops: bool, transpose: bool) -> Ranking:
    """Sort the universe's scores once and gather the positives' scores (inputs already checked; ``positives`` =
    the truth's (rows, cols) in the scored orientation)."""
    regs = np.arange(n) if rows_mask is None else np.flatnonzero(rows_mask)
    tgts = np.arange(n) if cols_mask is None else np.flatnonzero(cols_mask)
    both = regs if cols_mask is None else (tgts if rows_mask is None else np.flatnonzero(rows_mask & cols_mask))
    n_universe = regs.size * tgts.size - (0 if self_loops else both.size)

    t_rows, t_cols = positives
    keep = _keep(rows_mask, cols_mask, t_rows, t_cols, self_loops)
    t_rows, t_cols = t_rows[keep], t_cols[keep]
    n_pos = int(t_rows.size)
    if n_pos == 0:
        raise ValueError(
            "the truth has no edge inside the evaluation universe "
            f"({regs.size} regulators x {tgts.size} genes, self_loops={self_loops}); "
            "check gene overlap / the universe / orientation"
        )
    # The scored matrix is S = network.T when transpose=True: S[i, j] = network[j, i].
    net_r, net_c = (t_cols, t_rows) if transpose else (t_rows, t_cols)

    if sp.issparse(network):
        scores, pos_scores, n_present_pos = _sparse_scores(
            network, n, net_r, net_c, rows_mask, cols_mask, self_loops, transpose
        )
        excluded = scores[:0]
        n_bottom = n_universe - scores.size
        n_pos_bottom = n_pos - n_present_pos
    else:
        check_numeric(network.dtype)
        if network.dtype == bool:
            network = network.view(np.uint8)
        rows_idx = None if rows_mask is None else regs
        cols_idx = None if cols_mask is None else tgts
        scores = _dense_universe(network, rows_idx, cols_idx, transpose)
        scores.sort()
        # The diagonal is removed by subtracting its sorted values from the counts, not by copying around it.
        excluded = np.sort(network[both, both]) if not self_loops else scores[:0]
        check_finite_sorted(scores, excluded)
        pos_scores = network[net_r, net_c]
        n_bottom = 0
        n_pos_bottom = 0
    return Ranking(
        sorted_scores=scores,
        excluded=excluded,
        n_bottom=int(n_bottom),
        pos_scores=np.asarray(pos_scores),
        n_pos_bottom=int(n_pos_bottom),
        n_universe=int(n_universe),
        n_positives=n_pos,
        n_regulators=int(regs.size),
        n_targets=int(tgts.size),
        n_genes=int(n),
        n_regulators_with_edges=int(np.count_nonzero(np.bincount(t_rows, minlength=n))),
        n_targets_with_edges=int(np.count_nonzero(np.bincount(t_cols, minlength=n))),
    )


def _sparse_scores(network, n, net_r, net_c, rows_mask, cols_mask, self_loops, transpose):
    """(sorted stored scores inside the universe, positives' stored scores, number of positives stored)."""
    net = canonical_csr(network)
    if net.nnz == 0:
        raise ValueError("network has no stored entries (empty sparse network)")
    coo = net.tocoo()
    rows, cols, vals = coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data
    check_numeric(vals.dtype)
    if not vals.all():  # the zero rule: a stored zero is no edge, so it scores as absent (the input is not modified)
        nonzero = vals != 0
        rows, cols, vals = rows[nonzero], cols[nonzero], vals[nonzero]
        if vals.size == 0:
            raise ValueError("network has no stored entries other than zeros (a zero is no edge)")
    s_rows, s_cols = (cols, rows) if transpose else (rows, cols)
    everything = rows_mask is None and cols_mask is None and self_loops
    inside = None if everything else _keep(rows_mask, cols_mask, s_rows, s_cols, self_loops)
    if np.issubdtype(vals.dtype, np.floating) and not np.isfinite(vals).all():
        bad = ~np.isfinite(vals) if inside is None else ~np.isfinite(vals) & inside
        if bad.any():
            raise ValueError(
                f"network has {int(bad.sum())} NaN/inf stored scores inside the evaluation universe; "
                "replace them (e.g. network.data = np.nan_to_num(network.data)) or fix the method"
            )
    # Canonical CSR keys row*n+col are sorted, so positives are looked up with one searchsorted.
    keys = rows * n + cols
    pos_keys = net_r * n + net_c
    loc = np.minimum(np.searchsorted(keys, pos_keys), keys.size - 1)
    present = keys[loc] == pos_keys
    scores = np.sort(vals) if inside is None else np.sort(vals[inside])
    return scores, vals[loc[present]], int(present.sum())


def counts_at(rk: Ranking, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For thresholds ``u``: (#universe entries scoring > u, #universe entries scoring == u), present entries only."""
    s, x = rk.sorted_scores, rk.excluded
    le = np.searchsorted(s, u, side="right")
    lt = np.searchsorted(s, u, side="left")
    if x.size:
        le = le - np.searchsorted(x, u, side="right")
        lt = lt - np.searchsorted(x, u, side="left")
    above = (rk.n_present - le).astype(np.int64)
    tied = (le - lt).astype(np.int64)
    return above, tied


def positive_groups(rk: Ranking) -> Groups:
    """The :class:`Groups` of the ranking's positives (the absent block, if it holds positives, comes last)."""
    u, p = np.unique(rk.pos_scores, return_counts=True)
    above, tied = counts_at(rk, u)
    above, tied, p = above[::-1], tied[::-1], p[::-1].astype(np.int64)
    if rk.n_pos_bottom:
        # The absent sparse entries form the lowest threshold: everything present scores above them.
        above = np.append(above, rk.n_present)
        tied = np.append(tied, rk.n_bottom)
        p = np.append(p, rk.n_pos_bottom)
    return Groups(above=above, tied=tied, pos=p, n_universe=rk.n_universe)


def distinct_levels(rk: Ranking) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every distinct score of the universe, ascending, with its entry count and positive count (``-inf`` = the
    absent block of a sparse network)."""
    vals, counts = _unique_sorted(rk.sorted_scores)
    if rk.excluded.size:
        # Distinct values of the universe = distinct values of s whose count exceeds the excluded count.
        xv, xc = _unique_sorted(rk.excluded)
        counts = counts - _count_lookup(vals, xv, xc)
        keep = counts > 0
        vals, counts = vals[keep], counts[keep]
    u, p = np.unique(rk.pos_scores, return_counts=True)
    pos_counts = _count_lookup(vals, u, p)
    thresholds = vals.astype(np.float64)
    if rk.n_bottom:
        thresholds = np.concatenate([[-np.inf], thresholds])
        counts = np.concatenate([[rk.n_bottom], counts])
        pos_counts = np.concatenate([[rk.n_pos_bottom], pos_counts])
    return thresholds, counts, pos_counts


def _unique_sorted(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values and counts of an ascending array (no re-sort)."""
    if s.size == 0:
        return s[:0], np.zeros(0, dtype=np.int64)
    starts = np.concatenate([[0], np.flatnonzero(s[1:] != s[:-1]) + 1])
    counts = np.diff(np.append(starts, s.size))
    return s[starts], counts.astype(np.int64)


def _count_lookup(vals: np.ndarray, keys: np.ndarray, key_counts: np.ndarray) -> np.ndarray:
    """Counts of ``vals`` among (keys, key_counts); keys are a subset-multiset of vals, both ascending."""
    out = np.zeros(vals.size, dtype=np.int64)
    if keys.size:
        out[np.searchsorted(vals, keys)] = key_counts
    return out
