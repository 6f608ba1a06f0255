"""benGRN 1.3.2 names (and ``enrichment``, the one name of GRnnData 1.3.2's ``grnndata.utils`` that needs bengrn) on this suite's API.

Scripts written for benGRN 1.3.2 / scPRINT 2.3.8 run unchanged: ``BenGRN``, ``get_GT_db``, ``get_sroy_gt``,
``get_perturb_gt``, ``train_classifier``, ``compute_genie3``, ``FILEDIR`` (also importable from ``bengrn`` and
``bengrn.base``). Each call emits one ``FutureWarning`` naming the current API; numbers come from
:func:`bengrn.evaluate` / :func:`bengrn.align` (definitions and differences from 1.3.2: docs/compat.md). Nothing is
written into site-packages: data come from ``ground_truths`` (mirror or verified cache).

The names are loaded on first use (module ``__getattr__``, which ``bengrn`` re-exports), so ``import bengrn`` does
not import grnndata, anndata or scikit-learn for them.
"""
from __future__ import annotations

import importlib
import os
from typing import Any

#: name -> submodule defining it
_MODULES = {
    "BenGRN": "_benchmark", "HeadClassifier": "_methods", "compute_genie3": "_methods", "train_classifier": "_methods",
    "get_GT_db": "_truths", "get_perturb_gt": "_truths", "get_sroy_gt": "_truths", "enrichment": "_grnutils",
}
#: 1.3.2's package folder constant (read-only here: nothing of this suite writes into it).
FILEDIR = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
NAME = "bengrn"

__all__ = ["FILEDIR", "NAME", *_MODULES]


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        value = getattr(importlib.import_module(f"{__name__}.{_MODULES[name]}"), name)
    elif name in ("FILEDIR", "NAME"):  # reached when bengrn re-exports this __getattr__
        return globals()[name]
    else:
        raise AttributeError(f"module 'bengrn' has no attribute {name!r} (nor among its benGRN 1.3.2 names)")
    globals()[name] = value
    return value
