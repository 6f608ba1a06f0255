"""Attention-head selection against a partial ground truth (scPRINT's supervised head selection).

A ridge classifier (RidgeClassifier(alpha=1, positive=True, fit_intercept=False, class_weight="balanced")) is fit on
the heads' scores of the TRAINING part of the truth (features = heads, samples = ordered gene pairs, label = edge);
heads with a positive coefficient are kept and averaged without weights. Scores are reported only on the HELD-OUT
part, which the fit never sees. Splits: ``"regulator"`` (default; the truth's regulators are split, a regulator's
whole row goes to one side) or ``"edge"`` (candidate pairs of the regulators' rows split at random).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import RidgeClassifier
from sklearn.metrics import average_precision_score, roc_auc_score

log = logging.getLogger(__name__)


@dataclass
class HeadSelection:
    """Result of :func:`select_heads`. ``metrics`` holds held-out scores for "selected", "mean" (all heads),
    "best_head" (the single head with the best TRAIN average precision) and "random" (uniform random scores)."""

    selected: list[int]
    coefficients: np.ndarray
    best_head: int
    no_positive: bool
    split: str
    metrics: dict
    info: dict = field(default_factory=dict)

    def network(self, stack: np.ndarray) -> np.ndarray:
        """Unweighted mean of the selected heads (all heads if none had a positive weight)."""
        return np.asarray(stack)[:, :, self.selected].mean(axis=2)

    def to_dict(self) -> dict:
        return {"selected": [int(h) for h in self.selected], "coefficients": [float(c) for c in self.coefficients],
                "best_head": int(self.best_head), "no_positive": bool(self.no_positive), "split": self.split,
                "metrics": self.metrics, **self.info}


def heldout_metrics(scores: np.ndarray, labels: np.ndarray) -> dict:
    """AUPRC (average precision), AUROC, and precision / odds ratio among the top K = #positives pairs."""
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels, dtype=bool)
    n, pos = labels.size, int(labels.sum())
    out = {"n_pairs": int(n), "n_positives": pos, "prevalence": pos / n if n else float("nan")}
    if pos == 0 or pos == n:
        return {**out, "auprc": float("nan"), "auroc": float("nan"), "odds_ratio": float("nan"),
                "precision_at_k": float("nan"), "k": pos}
    k = pos
    top = np.zeros(n, dtype=bool)
    top[np.argsort(-scores, kind="stable")[:k]] = True
    tp = float((top & labels).sum())
    fp, fn = k - tp, pos - tp
    tn = n - k - fn
    cells = np.array([tp, fp, fn, tn])
    if (cells == 0).any():  # Haldane-Anscombe correction keeps the ratio finite
        cells = cells + 0.5
    return {**out, "auprc": float(average_precision_score(labels, scores)),
            "auroc": float(roc_auc_score(labels, scores)),
            "odds_ratio": float(cells[0] * cells[3] / (cells[1] * cells[2])),
            "precision_at_k": tp / k, "k": k}


