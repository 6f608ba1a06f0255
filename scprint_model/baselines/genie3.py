"""GENIE3 (Huynh-Thu et al. 2010, PLoS ONE): gene networks from per-target tree-ensemble feature importances.

For every target gene j, an ensemble of regression trees predicts the target's expression (scaled to unit variance,
as in the original) from the regulators' expression (the target itself excluded); the regulators' impurity-decrease
importances, normalised to sum to 1, are the scores of the edges regulator -> j. In the returned matrix that
importance vector is COLUMN j (rows = regulators, columns = targets).

Input: cells x genes log-normalised expression (counts per cell scaled to 1e4, then ``log1p``).

Speed: targets run in parallel (:mod:`.targets`: joblib loky locally, or Dask workers), each fitting its trees
single-threaded; the data are converted to float32 once and shared. Each target gets its own seed, spawned from
``seed`` with :class:`numpy.random.SeedSequence`, so the result is identical whatever ``n_jobs``, batch size or
scheduler.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from grnndata._checks import check_expression

from .progress import Progress
from .targets import run_targets

TREE_METHODS = ("RF", "ET")


def _n_features(max_features, n_regressors: int) -> int:
    if isinstance(max_features, str):
        if max_features == "sqrt":
            return max(1, int(math.sqrt(n_regressors)))
        if max_features in ("all", "auto"):
            return n_regressors
        if max_features == "log2":
            return max(1, int(math.log2(n_regressors)))
        raise ValueError(f"max_features must be 'sqrt', 'log2', 'all', an int or a fraction, got {max_features!r}")
    if isinstance(max_features, (bool, np.bool_)):
        raise TypeError("max_features must be 'sqrt', 'log2', 'all', an int or a fraction, not a bool")
    if isinstance(max_features, (int, np.integer)):
        if max_features < 1:
            raise ValueError(f"max_features must be >= 1, got {max_features}")
        return min(int(max_features), n_regressors)
    if isinstance(max_features, (float, np.floating)):
        if not 0.0 < max_features <= 1.0:
            raise ValueError(f"a fractional max_features must be in (0, 1], got {max_features}")
        return max(1, int(max_features * n_regressors))
    raise TypeError(f"max_features must be 'sqrt', 'log2', 'all', an int or a fraction, got {max_features!r}")


_INT32_MAX = np.iinfo(np.int32).max


def _tree_api():
    """scikit-learn's Cython tree builders, or None when this scikit-learn version does not expose them."""
    try:
        from sklearn.tree._criterion import MSE
        from sklearn.tree._splitter import BestSplitter, RandomSplitter
        from sklearn.tree._tree import DepthFirstTreeBuilder, Tree
    except ImportError:  # pragma: no cover - private API moved
        return None
    return MSE, BestSplitter, RandomSplitter, DepthFirstTreeBuilder, Tree


def forest_importances(
    x: np.ndarray, y: np.ndarray, *, n_trees: int, tree_method: str, max_features: int, min_samples_leaf: int,
    seed: int,
) -> np.ndarray:
    """Unnormalised impurity importances of a tree ensemble, averaged over trees (the original GENIE3 quantity).

    Numerically identical to ``RandomForestRegressor`` / ``ExtraTreesRegressor(random_state=seed)`` followed by
    ``mean(tree_.compute_feature_importances(normalize=False))``: the same per-tree seeds, bootstrap draws and
    splitters are used, but trees are built directly with scikit-learn's Cython builders, skipping the per-tree
    estimator construction, validation and thread-pool dispatch that dominate small fits.

    ``x`` must be float32 Fortran-ordered (cells x regressors), ``y`` the target (float64).
    """
    api = _tree_api()
    n, p = x.shape
    if api is None:  # pragma: no cover - fall back on the public estimators
        from sklearn.ensemble import ExtraTreesRegressor, RandomForestRegressor

        cls = RandomForestRegressor if tree_method == "RF" else ExtraTreesRegressor
        est = cls(n_estimators=n_trees, max_features=max_features, min_samples_leaf=min_samples_leaf,
                  bootstrap=tree_method == "RF", random_state=seed, n_jobs=1).fit(x, y)
        return np.mean([t.tree_.compute_feature_importances(normalize=False) for t in est.estimators_], axis=0)
    MSE, BestSplitter, RandomSplitter, DepthFirstTreeBuilder, Tree = api
    splitter_cls = BestSplitter if tree_method == "RF" else RandomSplitter
    y2 = np.ascontiguousarray(np.asarray(y, dtype=np.float64).reshape(-1, 1))
    n_classes = np.ones(1, dtype=np.intp)
    min_samples_split = max(2, 2 * min_samples_leaf)
    # Same seed stream as sklearn's forests: one int per tree drawn from RandomState(seed).
    master = np.random.RandomState(seed)
    tree_seeds = [master.randint(_INT32_MAX) for _ in range(n_trees)]
    total = np.zeros(p, dtype=np.float64)
    for tree_seed in tree_seeds:
        if tree_method == "RF":
            # Bootstrap as sample counts used as weights, exactly as sklearn's forests do.
            draws = np.random.RandomState(tree_seed).randint(0, n, n)
            weight = np.bincount(draws, minlength=n).astype(np.float64)
        else:
            weight = None
        splitter = splitter_cls(MSE(1, n), max_features, min_samples_leaf, 0.0, np.random.RandomState(tree_seed),
                                None)
        tree = Tree(p, n_classes, 1)
        DepthFirstTreeBuilder(splitter, min_samples_split, min_samples_leaf, 0.0, _INT32_MAX, 0.0).build(
            tree, x, y2, weight, None
        )
        total += tree.compute_feature_importances(normalize=False)
    return total / n_trees


