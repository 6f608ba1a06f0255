"""Checks of a benchmark's loaded inputs, once, at the edge: the dataset against the truths it is scored on.

The validators live in :mod:`grnndata._checks` (scikit-learn's ``check_array`` idea); this module applies them with
the suite's symbol rule (:func:`ground_truths.ids.symbol_key`) and turns their errors into
:class:`~bengrn.errors.BenchmarkError`, so that the CLI shows one clear line (exit 2) before any gene is selected.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from bengrn.errors import BenchmarkError
from grnndata._checks import check_dataset
from ground_truths.ids import symbol_key

__all__ = ["check_loaded_dataset"]


def check_loaded_dataset(adata: Any, name: str, truths: Sequence[Any] = ()) -> Any:
    """Refuse a dataset whose gene names differ only by case, whose ``.X`` holds NaN or negative counts, or that is
    transposed (genes as obs) relative to the genes of ``truths`` (objects with an ``edges`` table).
    """
    reference = None
    if truths:
        reference = np.unique(np.concatenate([t.edges[c].astype(str).to_numpy() for t in truths
                                              for c in ("source", "target")]))
    try:
        return check_dataset(adata, name=f"dataset {name!r}", reference=reference, key=symbol_key)
    except (ValueError, TypeError) as exc:
        raise BenchmarkError(str(exc)) from exc
