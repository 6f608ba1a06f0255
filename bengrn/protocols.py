"""Scoring protocols: how one network is scored against one aligned truth, over which universe.

- :func:`score`: every metric of :func:`bengrn.metrics.evaluate` over one universe (``truth``: the truth's assayed
  regulators x measured targets, the masks of :func:`bengrn.align`; ``beeline``: truth regulators x truth genes;
  ``tf``: a TF list's rows; ``all``), with its permutation null and flags, plus the precision-recall curve for the
  plots, all from one sort.
- :func:`score_selected_heads`: the held-out head selection of scPRINT (``--heads select``): heads are chosen with
  ``scprint_model.select_heads`` on half of the truth's regulators and the mean of the chosen heads is scored on the
  other half's rows of the universe only; random scores on the very same rows are the held-out control.

Both take plain data (a network matrix or GRnnData, a boolean truth matrix, gene names, the alignment stats, masks)
so that any caller (the runner, ``bengrn score``, a notebook) can use them.
"""
from __future__ import annotations

import time
from typing import NamedTuple, Sequence

import numpy as np
import scipy.sparse as sp

import scprint_model  # cheap: its submodules (and torch) load on first use
from bengrn import metrics
from bengrn.errors import BenchmarkError
from bengrn.metrics import UNIVERSES
from bengrn.plots import downsample_curve

__all__ = ["UNIVERSES", "HELDOUT_RANDOM", "Score", "network_matrix", "universe_options", "score", "score_selected_heads",
           "universe_summary", "heldout_control", "flag_context_mismatch"]


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


def universe_options(universe: str, *, stats: dict | None = None, tf_mask: np.ndarray | None = None) -> dict:
    """The keyword arguments of :func:`bengrn.metrics.evaluate` that select ``universe``.

    ``stats`` are the alignment stats (their ``regulators`` / ``targets`` masks define ``truth``); ``tf_mask`` the TF
    rows of ``tf``.
    """
    if universe not in UNIVERSES:
        raise BenchmarkError(f"unknown universe {universe!r}; valid: {', '.join(UNIVERSES)}")
    if universe == "truth":
        return {"universe": "truth", "regulators": stats["regulators"], "targets": stats["targets"]}
    if universe == "tf":
        if tf_mask is None:
            raise BenchmarkError("universe 'tf' needs the TF rows (tf_mask)")
        return {"universe": "tf", "tf_only": tf_mask}
    return {"universe": universe}


def score(network, truth, *, genes: Sequence[str], universe: str = "truth", stats: dict | None = None,
          tf_mask: np.ndarray | None = None, n_null: int = 0, seed: int = 0, transpose: bool = False,
          curve: bool = True) -> Score:
    """Score ``network`` (regulator i -> target j) against the boolean ``truth`` over the same ``genes``.

    ``universe`` / ``stats`` / ``tf_mask``: see :func:`universe_options`; ``n_null`` label permutations (seeded by
    ``seed``) give each headline metric its null mean, sd, z and p; ``transpose`` scores ``network.T``.
    """
    kwargs = {"genes": list(genes), "self_loops": False, "transpose": transpose, "n_null": n_null, "seed": seed,
              **universe_options(universe, stats=stats, tf_mask=tf_mask)}
    started = time.perf_counter()
    if curve:
        # One sort of the universe gives the metrics, the null and the curve.
        result, (precision, recall, _) = metrics.evaluate(network, truth, return_curve=True, **kwargs)
        pr = downsample_curve(precision, recall)
    else:
        result, pr = metrics.evaluate(network, truth, **kwargs), None
    seconds = time.perf_counter() - started
    return Score(result, pr, seconds, {})


def _heldout_rows(universe: str, truth: sp.csr_matrix, stats: dict | None, tf_mask: np.ndarray | None):
    """``evaluate`` options of ``universe`` restricted to a mask of held-out regulator rows (a function of the mask).

    Without a universe-level row restriction in ``evaluate``, the restricted universes are written as explicit
    regulator x target masks of the ``truth`` universe; the universe's name is put back on the result.
    """
    if universe == "tf":
        return lambda held: {"universe": "tf", "tf_only": held & tf_mask}
    if universe == "truth":
        return lambda held: {"universe": "truth", "regulators": held & stats["regulators"],
                             "targets": stats["targets"]}
    if universe == "beeline":
        # BEELINE's target genes: the genes incident to a truth edge (self-loops excluded).
        coo = truth.tocoo()
        edge = coo.row != coo.col
        genes = np.zeros(truth.shape[0], dtype=bool)
        genes[coo.row[edge]] = True
        genes[coo.col[edge]] = True
        return lambda held: {"universe": "truth", "regulators": held, "targets": genes}
    return lambda held: {"universe": "truth", "regulators": held, "targets": None}


