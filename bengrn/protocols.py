"""Scoring protocols: how one network is scored against one aligned truth.

- :func:`score`: every metric of :func:`bengrn.metrics.evaluate` over the universe (all regulators, or the
  ``regulators`` mask), plus the precision-recall curve for the plots.
- :func:`score_selected_heads`: the held-out head selection of scPRINT (``--heads select``): heads are chosen with
  ``scprint_model.select_heads`` on half of the truth's regulators and the mean of the chosen heads is scored on the
  rows of the other half only.

Both take plain data (a network matrix or GRnnData, a boolean truth matrix, gene names, masks) so that any caller (the
runner, ``bengrn score``, a notebook) can use them.
"""
from __future__ import annotations

import time
from typing import NamedTuple, Sequence

import numpy as np
import scipy.sparse as sp

import scprint_model  # cheap: its submodules (and torch) load on first use
from bengrn import metrics
from bengrn.errors import BenchmarkError
from bengrn.plots import downsample_curve

__all__ = ["Score", "network_matrix", "score", "score_selected_heads"]


class Score(NamedTuple):
    """Metrics of one (network, truth) pair, the downsampled PR curve (or None), the scoring time and protocol details
    (the head selection for the held-out protocol, else empty)."""

    metrics: dict
    curve: dict | None
    seconds: float
    details: dict


def network_matrix(net, key: str = "GRN"):
    """The ``key`` network of a GRnnData as a dense array or a scipy sparse matrix."""
    m = net.network(key)
    return m if sp.issparse(m) else np.asarray(m)


def score(network, truth, *, genes: Sequence[str], regulators: np.ndarray | None = None,
          transpose: bool = False, curve: bool = True) -> Score:
    """Score ``network`` (regulator i -> target j) against the boolean ``truth`` over the same ``genes``.

    ``regulators`` restricts the universe's rows (boolean mask over ``genes``); ``transpose`` scores ``network.T``.
    """
    kwargs = {"genes": list(genes), "tf_only": regulators, "self_loops": False, "transpose": transpose}
    started = time.perf_counter()
    if curve:
        # One sort of the universe gives the metrics and the curve.
        result, (precision, recall, _) = metrics.evaluate(network, truth, return_curve=True, **kwargs)
        pr = downsample_curve(precision, recall)
    else:
        result, pr = metrics.evaluate(network, truth, **kwargs), None
    seconds = time.perf_counter() - started
    return Score(result, pr, seconds, {})


def score_selected_heads(net, truth, *, genes: Sequence[str], regulators: np.ndarray | None = None,
                         transpose: bool = False, seed: int = 0) -> Score:
    """Held-out head selection (see the module docstring); ``net`` is a GRnnData with the per-head stack ``"heads"``.

    Returns the held-out metrics of the selected heads; :attr:`Score.details` holds the selection and, under
    ``heldout_other``, the held-out metrics of the all-heads mean, the best single head and random scores.
    """
    if "heads" not in net.network_keys:
        raise BenchmarkError("--heads select needs the per-head stack (network key 'heads') that scprint stores")
    stack = np.asarray(net.network("heads"))
    genes = list(genes)

    def evaluate(network, truth_, tf_only=None):
        # select_heads passes the held-out regulators as a mask; --tf-only further restricts them to TFs.
        mask = tf_only if regulators is None else (regulators if tf_only is None else np.asarray(tf_only) & regulators)
        return metrics.evaluate(network, truth_, genes=genes, tf_only=mask, self_loops=False, transpose=transpose)

    started = time.perf_counter()
    selection = scprint_model.select_heads(stack, truth, split="regulator", seed=seed, evaluate=evaluate)
    seconds = time.perf_counter() - started
    details = selection.to_dict()
    held = dict(details.pop("metrics"))
    result = dict(held.pop("selected"))
    details["heldout_other"] = held  # mean of all heads, best single head, random: same held-out rows
    return Score(result, None, seconds, details)
