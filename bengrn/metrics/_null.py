"""Permutation null of the truth labels within the universe, reusing the one sort of the scores.

A permutation of the labels puts the P positives on P uniformly random positions of the fixed ranking. Tied entries are
interchangeable, so only which tied block (a range of positions) each positive lands in matters: one draw is P random
positions, sorted (O(P log P)), mapped to their scores and tied blocks of the sorted scores, and the registered
metrics follow from the resulting :class:`~bengrn.metrics._ranking.Groups` - no new sort of the universe.
"""
from __future__ import annotations

import numpy as np

from ._ranking import Groups, Ranking
from ._registry import METRICS

#: Metrics that get a null (mean, sd, z, empirical p).
NULL_METRICS = ("auprc", "ap", "auroc", "odds_ratio", "epr")


def draw_positions(rng: np.random.Generator, n_universe: int, n_positives: int) -> np.ndarray:
    """P distinct uniformly random positions of the ascending ranking (0 = lowest score), ascending."""
    return np.sort(rng.choice(n_universe, n_positives, replace=False, shuffle=False))


class _PositionMap:
    """Universe position -> index into ``sorted_scores``, skipping the excluded entries.

    Tied entries are interchangeable, so the excluded occurrences of a value are taken as the LAST ones of its block of
    ``sorted_scores``; the universe is then ``sorted_scores`` minus a few ranges, and a position is shifted by the
    lengths of the ranges before it.
    """

    def __init__(self, rk: Ranking) -> None:
        self.n_bottom = rk.n_bottom
        x = rk.excluded
        if x.size == 0:
            self.starts = None
            return
        starts = np.concatenate([[0], np.flatnonzero(x[1:] != x[:-1]) + 1])
        lengths = np.diff(np.append(starts, x.size))
        range_ends = np.searchsorted(rk.sorted_scores, x[starts], side="right")
        shift = np.concatenate([[0], np.cumsum(lengths)])
        self.starts = range_ends - lengths - shift[:-1]  # each removed range's start, in universe positions
        self.shift = shift

    def __call__(self, q: np.ndarray) -> np.ndarray:
        """Indices into ``sorted_scores`` of the present universe positions ``q`` (ascending, bottom block removed)."""
        if self.starts is None:
            return q
        return q + self.shift[np.searchsorted(self.starts, q, side="right")]


def _block_bounds(s: np.ndarray, idx: np.ndarray, max_scan: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """``[lo, hi)`` of the tied block of ascending ``s`` around each index: a few neighbour steps settle the short
    blocks (binary search in a large array is cache-bound, ~0.5 us a key), binary search the rest."""
    v = s[idx]
    lo, hi = idx.copy(), idx + 1
    # First step on whole arrays: most blocks are single entries. Then only the keys still inside a tie move on.
    down = np.flatnonzero((s[np.maximum(idx - 1, 0)] == v) & (idx > 0))  # keys whose block extends below lo
    up = np.flatnonzero((s[np.minimum(hi, s.size - 1)] == v) & (hi < s.size))  # ... above hi
    for _ in range(max_scan):
        lo[down] -= 1
        down = down[lo[down] > 0]
        down = down[s[lo[down] - 1] == v[down]]
        hi[up] += 1
        up = up[hi[up] < s.size]
        up = up[s[hi[up]] == v[up]]
        if down.size == 0 and up.size == 0:
            break
    lo[down] = np.searchsorted(s, v[down], side="left")
    hi[up] = np.searchsorted(s, v[up], side="right")
    return lo, hi


def random_groups(rk: Ranking, positions: np.ndarray, index_of: _PositionMap) -> Groups:
    """The :class:`Groups` of a labelling whose positives sit at ``positions`` (ascending) of the ranking."""
    n_bottom_pos = int(np.searchsorted(positions, rk.n_bottom))
    idx = index_of(positions[n_bottom_pos:] - rk.n_bottom)
    vals = rk.sorted_scores[idx]  # ascending, because positions are
    first = np.flatnonzero(np.concatenate([[True], vals[1:] != vals[:-1]])) if vals.size else idx[:0]
    p = np.diff(np.append(first, vals.size)).astype(np.int64)
    lo, hi = _block_bounds(rk.sorted_scores, idx[first])
    u, x = vals[first], rk.excluded
    if x.size:  # the excluded entries of each block are not in the universe; few blocks hold any
        below = np.searchsorted(x, u, side="left")
        upto = below.copy()
        hit = np.flatnonzero(x[np.minimum(below, x.size - 1)] == u)
        upto[hit] = np.searchsorted(x, u[hit], side="right")
        lo, hi = lo - below, hi - upto
    above, tied, p = (rk.n_present - hi)[::-1], (hi - lo)[::-1], p[::-1]
    if n_bottom_pos:
        above = np.append(above, rk.n_present)
        tied = np.append(tied, rk.n_bottom)
        p = np.append(p, n_bottom_pos)
    return Groups(above=above, tied=tied, pos=p, n_universe=rk.n_universe)


def null_draws(rk: Ranking, n_null: int, seed: int) -> dict[str, np.ndarray]:
    """``n_null`` seeded permutation draws of each of :data:`NULL_METRICS`."""
    rng = np.random.default_rng(seed)
    index_of = _PositionMap(rk)
    draws = {m: np.empty(n_null) for m in NULL_METRICS}
    for b in range(n_null):  # a loop over permutations (each vectorised over its P positives)
        g = random_groups(rk, draw_positions(rng, rk.n_universe, rk.n_positives), index_of)
        for m in NULL_METRICS:
            draws[m][b] = METRICS[m](g)
    return draws


def summarize(observed: dict, draws: dict[str, np.ndarray]) -> dict:
    """``{m}_null_mean``, ``{m}_null_sd`` (ddof 1), ``{m}_z`` and the one-sided empirical ``{m}_p`` (+1 corrected)."""
    out = {}
    for m, d in draws.items():
        obs = observed[m]
        with np.errstate(invalid="ignore", divide="ignore"):
            if np.all(d == d[0]):  # e.g. a constant network: exactly no spread (np.std would leave rounding noise)
                mean, sd = float(d[0]), 0.0
            else:
                mean, sd = float(np.mean(d)), float(np.std(d, ddof=1))
            z = (obs - mean) / sd if sd > 0 else float("nan")
        out[f"{m}_null_mean"] = mean
        out[f"{m}_null_sd"] = sd
        out[f"{m}_z"] = float(z)
        out[f"{m}_p"] = float((1 + np.count_nonzero(d >= obs)) / (d.size + 1))
    return out
