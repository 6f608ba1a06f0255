"""Evaluation universes: which (regulator, target) pairs a network is scored on.

=========  =============================================================================================================
``truth``  the truth's own protocol: assayed ``regulators`` x measurable ``targets`` (the masks of
           :func:`bengrn.align`); without masks, the rows holding at least one truth edge x every gene (default)
``beeline`` truth regulators x truth genes, as BEELINE's early-precision code (``TFEdges=True``): rows with at least one
           truth edge x genes incident to a truth edge
``tf``     the ``tf_only`` rows (a TF list) x every gene
``all``    every gene x every gene
=========  =============================================================================================================

Self-loops are excluded from every universe unless ``self_loops=True``.
"""
from __future__ import annotations

import numpy as np

UNIVERSES = ("truth", "beeline", "tf", "all")


def check_universe(universe: str | None, *, tf_only, regulators, targets) -> str:
    """Resolve the universe name (None -> ``tf`` when ``tf_only`` is given, else ``truth``) and check that every
    mask passed belongs to it."""
    if universe is None:
        universe = "tf" if tf_only is not None else "truth"
    if universe not in UNIVERSES:
        raise ValueError(f"universe must be one of {UNIVERSES}, got {universe!r}")
    if universe == "tf" and tf_only is None:
        raise ValueError("universe='tf' needs tf_only= (the TF names or a boolean mask over genes)")
    if tf_only is not None and universe != "tf":
        raise ValueError(f"tf_only= selects the rows of universe='tf', not {universe!r}; drop it or pass universe='tf'")
    if (regulators is not None or targets is not None) and universe != "truth":
        raise ValueError(
            f"regulators=/targets= are the truth's protocol (universe='truth'), not {universe!r}; drop them or pass "
            "universe='truth'"
        )
    return universe


def universe_masks(universe: str, *, n: int, t_rows: np.ndarray, t_cols: np.ndarray, regulators, targets, tf_only,
                   self_loops: bool) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(rows mask, columns mask) over genes of the universe, None meaning every gene; masks already checked."""
    if universe == "all":
        return None, None
    if universe == "tf":
        return tf_only, None
    edge = np.ones(t_rows.size, dtype=bool) if self_loops else t_rows != t_cols
    if universe == "beeline":
        genes = np.zeros(n, dtype=bool)
        genes[t_rows[edge]] = True
        genes[t_cols[edge]] = True
        return _has_edge(t_rows[edge], n), genes
    if regulators is None:  # the truth's regulators: rows with at least one edge to a measured target
        inside = edge if targets is None else edge & targets[t_cols]
        regulators = _has_edge(t_rows[inside], n)
    return regulators, targets


def _has_edge(rows: np.ndarray, n: int) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    mask[rows] = True
    return mask