def genie3_kernel(x: np.ndarray, y: np.ndarray, seed: int, *, n_trees: int, tree_method: str, max_features,
                  min_samples_leaf: int) -> np.ndarray:
    """Importances of the regulators ``x`` (cells x regulators) for one target ``y``, normalised to sum to 1."""
    imp = forest_importances(np.asfortranarray(x), y / y.std(), n_trees=n_trees, tree_method=tree_method,
                             max_features=_n_features(max_features, x.shape[1]), min_samples_leaf=min_samples_leaf,
                             seed=seed)
    total = imp.sum()
    return imp / total if total > 0 else imp


def genie3(
    x: np.ndarray,
    *,
    regulators: Sequence[bool] | Sequence[int] | None = None,
    n_trees: int = 100,
    tree_method: str = "RF",
    max_features: str | int | float = "sqrt",
    min_samples_leaf: int = 1,
    seed: int | None = 0,
    n_jobs: int = -1,
    scheduler=None,
    batch_size: int | None = None,
    progress: Progress = None,
) -> np.ndarray:
    """GENIE3 importance network.

    Parameters
    ----------
    x
        Cells x genes log-normalised expression.
    regulators
        Boolean mask or integer indices of the genes allowed to regulate (e.g. TFs); ``None`` = all genes.
        Rows of non-regulators are zero.
    n_trees
        Trees per target (100, as in the scPRINT benchmark; the original GENIE3 used 1000).
    tree_method
        ``"RF"`` (random forest, bootstrap) or ``"ET"`` (extra-trees, no bootstrap), as in the original code.
    max_features
        Regulators drawn at each split: ``"sqrt"`` (default) of the number of regulators, ``"log2"``, ``"all"``, an
        int or a fraction.
    min_samples_leaf
        Minimum cells per leaf (1: fully grown trees, the original setting).
    seed
        Seed; every target gets a child seed of it.
    n_jobs
        Local worker processes (-1 = all cores); ignored when ``scheduler`` is given.
    scheduler
        Dask scheduler address (``"tcp://host:8786"``) or ``distributed.Client``: batches run on that cluster.
    batch_size
        Targets per task (default: enough batches to balance the workers).
    progress
        Callback ``progress(event, info)`` called after every batch of targets (``info``: ``done``, ``total``);
        ``True`` logs them, ``False`` / ``None`` reports nothing.

    Returns
    -------
    ``(genes, genes)`` float32 matrix, ``scores[i, j]`` = importance of regulator i for target j; each non-constant
    target's column sums to 1; the diagonal is 0.
    """
    x = np.asarray(check_expression(np.asarray(x), method="GENIE3"))
    n_genes = x.shape[1]
    if tree_method not in TREE_METHODS:
        raise ValueError(f"tree_method must be one of {TREE_METHODS}, got {tree_method!r}")
    if int(n_trees) < 1:
        raise ValueError(f"n_trees must be >= 1, got {n_trees}")
    _n_features(max_features, max(1, n_genes - 1))  # validate early, before spawning workers

    # Column-major float32 once: the tree splitters read one feature (column) at a time, in float32.
    x = np.asfortranarray(x, dtype=np.float32)
    params = dict(n_trees=int(n_trees), tree_method=tree_method, max_features=max_features,
                  min_samples_leaf=int(min_samples_leaf))
    return run_targets(genie3_kernel, x, regulators, params, seed=seed, n_jobs=n_jobs, scheduler=scheduler,
                       batch_size=batch_size, progress=progress, event="genie3")
