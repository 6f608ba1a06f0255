"""The registry's declarations agree with the functions they describe, and infer passes progress through."""
from __future__ import annotations

import inspect

import anndata as ad
import numpy as np
import pandas as pd
import pytest

from bengrn import methods
from bengrn.methods.registry import _get


@pytest.fixture
def adata():
    rng = np.random.default_rng(3)
    counts = rng.poisson(rng.gamma(2.0, 3.0, size=(50, 6))).astype(np.float32)
    return ad.AnnData(X=counts, var=pd.DataFrame(index=["SOX2", "POU5F1", "NANOG", "GAPDH", "ACTB", "MYC"]))


def _keyword_defaults(func) -> dict:
    return {p.name: p.default for p in inspect.signature(func).parameters.values()
            if p.kind is inspect.Parameter.KEYWORD_ONLY}


@pytest.mark.parametrize("name", ["random", "correlation", "spearman", "genie3", "genie3-tf", "grnboost2", "grnboost2-tf",
                                  "deepsem"])
def test_declared_defaults_are_the_function_defaults(name):
    method = _get(name)
    declared = {k: o.default for k, o in method.options.items()}
    assert _keyword_defaults(method.func) == declared


def test_scprint_declarations_match_scprint_model_infer_network():
    """scprint forwards **options: its declarations must be infer_network's keyword options, defaults included."""
    from scprint_model.network import infer_network

    declared = {k: o.default for k, o in _get("scprint").options.items() if k not in ("seed", "progress")}
    actual = {k: v for k, v in _keyword_defaults(infer_network).items() if k not in ("seed", "progress")}
    assert declared == actual


def test_infer_passes_the_progress_callback_to_genie3(adata):
    events = []
    methods.infer("genie3", adata, n_trees=2, n_jobs=1, progress=lambda e, i: events.append((e, i["done"], i["total"])))
    assert events and events[-1] == ("genie3", 6, 6)


def test_info_lists_option_declarations():
    specs = {s["name"]: s for s in methods.info("genie3")["option_specs"]}
    assert specs["n_trees"]["expected"] == "an integer >= 1" and specs["n_trees"]["changes_result"]
    assert not specs["n_jobs"]["changes_result"] and not specs["scheduler"]["changes_result"]
    assert methods.info("genie3")["source"] == "builtin"
