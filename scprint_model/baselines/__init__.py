"""Baseline network inference methods: GENIE3, GRNBoost2, DeepSEM and the controls (random, |Pearson|, |Spearman|).

All functions here work on plain matrices (cells x genes) and return gene x gene score matrices in the suite's
orientation: ``scores[i, j]`` scores the edge regulator i -> target j (rows = regulators, columns = targets).
The AnnData -> GRnnData wrappers, with their options and metadata, live in :mod:`bengrn.methods`.
Importing this package is cheap: scikit-learn's tree builders and torch are imported inside the functions.
"""
from __future__ import annotations

from .controls import abs_pearson, abs_spearman, random_scores
from .deepsem import deepsem
from .genie3 import genie3
from .grnboost2 import grnboost2
from .preprocess import zscore

__all__ = ["abs_pearson", "abs_spearman", "random_scores", "zscore", "genie3", "grnboost2", "deepsem"]
