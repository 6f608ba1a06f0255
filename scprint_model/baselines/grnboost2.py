"""GRNBoost2 (Moerman et al. 2019, Bioinformatics 35:2159; arboreto 0.1.6): per-target stochastic gradient boosting.

For every target gene j, gradient boosting with squared error predicts the target's expression (not rescaled) from
the regulators' expression (j itself excluded): learning rate 0.01, up to 5,000 depth-3 regression trees, each split
drawing 10% of the regulators (``max_features=0.1``), each tree fitted on a random 90% of the cells
(``subsample=0.9``). Boosting stops early once the mean out-of-bag improvement over the last 25 stages is negative
(arboreto's ``EarlyStopMonitor``). Importances are arboreto's: the impurity importances of the ensemble normalised to
sum to 1, multiplied by the number of trees fitted, so a target whose model kept improving longer weighs more. That
vector is COLUMN j of the returned matrix (rows = regulators).

Out-of-bag improvement (``oob_improvement``): ``"stage"`` (default) is the loss decrease of each stage on the cells
left out of that stage's subsample, the definition arboreto was written and published with (scikit-learn < 1.3);
``"sklearn"`` is what scikit-learn >= 1.3 stores in ``oob_improvement_`` and arboreto therefore uses today: the
previous stage's out-of-bag loss (on *its* subsample) minus this stage's (on another one). The window mean of the
latter telescopes to the difference of two losses on different random 10% subsets, which mostly stops boosting at
about 25 trees (measured in docs/methods.md).

Each target's model is the model of :class:`sklearn.ensemble.GradientBoostingRegressor` with arboreto's parameters
and the early-stopping monitor, i.e. exactly arboreto's model, built stage by stage with scikit-learn's Cython tree
builder (:func:`boost`; tested equal to the estimator). (A LightGBM engine was measured and not kept: at equal
settings it lost AUPRC on planted data and was not faster at this size; docs/methods.md.)

Targets run in parallel over local processes or a Dask cluster (:mod:`.targets`, as GENIE3); each target's seed is
spawned from ``seed``, so results do not depend on ``n_jobs``, batch size or scheduler. (arboreto gives every target
the same seed; per-target seeds keep targets independent.)
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from grnndata._checks import check_expression

from .progress import Progress
from .targets import run_targets

__all__ = ["grnboost2", "grnboost2_kernel", "EarlyStopWindow", "OOB_IMPROVEMENTS", "ARBORETO"]

#: arboreto's GRNBoost2 profile (SGBM_KWARGS, EARLY_STOP_WINDOW_LENGTH); depth 3 is scikit-learn's default.
ARBORETO = {"learning_rate": 0.01, "max_trees": 5000, "max_features": 0.1, "subsample": 0.9, "max_depth": 3,
            "window": 25}
OOB_IMPROVEMENTS = ("stage", "sklearn")


class EarlyStopWindow:
    """``GradientBoostingRegressor`` monitor: stop when the mean out-of-bag improvement of the last ``window``
    stages is negative (arboreto's ``EarlyStopMonitor``), with improvements per ``rule`` (see the module docstring).

    ``improvements`` keeps the per-stage values (the ones the rule averaged).
    """

    def __init__(self, window: int = 25, rule: str = "stage"):
        if rule not in OOB_IMPROVEMENTS:
            raise ValueError(f"oob_improvement must be one of {OOB_IMPROVEMENTS}, got {rule!r}")
        self.window, self.rule = int(window), rule
        self.improvements: list[float] = []
        self._before: np.ndarray | None = None

    def __call__(self, i: int, estimator, frame: dict) -> bool:
        if self.rule == "sklearn" or i == 0:  # stage 0: both rules compare with the initial prediction
            improvement = float(estimator.oob_improvement_[i])
        else:
            # scikit-learn's fitting loop hands the monitor its local variables: this stage's mask and predictions.
            y, raw, mask = frame["y"], frame["raw_predictions"].ravel(), frame["sample_mask"]
            oob = ~mask
            improvement = float(np.mean((y[oob] - self._before[oob]) ** 2) - np.mean((y[oob] - raw[oob]) ** 2))
        if self.rule == "stage":
            self._before = frame["raw_predictions"].ravel().copy()
        self.improvements.append(improvement)
        return stop_now(self.improvements, self.window)


def stop_now(improvements: Sequence[float], window: int) -> bool:
    """arboreto's rule after stage ``i = len(improvements) - 1``: the last ``window`` improvements average below 0."""
    return len(improvements) >= window and float(np.mean(improvements[-window:])) < 0


def arboreto_importances(importances: np.ndarray, n_trees: int) -> np.ndarray:
    """Importances normalised to sum to 1 (zeros stay zeros), times the number of trees fitted (arboreto)."""
    total = importances.sum()
    return importances / total * n_trees if total > 0 else np.zeros_like(importances, dtype=np.float64)


def _sklearn_internals():
    """scikit-learn's boosting and tree building blocks, or None when this version does not expose them."""
    try:
        from sklearn.ensemble._gradient_boosting import _random_sample_mask
        from sklearn.tree._criterion import MSE
        from sklearn.tree._splitter import BestSplitter
        from sklearn.tree._tree import DepthFirstTreeBuilder, Tree
    except ImportError:  # pragma: no cover - private API moved
        return None
    return _random_sample_mask, MSE, BestSplitter, DepthFirstTreeBuilder, Tree


def boost(x: np.ndarray, y: np.ndarray, seed: int, *, learning_rate: float, max_trees: int, max_features: float,
          subsample: float, max_depth: int, window: int, oob_improvement: str) -> tuple[np.ndarray, int]:
    """Impurity importances (any scale) and number of stages of one target's early-stopped boosting.

    Numerically the model of ``GradientBoostingRegressor(random_state=seed, ...)`` stopped by
    :class:`EarlyStopWindow`: the same random stream (subsample masks and splitter seeds drawn in the same order from
    ``RandomState(seed)``), the same splitter and tree builder, the same residuals and leaf updates; but each stage
    calls scikit-learn's Cython tree builder directly, skipping the estimator construction, parameter validation and
    loss objects that cost more than a small tree. ``x`` is float32 (cells x regulators), ``y`` float64.
    """
    internals = _sklearn_internals()
    if internals is None:  # pragma: no cover - fall back on the public estimator
        from sklearn.ensemble import GradientBoostingRegressor

        est = GradientBoostingRegressor(loss="squared_error", learning_rate=learning_rate, n_estimators=max_trees,
                                        max_features=max_features, subsample=subsample, max_depth=max_depth,
                                        random_state=seed).fit(x, y, monitor=EarlyStopWindow(window, oob_improvement))
        return est.feature_importances_, len(est.estimators_)
    random_sample_mask, MSE, BestSplitter, DepthFirstTreeBuilder, Tree = internals
    n, p = x.shape
    rng = np.random.RandomState(seed)
    n_inbag = max(1, int(subsample * n))
    n_features = max(1, int(max_features * p))
    n_classes = np.ones(1, dtype=np.intp)
    raw = np.full(n, np.mean(y))
    total = np.zeros(p)
    n_relevant = 0
    improvements: list[float] = []
    previous = None
    for _ in range(max_trees):
        inbag = random_sample_mask(n, n_inbag, rng)
        out = ~inbag
        if previous is None or oob_improvement == "stage":
            previous = np.mean((raw[out] - y[out]) ** 2)  # this mask's out-of-bag loss before the stage
        residual = (y - raw).reshape(-1, 1)  # the negative gradient of the squared error
        splitter = BestSplitter(MSE(1, n), n_features, 1, 0.0, rng, None)
        tree = Tree(p, n_classes, 1)
        DepthFirstTreeBuilder(splitter, 2, 1, 0.0, max_depth, 0.0).build(tree, x, residual, inbag.astype(np.float64),
                                                                          None)
        raw += learning_rate * tree.value[:, 0, 0].take(tree.apply(x))
        if tree.node_count > 1:
            total += tree.compute_feature_importances(normalize=False)
            n_relevant += 1
        loss = np.mean((raw[out] - y[out]) ** 2)
        improvements.append(float(previous - loss))
        previous = loss
        if stop_now(improvements, window):
            break
    return total / max(n_relevant, 1), len(improvements)


def grnboost2_kernel(x: np.ndarray, y: np.ndarray, seed: int, **params) -> np.ndarray:
    """arboreto importances of the regulators ``x`` (cells x regulators) for one target ``y`` (see :func:`boost`)."""
    importances, n_trees = boost(x, y, seed, **params)
    return arboreto_importances(importances, n_trees)


def grnboost2(
    x: np.ndarray,
    *,
    regulators: Sequence[bool] | Sequence[int] | None = None,
    oob_improvement: str = "stage",
    max_trees: int = ARBORETO["max_trees"],
    window: int = ARBORETO["window"],
    seed: int | None = 0,
    n_jobs: int = -1,
    scheduler=None,
    batch_size: int | None = None,
    progress: Progress = None,
) -> np.ndarray:
    """GRNBoost2 importance network (see the module docstring).

    Parameters
    ----------
    x
        Cells x genes log-normalised expression.
    regulators
        Boolean mask or integer indices of the genes allowed to regulate (e.g. TFs); ``None`` = all genes. Rows of
        non-regulators and of constant genes are zero.
    oob_improvement
        ``"stage"`` or ``"sklearn"``: how the out-of-bag improvement of a stage is measured.
    max_trees, window
        At most ``max_trees`` stages (5,000); early-stopping window (25 stages).
    seed
        Seed; every target gets a child seed of it.
    n_jobs, scheduler, batch_size
        Parallelism over targets, as :func:`~scprint_model.baselines.genie3.genie3`.
    progress
        Callback ``progress("grnboost2", {"done", "total"})`` after every batch of targets; ``True`` logs it.

    Returns
    -------
    ``(genes, genes)`` float32 matrix, ``scores[i, j]`` = importance of regulator i for target j; each non-constant
    target's column sums to the number of trees its model kept; the diagonal is 0.
    """
    x = np.asarray(check_expression(np.asarray(x), method="GRNBoost2"))
    if oob_improvement not in OOB_IMPROVEMENTS:
        raise ValueError(f"oob_improvement must be one of {OOB_IMPROVEMENTS}, got {oob_improvement!r}")
    for name, value in (("max_trees", max_trees), ("window", window)):
        if isinstance(value, bool) or int(value) != value or value < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    x = np.ascontiguousarray(x, dtype=np.float32)  # scikit-learn's boosting works on float32 (C order builds faster)
    params = {**ARBORETO, "oob_improvement": oob_improvement, "max_trees": int(max_trees), "window": int(window)}
    return run_targets(grnboost2_kernel, x, regulators, params, seed=seed, n_jobs=n_jobs, scheduler=scheduler,
                       batch_size=batch_size, progress=progress, event="grnboost2")