def _split(truth: np.ndarray, split: str, train_fraction: float, rng: np.random.Generator):
    """Flat indices of (train, held-out) candidate pairs, plus the held-out regulator mask (regulator split)."""
    g = truth.shape[0]
    regulators = np.flatnonzero(truth.any(axis=1))
    if len(regulators) < 2:
        raise ValueError(f"the truth has {len(regulators)} regulator(s) with edges among these genes; need >= 2")

    def rows_pairs(rows):
        rows = np.asarray(rows)
        flat = (rows[:, None] * g + np.arange(g)[None, :]).ravel()
        return flat[(flat // g) != (flat % g)]  # self-loops are never candidates

    if split == "regulator":
        perm = rng.permutation(regulators)
        n_train = int(np.clip(round(train_fraction * len(perm)), 1, len(perm) - 1))
        train_r, test_r = np.sort(perm[:n_train]), np.sort(perm[n_train:])
        mask = np.zeros(g, dtype=bool)
        mask[test_r] = True
        return rows_pairs(train_r), rows_pairs(test_r), mask, {"train_regulators": train_r.tolist(),
                                                               "heldout_regulators": test_r.tolist()}
    if split == "edge":
        flat = rows_pairs(regulators)
        is_train = rng.random(len(flat)) < train_fraction
        return flat[is_train], flat[~is_train], None, {}
    raise ValueError(f"split must be 'regulator' or 'edge', got {split!r}")


def select_heads(stack: np.ndarray, truth, *, split: str = "regulator", seed: int = 0, train_fraction: float = 0.5,
                 max_pairs: int = 2_000_000, evaluate: Callable | None = None) -> HeadSelection:
    """Select informative attention heads on part of a truth and score them on the rest.

    Parameters
    ----------
    stack
        (genes, genes, heads) per-head scores, rows = regulators (key "heads" of :func:`infer_network`).
    truth
        (genes, genes) boolean adjacency over the same genes, rows = regulators (dense or scipy sparse).
    split
        "regulator" or "edge" (see module docstring).
    seed
        split and negative subsampling.
    train_fraction
        fraction of regulators (or candidate pairs) used for fitting.
    max_pairs
        cap on training pairs: all positives are kept, negatives are subsampled (seeded) above it.
    evaluate
        optional ``evaluate(network, truth, tf_only=mask) -> dict`` (e.g. ``bengrn.metrics.evaluate``) used for the
        held-out scores with the regulator split (the mask selects the held-out regulators' rows). Otherwise (and for
        the edge split) :func:`heldout_metrics` is used on the held-out pairs.
    """
    stack = np.asarray(stack)
    if stack.ndim != 3 or stack.shape[0] != stack.shape[1]:
        raise ValueError(f"stack must have shape (genes, genes, heads), got {stack.shape}")
    g, _, n_heads = stack.shape
    truth = truth.toarray() if sp.issparse(truth) else np.asarray(truth)
    if truth.shape != (g, g):
        raise ValueError(f"truth has shape {truth.shape}, stack is over {g} genes; align the truth to the same genes")
    truth = truth.astype(bool)
    if not 0 < train_fraction < 1:
        raise ValueError("train_fraction must be in (0, 1)")
    rng = np.random.default_rng(seed)
    train, test, test_mask, info = _split(truth, split, train_fraction, rng)
    flat_truth = truth.reshape(-1)
    flat_stack = stack.reshape(g * g, n_heads)

    # ---- fit on the training pairs only ----
    y = flat_truth[train]
    if y.sum() == 0:
        raise ValueError("no true edge in the training part; use more regulators or a larger train_fraction")
    if len(train) > max_pairs:
        pos, neg = train[y], train[~y]
        neg = rng.choice(neg, size=max(max_pairs - len(pos), 1), replace=False)
        train = np.sort(np.concatenate([pos, neg]))
        y = flat_truth[train]
    x = flat_stack[train].astype(np.float64)
    # Standardise each head on the training pairs. Attention scores are all positive: without centring, a fit with
    # positive weights and no intercept cannot offset that baseline and keeps only the single strongest head; the
    # scaling makes alpha=1 mean the same for every head.
    center, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    clf = RidgeClassifier(alpha=1.0, positive=True, fit_intercept=False, class_weight="balanced")
    clf.fit((x - center) / scale, y)
    coef = clf.coef_.ravel()
    selected = [int(h) for h in np.flatnonzero(coef > 0)]
    no_positive = not selected
    if no_positive:
        log.warning("select_heads: no head got a positive weight; falling back to the mean of all heads")
        selected = list(range(n_heads))
    train_ap = np.array([average_precision_score(y, x[:, h]) if np.ptp(x[:, h]) > 0 else 0.0 for h in range(n_heads)])
    best = int(np.argmax(train_ap))

    # ---- score on the held-out part only ----
    candidates = {
        "selected": stack[:, :, selected].mean(axis=2),
        "mean": stack.mean(axis=2),
        "best_head": stack[:, :, best],
        "random": rng.random((g, g)),
    }
    if evaluate is not None and split == "regulator":
        metrics = {k: dict(evaluate(v, truth, tf_only=test_mask)) for k, v in candidates.items()}
    else:
        if evaluate is not None:
            log.info("select_heads: evaluate= is only used with split='regulator'; using held-out pair metrics")
        labels = flat_truth[test]
        metrics = {k: heldout_metrics(v.reshape(-1)[test], labels) for k, v in candidates.items()}
    info.update({"n_train_pairs": int(len(train)), "n_train_positives": int(y.sum()),
                 "n_heldout_pairs": int(len(test)), "train_ap_per_head": train_ap.tolist(), "seed": seed,
                 "train_fraction": train_fraction})
    return HeadSelection(selected=selected, coefficients=coef, best_head=best, no_positive=no_positive, split=split,
                         metrics=metrics, info=info)
