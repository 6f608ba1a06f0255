"""Flags: reasons why a benchmark cannot support a verdict, attached to every result (``result["flags"]``).

Context mismatches between a truth and a dataset (organism, cell line / cell type) are added by the runner, which is
the one that knows both.
"""
from __future__ import annotations

from ._ranking import Ranking

MIN_TRUTH_EDGES = 100
MIN_REGULATORS = 5
MIN_EXPECTED_HITS = 5.0

#: flag -> what it means (printed by the CLI beside the result).
FLAGS = {
    "few_truth_edges": f"fewer than {MIN_TRUTH_EDGES} truth edges in the universe",
    "few_regulators": f"fewer than {MIN_REGULATORS} regulators with truth edges in the universe",
    "few_expected_hits": (
        f"fewer than {MIN_EXPECTED_HITS:g} expected hits at K for a random predictor (K * prevalence): odds_ratio and "
        "epr are not informative"
    ),
}


def expected_hits_at_k(rk: Ranking) -> float:
    """A random predictor's expected true positives among the top K = P entries: ``K * P / N``."""
    return rk.n_positives * rk.n_positives / rk.n_universe


def flags_for(rk: Ranking) -> list[str]:
    """The :data:`FLAGS` that apply to a ranking's universe."""
    out = []
    if rk.n_positives < MIN_TRUTH_EDGES:
        out.append("few_truth_edges")
    if rk.n_regulators_with_edges < MIN_REGULATORS:
        out.append("few_regulators")
    if expected_hits_at_k(rk) < MIN_EXPECTED_HITS:
        out.append("few_expected_hits")
    return out
