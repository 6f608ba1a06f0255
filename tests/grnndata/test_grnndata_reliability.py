"""Issue 12 for grnndata: damaged files and bad stored networks give clear errors; one zero rule; atomic writes."""
from __future__ import annotations

import anndata as ad
import h5py
import numpy as np
import pytest
import scipy.sparse as sp

import grnndata
from grnndata import GRnnData
from grnndata._checks import check_matrix
from grnndata.toy import toy


@pytest.fixture
def written(tmp_path):
    """A toy network (sparse CSR, with cells) written to an .h5ad; returns (path, the GRnnData)."""
    net = toy(n_cells=20, n_genes=15, n_regulators=3, n_edges=12, seed=4).network
    path = net.write_h5ad(tmp_path / "net.h5ad")
    return path, net


def _listing(folder):
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("field,value,problem", [
    ("indices", 10**6, "indices"),  # a flipped high byte: a column index far outside the matrix
    ("indices", -3, "indices"),
    ("indptr", None, "indptr"),  # indptr no longer monotone
])
def test_corrupt_csr_in_h5ad_is_a_clear_error_not_a_segfault(written, field, value, problem):
    path, _ = written
    before = _listing(path.parent)
    with h5py.File(path, "r+") as f:
        arr = f[f"varp/GRN/{field}"]
        if value is None:
            arr[1], arr[2] = arr[2] + 5, arr[1]
        else:
            arr[3] = value
    for read in (grnndata.read_h5ad, lambda p: GRnnData(ad.read_h5ad(p))):
        with pytest.raises(ValueError) as err:
            read(path)
        msg = str(err.value)
        assert "network 'GRN'" in msg and "not a valid sparse CSR" in msg and "corrupt" in msg
        assert problem in msg
    assert _listing(path.parent) == before  # reading wrote nothing


def test_check_matrix_refuses_corrupt_sparse_before_arithmetic():
    m = sp.csr_matrix(np.eye(4))
    m.indices[2] = 99
    with pytest.raises(ValueError, match="scores is not a valid sparse CSR matrix.*indices.*corrupt"):
        check_matrix(m, "scores")


@pytest.mark.parametrize("sparse", [False, True])
def test_wrapping_validates_networks_already_in_varp(sparse):
    adata = toy(n_cells=10, n_genes=8, n_regulators=2, n_edges=5).adata
    m = np.zeros((8, 8))
    m[0, 3], m[1, 4] = np.nan, 0.5
    adata.varp["GRN"] = sp.csr_matrix(m) if sparse else m
    with pytest.raises(ValueError, match=r"network 'GRN' \(in adata.varp\) contains 1 NaN/inf score"):
        GRnnData(adata)
    adata.varp["GRN"] = np.ones((8, 8, 2))[:, :, :1].reshape(8, 8)  # a valid one wraps fine
    assert GRnnData(adata).network().shape == (8, 8)


def test_stored_zeros_are_no_edges_and_the_input_is_kept():
    dense = np.zeros((5, 5))
    dense[0, 1], dense[2, 3], dense[4, 0] = 0.7, -0.2, 0.1
    stored = sp.csr_matrix(dense)
    stored.data[1] = 0.0  # an explicit stored zero at (2, 3)
    assert stored.nnz == 3
    genes = ["SOX2", "POU5F1", "NANOG", "KLF4", "MYC"]
    net = grnndata.from_matrix(stored, genes)
    assert net.network().nnz == 2 and stored.nnz == 3  # eliminated in a copy; the caller's matrix is untouched
    expected = dense.copy()
    expected[2, 3] = 0.0
    np.testing.assert_array_equal(net.network().toarray(), expected)
    edges = net.to_edges()
    assert edges.equals(grnndata.from_matrix(expected, genes).to_edges())  # sparse and dense agree
    assert (edges["weight"] != 0).all() and len(edges) == 2
    plain = ad.AnnData(np.zeros((2, 5), dtype=np.float32))
    plain.var_names = genes
    plain.varp["GRN"] = stored
    wrapped = GRnnData(plain)
    assert wrapped.network().nnz == 2 and plain.varp["GRN"].nnz == 3


def test_corrupt_metadata_json_is_named(written):
    path, _ = written
    with h5py.File(path, "r+") as f:
        del f["uns/grnndata/networks/GRN"]
        f["uns/grnndata/networks"].create_dataset("GRN", data="{not json")
    net = grnndata.read_h5ad(path)
    with pytest.raises(ValueError, match=r"metadata of network 'GRN'.*not valid JSON.*damaged"):
        net.network_metadata()


def test_failed_write_keeps_the_previous_file_and_leaves_no_temp(written, monkeypatch):
    path, net = written
    before = path.read_bytes()

    def dying(self, filename, **kwargs):
        with open(filename, "wb") as handle:
            handle.write(b"half an h5ad")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ad.AnnData, "write_h5ad", dying)
    with pytest.raises(OSError, match="No space"):
        net.write_h5ad(path)
    assert path.read_bytes() == before and _listing(path.parent) == ["net.h5ad"]


def test_case_duplicate_genes_are_named_as_such():
    from grnndata._checks import check_adata

    adata = toy(n_cells=5, n_genes=8, n_regulators=2, n_edges=4).adata
    names = list(adata.var_names)
    names[5] = names[1].lower()  # POU5F1 and pou5f1
    adata.var_names = names
    with pytest.raises(ValueError, match=r"1 gene name\(s\) differ only by case \('POU5F1 / pou5f1'\)"):
        check_adata(adata)
    assert check_adata(adata, case_sensitive=True) is adata
