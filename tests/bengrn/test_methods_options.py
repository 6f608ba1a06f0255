"""Option values are validated from one declaration per option: type, range, choices; errors name method and option."""
from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest

from bengrn import methods
from bengrn.errors import BenchmarkError, UnknownNameError
from bengrn.methods import Option, OptionValueError, UnknownOptionError


@pytest.fixture
def adata():
    rng = np.random.default_rng(1)
    counts = rng.poisson(rng.gamma(2.0, 3.0, size=(40, 6))).astype(np.float32)
    return ad.AnnData(X=counts, var=pd.DataFrame(index=["SOX2", "POU5F1", "NANOG", "GAPDH", "ACTB", "MYC"]))


@pytest.mark.parametrize("value,why", [
    ([5], "list"), ("abc", "str"), (2.5, "float"), (True, "bool"), (0, "int"), (-3, "int"), (float("nan"), "float"),
])
def test_bad_n_trees_names_method_option_value_and_fix(value, why):
    with pytest.raises(OptionValueError) as err:
        methods.validate_options("genie3", {"n_trees": value})
    msg = str(err.value)
    assert f"method 'genie3': option n_trees={value!r} is invalid ({why})" in msg
    assert "expected an integer >= 1" in msg and "--method-option genie3:n_trees=100" in msg
    assert isinstance(err.value, BenchmarkError)  # the CLI turns it into exit 2


def test_integral_floats_are_integers_and_provenance_records_the_validated_value(adata):
    assert methods.validate_options("genie3", {"n_trees": 3.0}) == {"n_trees": 3}
    assert type(methods.validate_options("genie3", {"n_trees": np.int64(4)})["n_trees"]) is int
    net = methods.infer("genie3", adata, n_trees=3.0, n_jobs=1)
    recorded = net.network_metadata()["parameters"]["n_trees"]
    assert recorded == 3 and type(recorded) is int


@pytest.mark.parametrize("value,ok", [
    ("sqrt", True), ("all", True), (3, True), (0.5, True), (1.0, True),
    ("half", False), (0, False), (0.0, False), (1.5, False), (True, False), ([2], False),
])
def test_max_features_choices_ints_and_fractions(value, ok):
    if ok:
        assert methods.validate_options("genie3", {"max_features": value}) == {"max_features": value}
    else:
        with pytest.raises(OptionValueError, match="max_features"):
            methods.validate_options("genie3", {"max_features": value})


def test_other_kinds():
    assert methods.validate_options("deepsem", {"lr": 1}) == {"lr": 1.0}  # an integer is a number
    assert methods.validate_options("correlation", {"normalize": False}) == {"normalize": False}
    assert methods.validate_options("genie3-tf", {"tf_list": ("SOX2", "MYC")}) == {"tf_list": ["SOX2", "MYC"]}
    assert methods.validate_options("deepsem", {"tf_list": "all"}) == {"tf_list": "all"}
    assert methods.validate_options("genie3", {"scheduler": "tcp://127.0.0.1:8786"})["scheduler"].startswith("tcp")
    bad = [("deepsem", "lr", "1e-3"), ("deepsem", "lr", 0.0), ("correlation", "normalize", "yes"),
           ("correlation", "normalize", 1), ("genie3-tf", "tf_list", "SOX2"), ("genie3-tf", "tf_list", [1, 2]),
           ("genie3-tf", "organism", "fly"), ("genie3", "n_jobs", 0), ("genie3", "n_jobs", "abc"),
           ("genie3", "tree_method", "rf"), ("genie3", "seed", -1), ("genie3", "seed", True),
           ("grnboost2", "oob_improvement", "old"), ("grnboost2", "window", 0)]
    for method, name, value in bad:
        with pytest.raises(OptionValueError, match=f"method {method!r}: option {name}="):
            methods.validate_options(method, {name: value})


def test_unknown_option_is_refused_before_any_data_is_looked_at():
    with pytest.raises(UnknownOptionError, match="method 'scprint' got unknown option.*'nope'.*valid options"):
        methods.validate_options("scprint", {"nope": 1})
    # the option check comes first: the (invalid) data is never touched
    with pytest.raises(UnknownOptionError) as err:
        methods.infer("genie3", None, n_tree=3)
    assert isinstance(err.value, TypeError) and isinstance(err.value, UnknownNameError)
    assert err.value.names == ["n_tree"] and "n_trees" in err.value.valid and "seed" not in err.value.valid
    with pytest.raises(OptionValueError, match="n_trees"):
        methods.infer("genie3", None, n_trees="abc")


def test_option_declaration_words():
    assert Option("x", 1, "h", kinds=("int",), low=0, low_open=True, high=1).expected() == "an integer in (0, 1]"
    assert Option("x", None, "h", kinds=("str",)).expected() == "a string or None"
    assert Option("x", "a", "h", choices=("a", "b")).expected() == "one of 'a', 'b'"
    with pytest.raises(OptionValueError, match="got 'c'|option x='c'"):
        Option("x", "a", "h", choices=("a", "b")).validate("m", "c")
    spec = Option("x", 2, "help text", kinds=("int",), low=1, changes_result=False).describe()
    assert spec == {"name": "x", "default": 2, "expected": "an integer >= 1", "help": "help text",
                    "changes_result": False}