def score_selected_heads(net, truth, *, genes: Sequence[str], universe: str = "truth", stats: dict | None = None,
                         tf_mask: np.ndarray | None = None, n_null: int = 0, seed: int = 0,
                         transpose: bool = False) -> Score:
    """Held-out head selection (see the module docstring); ``net`` is a GRnnData with the per-head stack ``"heads"``.

    With ``transpose`` the selection is fitted on the transposed heads, the orientation that is scored. Returns the
    held-out metrics of the selected heads; :attr:`Score.details` holds the selection and, under ``heldout_other``,
    the held-out metrics of the all-heads mean, the best single head and random scores.
    """
    if "heads" not in net.network_keys:
        raise BenchmarkError("--heads select needs the per-head stack (network key 'heads') that scprint stores")
    stack = np.asarray(net.network("heads"))
    if transpose:
        stack = stack.transpose(1, 0, 2)  # fitted, and scored, as network.T
    truth = sp.csr_matrix(truth, dtype=bool)
    genes = list(genes)
    rows = _heldout_rows(universe, truth, stats, tf_mask)

    def evaluate(network, truth_, tf_only=None):
        # select_heads passes the held-out regulators as the tf_only mask. The candidate networks are in the scored
        # orientation; evaluate(network.T, transpose=True) scores the same pairs and records the transpose.
        result = metrics.evaluate(network.T if transpose else network, truth_, genes=genes, self_loops=False,
                                  transpose=transpose, n_null=n_null, seed=seed,
                                  **rows(np.asarray(tf_only, dtype=bool)))
        return {**result, "universe": universe}

    started = time.perf_counter()
    selection = scprint_model.select_heads(stack, truth, split="regulator", seed=seed, evaluate=evaluate)
    seconds = time.perf_counter() - started
    details = selection.to_dict()
    held = dict(details.pop("metrics"))
    result = dict(held.pop("selected"))
    details["heldout_other"] = held  # mean of all heads, best single head, random: same held-out rows
    return Score(result, None, seconds, details)


#: Method name of the held-out protocol's random control row (random scores on the very same held-out rows).
HELDOUT_RANDOM = "random (held-out)"


def universe_summary(result: dict, n_aligned: int, *, heldout: bool = False) -> dict:
    """What a result records about its universe: name, size and the aligned truth edges it left out."""
    return {
        "name": result["universe"],
        "heldout": heldout,
        "n_regulators": result["n_regulators"],
        "n_targets": result["n_targets"],
        "n_pairs": result["n_universe"],
        "n_truth_edges_aligned": int(n_aligned),
        "n_truth_edges_removed": int(n_aligned) - int(result["n_positives"]),
    }


def heldout_control(run: dict) -> dict:
    """The random control row of a held-out head-selection run: same truth, same held-out rows, same universe."""
    provenance = dict(run["provenance"])
    selection = provenance.pop("head_selection")
    provenance["timings"] = {"inference_s": None, "evaluation_s": None, "network_reused": None}
    result = selection["heldout_other"]["random"]
    n_aligned = run["universe"]["n_truth_edges_aligned"]
    return {
        "method": HELDOUT_RANDOM, "truth": run["truth"], "dataset": run["dataset"], "celltype": run["celltype"],
        "universe": universe_summary(result, n_aligned, heldout=True), "metrics": result, "control_of": run["method"],
        "provenance": provenance,
    }


def flag_context_mismatch(result: Score) -> None:
    """Add the ``context_mismatch`` flag to a result (and to the held-out protocol's other rows)."""
    for metrics_ in (result.metrics, *result.details.get("heldout_other", {}).values()):
        metrics_["flags"] = [*metrics_["flags"], "context_mismatch"]
