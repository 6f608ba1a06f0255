"""The method registry: names, options, flags, output format, and results against brute-force references."""
from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from bengrn import methods

NAMES = ["correlation", "deepsem", "genie3", "genie3-tf", "grnboost2", "grnboost2-tf", "random", "scprint", "spearman"]


@pytest.fixture
def adata():
    rng = np.random.default_rng(3)
    counts = rng.poisson(rng.gamma(2.0, 3.0, size=(60, 8))).astype(np.float32)
    genes = ["SOX2", "POU5F1", "NANOG", "GAPDH", "ACTB", "MYC", "TP53", "RPL3"]
    return ad.AnnData(X=counts, var=pd.DataFrame(index=genes))


def _lognorm(x):
    x = np.asarray(x, dtype=np.float64)
    return np.log1p(x / x.sum(axis=1, keepdims=True) * 1e4)


def test_available_lists_every_contract_name():
    assert methods.available() == NAMES


def test_unknown_name_lists_valid_names(adata):
    with pytest.raises(KeyError, match="genie3-tf") as err:
        methods.infer("genie4", adata)
    assert "genie4" in str(err.value)
    with pytest.raises(KeyError):
        methods.describe("nope")


def test_unknown_option_is_a_type_error_naming_valid_options(adata):
    with pytest.raises(TypeError, match="n_tree.*valid options.*n_trees"):
        methods.infer("genie3", adata, n_tree=10)


def test_info_flags():
    assert methods.info("genie3-tf")["needs_tf_list"] and not methods.info("genie3")["needs_tf_list"]
    assert methods.info("deepsem")["needs_torch"] and methods.info("scprint")["needs_torch"]
    assert not methods.info("correlation")["needs_torch"]
    assert methods.info("genie3")["needs_counts"] and not methods.info("random")["needs_counts"]
    assert methods.info("genie3")["options"]["n_trees"] == 100
    assert "GENIE3" in methods.describe("genie3") and "DeepSEM" in methods.describe("deepsem")


def test_correlation_equals_corrcoef_and_sparse_equals_dense(adata):
    net = methods.infer("correlation", adata)
    assert list(net.genes) == list(adata.var_names)
    ref = np.abs(np.corrcoef(_lognorm(adata.X), rowvar=False))
    np.fill_diagonal(ref, 0)
    np.testing.assert_allclose(np.asarray(net.network("GRN")), ref, atol=1e-5)
    meta = net.network_metadata("GRN")
    assert meta["method"] == "correlation" and meta["n_cells"] == 60
    sparse = adata.copy()
    sparse.X = sp.csr_matrix(adata.X)
    np.testing.assert_allclose(np.asarray(methods.infer("correlation", sparse).network()), ref, atol=1e-5)


def test_normalize_auto_keeps_non_count_values(adata):
    logged = adata.copy()
    logged.X = _lognorm(adata.X).astype(np.float32)  # not integers: used as given
    ref = np.abs(np.corrcoef(logged.X.astype(np.float64), rowvar=False))
    np.fill_diagonal(ref, 0)
    np.testing.assert_allclose(np.asarray(methods.infer("spearman", logged, normalize=False).network()),
                               np.asarray(methods.infer("spearman", logged).network()))
    np.testing.assert_allclose(np.asarray(methods.infer("correlation", logged).network()), ref, atol=1e-5)


def test_random_is_seeded(adata):
    a = np.asarray(methods.infer("random", adata, seed=4).network())
    b = np.asarray(methods.infer("random", adata, seed=4).network())
    c = np.asarray(methods.infer("random", adata, seed=5).network())
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_genie3_tf_zeroes_non_tf_rows(adata):
    net = methods.infer("genie3-tf", adata, tf_list=["SOX2", "nanog", "MYC"], n_trees=20, n_jobs=1, progress=False)
    w = np.asarray(net.network())
    tf = np.isin(adata.var_names, ["SOX2", "NANOG", "MYC"])  # case-insensitive match of "nanog"
    assert np.all(w[~tf] == 0)
    assert np.all(w[tf].sum(axis=0) > 0)  # every target uses some TF
    assert "3 of 8" in net.network_metadata()["parameters"]["tf_list"]
    with pytest.raises(ValueError, match="none of the 8 genes"):
        methods.infer("genie3-tf", adata, tf_list=["FOO"], n_jobs=1)


def test_bad_input_errors(adata):
    with pytest.raises(TypeError, match="AnnData"):
        methods.infer("correlation", np.ones((3, 3)))
    dup = adata.copy()
    dup.var_names = ["A"] * 8
    with pytest.raises(ValueError, match="var_names_make_unique"):
        methods.infer("correlation", dup)
    with pytest.raises(ValueError, match="normalize"):
        methods.infer("correlation", adata, normalize="yes")


def test_deepsem_through_registry_masks_non_tfs(adata):
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors: one thread avoids contention on the shared CI machine
    try:
        net = methods.infer("deepsem", adata, tf_list=["SOX2", "MYC"], n_epochs=2, progress=False)
    finally:
        torch.set_num_threads(threads)
    w = np.asarray(net.network())
    tf = np.isin(adata.var_names, ["SOX2", "MYC"])
    assert np.all(w[~tf] == 0) and np.all(w[tf][:, ~tf] > 0)
    meta = net.network_metadata()
    assert meta["method"] == "deepsem" and meta["parameters"]["n_epochs"] == 2


def test_scprint_entry_forwards_to_scprint_model(adata, monkeypatch):
    """The registry must call scprint_model.infer_network with the seed and options (stand-in recorder)."""
    pytest.importorskip("torch")
    import scprint_model

    calls = {}

    def fake_infer_network(data, **kwargs):
        calls.update(kwargs, n_vars=data.n_vars)
        return "network"

    monkeypatch.setattr(scprint_model, "infer_network", fake_infer_network, raising=False)
    assert methods.infer("scprint", adata, seed=3, heads="mean", progress=False) == "network"
    assert calls == {"seed": 3, "heads": "mean", "progress": False, "n_vars": 8}


def test_methods_normalise_by_the_cells_full_depth():
    """Issue 11: with obs["total_counts"] (each cell's counts over ALL genes, set by the runner before the gene
    subset) the methods' log-normalisation divides by that depth, not by the subset's row sums."""
    from bengrn.methods.data import expression
    from grnndata.toy import toy

    adata = toy(n_cells=60, n_genes=30, seed=3).adata
    full = np.asarray(adata.X.sum(axis=1)).ravel().astype(float)
    sub = adata[:, :12].copy()
    x = sub.X.toarray() if hasattr(sub.X, "toarray") else np.asarray(sub.X)
    np.testing.assert_allclose(expression(sub, "auto"), np.log1p(x * 1e4 / x.sum(1, keepdims=True)), rtol=1e-5)
    sub.obs["total_counts"] = full
    np.testing.assert_allclose(expression(sub, "auto"), np.log1p(x * 1e4 / full[:, None]), rtol=1e-5)
    assert not np.allclose(np.log1p(x * 1e4 / full[:, None]), np.log1p(x * 1e4 / x.sum(1, keepdims=True)))
