"""GRnnData: construction, wrapping without copies, slicing, concat, .h5ad round trips, metadata, errors."""
from __future__ import annotations

import datetime as dt
import pickle

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import grnndata
from grnndata import GRnnData
from grnndata.toy import toy, toy_genes

N = 12
GENES = toy_genes(N, 4)  # SOX2, POU5F1, ... TMEM1, COL1, ...


def _sparse(seed: int = 0, fmt: str = "csr", n: int = N) -> sp.spmatrix:
    m = sp.random(n, n, density=0.3, format=fmt, random_state=seed, dtype=np.float64)
    m.data -= 0.5  # signed scores
    return m


def _dense(seed: int = 1, n: int = N) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, n)).astype(np.float32)


def _stack(seed: int = 2, n: int = N, heads: int = 3) -> np.ndarray:
    return np.random.default_rng(seed).random((n, n, heads))


def _assert_same_network(a, b) -> None:
    """Equal values AND equal storage: same sparse format, indptr, indices and data, or equal dense arrays."""
    assert sp.issparse(a) == sp.issparse(b)
    assert a.shape == b.shape
    if sp.issparse(a):
        assert a.format == b.format
        np.testing.assert_array_equal(a.indptr, b.indptr)
        np.testing.assert_array_equal(a.indices, b.indices)
        np.testing.assert_array_equal(a.data, b.data)
        assert a.dtype == b.dtype
    else:
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
        assert np.asarray(a).dtype == np.asarray(b).dtype


def _with_cells(n_cells: int = 5, seed: int = 3) -> ad.AnnData:
    """Plain AnnData (dense X, no uns) holding the counts of the shared toy data over GENES."""
    counts = toy(n_cells=n_cells, n_genes=N, n_regulators=4, n_edges=12, seed=seed).adata.X.toarray()
    return ad.AnnData(
        counts,
        obs=pd.DataFrame({"batch": ["a"] * n_cells}, index=[f"c{seed}_{i}" for i in range(n_cells)]),
        var=pd.DataFrame(index=GENES),
    )


# ---------------------------------------------------------------- round trips
NETWORK_CASES = {
    "dense": lambda: {"GRN": _dense()},
    "csr": lambda: {"GRN": _sparse(fmt="csr")},
    "csc": lambda: {"GRN": _sparse(fmt="csc")},
    "stack": lambda: {"heads": _stack()},
    "several": lambda: {"GRN": _sparse(), "corr": _dense(), "heads": _stack()},
}


@pytest.mark.parametrize("case", sorted(NETWORK_CASES))
@pytest.mark.parametrize("with_cells", [False, True])
def test_h5ad_round_trip_grnndata_and_plain_anndata(tmp_path, case, with_cells):
    nets = NETWORK_CASES[case]()
    meta = {"method": "unit-test", "parameters": {"alpha": 0.5, "layers": [1, 2], "none": None}, "note": "é"}
    net = GRnnData(_with_cells() if with_cells else None, networks=nets, genes=GENES, metadata=meta)
    path = net.write_h5ad(tmp_path / "net.h5ad")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.h5ad"]  # no temp file left behind

    back = grnndata.read_h5ad(path)
    plain = ad.read_h5ad(path)
    assert type(back) is GRnnData and type(plain) is ad.AnnData
    assert list(back.genes) == GENES and list(plain.var_names) == GENES
    assert back.n_obs == net.n_obs == plain.n_obs
    assert sorted(back.network_keys) == sorted(nets) == sorted(plain.varp.keys())
    for key, matrix in nets.items():
        _assert_same_network(back.network(key), matrix)
        _assert_same_network(plain.varp[key], matrix)
        md = back.network_metadata(key)
        assert md == net.network_metadata(key)
        assert md["parameters"] == {"alpha": 0.5, "layers": [1, 2], "none": None}
        assert md["method"] == "unit-test" and md["note"] == "é"
        assert GRnnData(plain).network_metadata(key) == md
    if with_cells:
        np.testing.assert_array_equal(plain.X, net.X)


def test_metadata_defaults_and_per_key_mapping():
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    net = GRnnData(
        networks={"GRN": _dense(), "heads": _stack()},
        genes=GENES,
        metadata={"GRN": {"method": "a"}, "heads": {"method": "b", "parameters": {"k": 3}}},
    )
    after = dt.datetime.now(dt.timezone.utc)
    grn, heads = net.network_metadata("GRN"), net.network_metadata("heads")
    assert grn["method"] == "a" and grn["parameters"] == {}
    assert heads["method"] == "b" and heads["parameters"] == {"k": 3} and heads["n_heads"] == 3
    created = dt.datetime.fromisoformat(grn["created"])
    assert before <= created <= after
    assert "regulator" in grn["orientation"]
    # numpy values are converted to plain JSON types
    net.update_network_metadata("GRN", parameters={"k": np.int64(5), "v": np.array([1.5, 2.0])})
    assert net.network_metadata("GRN")["parameters"] == {"k": 5, "v": [1.5, 2.0]}
    # a caller's own orientation note is kept
    noted = grnndata.from_matrix(_dense(), GENES, metadata={"orientation": "rows = regulators (transposed)"})
    assert noted.network_metadata()["orientation"] == "rows = regulators (transposed)"
    # one dict for all networks
    shared = GRnnData(networks={"x": _dense(), "y": _dense(4)}, genes=GENES, metadata={"method": "m"})
    assert shared.network_metadata("x")["method"] == shared.network_metadata("y")["method"] == "m"


def test_plain_varp_entry_without_metadata_has_empty_provenance():
    a = _with_cells()
    a.varp["mine"] = _dense()
    net = GRnnData(a)
    assert net.network_keys == ["mine"]
    assert net.network_metadata("mine") == {"method": None, "parameters": {}, "created": None}


# ---------------------------------------------------------------- wrapping without copies
def test_wrapping_plain_anndata_shares_memory_and_leaves_it_untouched():
    a = _with_cells()
    dense, sparse, stack = _dense(), _sparse(), _stack()
    a.varp["GRN"], a.varp["corr"], a.varp["heads"] = sparse, dense, stack
    a.uns["other"] = {"x": 1}
    net = GRnnData(a)
    assert np.shares_memory(net.network("corr"), dense)
    assert np.shares_memory(net.network("heads"), stack)
    assert np.shares_memory(net.network("GRN").data, sparse.data)
    assert np.shares_memory(net.network("GRN").indices, sparse.indices)
    assert np.shares_memory(net.X, a.X)
    net.add_network("new", np.eye(N), metadata={"method": "eye"})
    assert "new" not in a.varp and "grnndata" not in a.uns
    assert a.uns == {"other": {"x": 1}}
    assert net.uns["other"] == {"x": 1}


def test_wrapping_a_view_stays_a_view():
    a = _with_cells()
    a.varp["GRN"] = _dense()
    v = a[:, [3, 1, 7]]
    net = GRnnData(v)
    assert net.is_view and isinstance(net, GRnnData)
    np.testing.assert_array_equal(net.network(), a.varp["GRN"][np.ix_([3, 1, 7], [3, 1, 7])])


def test_from_matrix_keeps_array_without_copy():
    m = _dense()
    net = grnndata.from_matrix(m, GENES)
    assert net.n_obs == 0
    assert np.shares_memory(net.network(), m)
    assert net.network_keys == ["GRN"]


# ---------------------------------------------------------------- slicing
@pytest.mark.parametrize("kind", ["dense", "csr", "csc", "stack"])
def test_gene_slicing_gives_induced_subnetwork(kind):
    m = {"dense": _dense(), "csr": _sparse(fmt="csr"), "csc": _sparse(fmt="csc"), "stack": _stack()}[kind]
    net = GRnnData(_with_cells(), networks={"net": m})
    ref_full = m.toarray() if sp.issparse(m) else m
    rng = np.random.default_rng(5)
    idx = rng.choice(N, size=7, replace=False)  # unsorted: order must follow the request
    for selector in (idx, [GENES[i] for i in idx]):
        sub = net[:, selector]
        assert isinstance(sub, GRnnData) and sub.is_view
        assert list(sub.genes) == [GENES[i] for i in idx]
        got = sub.network("net")
        got = got.toarray() if sp.issparse(got) else np.asarray(got)
        np.testing.assert_array_equal(got, ref_full[idx][:, idx])
    mask = rng.random(N) > 0.5
    got = net[:, mask].network("net")
    got = got.toarray() if sp.issparse(got) else np.asarray(got)
    np.testing.assert_array_equal(got, ref_full[mask][:, mask])
    copied = net[:, idx].copy()
    assert isinstance(copied, GRnnData) and not copied.is_view
    assert copied.network_metadata("net") == net.network_metadata("net")


@pytest.mark.parametrize("kind", ["dense", "csr"])
def test_writing_a_gene_slice_stores_the_subnetwork(tmp_path, kind):
    m = _dense() if kind == "dense" else _sparse()
    net = grnndata.from_matrix(m, GENES, metadata={"method": "x"})
    idx = [5, 1, 2, 9]
    net[:, idx].write_h5ad(tmp_path / "sub.h5ad")
    plain = ad.read_h5ad(tmp_path / "sub.h5ad")
    ref = (m.toarray() if sp.issparse(m) else m)[np.ix_(idx, idx)]
    got = plain.varp["GRN"]
    np.testing.assert_array_equal(got.toarray() if sp.issparse(got) else got, ref)
    assert list(plain.var_names) == [GENES[i] for i in idx]
    assert grnndata.GRnnData(plain).network_metadata()["method"] == "x"


def test_cell_slicing_keeps_networks_and_metadata():
    m, s = _sparse(), _stack()
    net = GRnnData(_with_cells(6), networks={"GRN": m, "heads": s}, metadata={"method": "x"})
    sub = net[[0, 2, 5]]
    assert isinstance(sub, GRnnData) and sub.n_obs == 3
    np.testing.assert_array_equal(sub.network().toarray(), m.toarray())
    np.testing.assert_array_equal(sub.network("heads"), s)
    assert sub.network_metadata() == net.network_metadata()
    np.testing.assert_array_equal(sub.X, net.X[[0, 2, 5]])
    assert isinstance(net[net.obs_names[:2], :].copy(), GRnnData)


def test_adding_a_network_to_a_view_does_not_touch_the_parent():
    net = GRnnData(_with_cells(), networks=_dense())
    view = net[:2]
    view.add_network("extra", np.eye(N))
    assert not view.is_view and view.network_keys == ["GRN", "extra"]
    assert net.network_keys == ["GRN"]
    assert "extra" not in net.uns["grnndata"]["networks"]


def test_remove_network_and_pickle():
    net = GRnnData(networks={"a": _dense(), "b": _sparse()}, genes=GENES)
    net.remove_network("a")
    assert net.network_keys == ["b"]
    assert list(net.uns["grnndata"]["networks"]) == ["b"]
    back = pickle.loads(pickle.dumps(net))
    _assert_same_network(back.network("b"), net.network("b"))


# ---------------------------------------------------------------- orientation helpers
def test_orientation_helpers_against_hand_example():
    genes = ["TF1", "TF2", "T1", "T2"]
    m = np.zeros((4, 4))
    m[0, 2], m[0, 3], m[1, 2], m[2, 3] = 0.9, -0.4, 0.5, 0.1  # rows = regulators
    net = grnndata.from_matrix(m, genes)
    tf1 = net.targets_of("TF1")
    assert list(tf1.index) == ["T1", "T2"] and tf1.tolist() == [0.9, -0.4]
    assert list(net.targets_of("TF1", absolute=True, top_k=1).index) == ["T1"]
    t1 = net.regulators_of("T1")
    assert list(t1.index) == ["TF1", "TF2"] and t1.tolist() == [0.9, 0.5]
    assert list(net.regulators_of("T2").index) == ["T1", "TF1"]
    assert net.regulators_of("TF1").empty
    np.testing.assert_array_equal(net.as_target_rows(), m.T)
    # a method producing target rows converts once at its boundary
    back = grnndata.from_target_rows(m.T, genes)
    np.testing.assert_array_equal(back.network(), m)
    sback = grnndata.from_target_rows(sp.csr_matrix(m.T), genes)
    np.testing.assert_array_equal(sback.network().toarray(), m)
    stack = np.stack([m, 2 * m], axis=2)
    np.testing.assert_array_equal(grnndata.from_target_rows(np.swapaxes(stack, 0, 1), genes).network(), stack)
    with pytest.raises(KeyError, match="not among"):
        net.targets_of("NOPE")


# ---------------------------------------------------------------- concat
def test_concat_keeps_networks_when_genes_and_networks_agree():
    m = _sparse()
    a = GRnnData(_with_cells(4, seed=1), networks={"GRN": m}, metadata={"method": "x"})
    b = GRnnData(_with_cells(3, seed=2), networks={"GRN": m.copy()}, metadata={"method": "x"})
    out = grnndata.concat([a, b])
    assert isinstance(out, GRnnData) and out.n_obs == 7
    np.testing.assert_array_equal(out.X, np.vstack([a.X, b.X]))
    np.testing.assert_array_equal(out.network().toarray(), m.toarray())
    assert out.network_metadata() == a.network_metadata()
    assert list(out.obs["batch"]) == ["a"] * 7
    # equal values stored densely count as the same network
    c = GRnnData(_with_cells(2, seed=4), networks={"GRN": m.toarray()})
    assert grnndata.concat([a, c]).n_obs == 6
    # views and plain AnnData with the same varp work too
    plain = _with_cells(2, seed=5)
    plain.varp["GRN"] = m
    assert grnndata.concat([a[:2], plain]).n_obs == 4


def test_concat_errors_and_first_rule():
    a = GRnnData(_with_cells(4, seed=1), networks={"GRN": _dense(1)})
    b = GRnnData(_with_cells(3, seed=2), networks={"GRN": _dense(2)})
    with pytest.raises(ValueError, match="network 'GRN' differs"):
        grnndata.concat([a, b])
    kept = grnndata.concat([a, b], networks="first")
    np.testing.assert_array_equal(kept.network(), a.network())
    c = GRnnData(_with_cells(2, seed=3), networks={"GRN": _dense(1), "more": _dense(3)})
    with pytest.raises(ValueError, match="has networks"):
        grnndata.concat([a, c])
    with pytest.raises(ValueError, match="genes of object 1 differ.*only in object 0"):
        grnndata.concat([a, a[:, 1:]])
    with pytest.raises(ValueError, match="different order"):
        grnndata.concat([a, a[:, ::-1]])
    with pytest.raises(ValueError, match="at least one"):
        grnndata.concat([])
    # network-only objects (0 cells) concatenate to 0 cells with the network intact
    empty = grnndata.from_matrix(_dense(1), GENES)
    both = grnndata.concat([empty, empty.copy()])
    assert both.n_obs == 0
    np.testing.assert_array_equal(both.network(), empty.network())


# ---------------------------------------------------------------- errors
def test_bad_input_errors():
    with pytest.raises(ValueError, match=r"shape \(12, 11\).*12 genes"):
        grnndata.from_matrix(np.zeros((N, N - 1)), GENES)
    with pytest.raises(ValueError, match=r"expected \(12, 12\)"):
        grnndata.from_matrix(np.zeros((N + 1, N + 1)), GENES)
    with pytest.raises(ValueError, match="12 genes"):
        grnndata.from_matrix(sp.eye(N + 1, format="csr"), GENES)
    with pytest.raises(ValueError, match="np.moveaxis"):
        grnndata.from_matrix(np.zeros((3, N, N)), GENES)
    with pytest.raises(ValueError, match="unique.*'G1'"):
        grnndata.from_matrix(np.zeros((3, 3)), ["G0", "G1", "G1"])
    bad = _dense()
    bad[2, 3] = np.nan
    with pytest.raises(ValueError, match="1 NaN/inf"):
        grnndata.from_matrix(bad, GENES)
    sbad = _sparse()
    sbad.data[0] = np.inf
    with pytest.raises(ValueError, match="NaN/inf"):
        grnndata.from_matrix(sbad, GENES)
    with pytest.raises(TypeError, match="real numbers"):
        grnndata.from_matrix(np.full((N, N), "x"), GENES)
    net = grnndata.from_matrix(_dense(), GENES)
    with pytest.raises(KeyError, match=r"no network 'nope'; available: \['GRN'\]") as err:
        net.network("nope")
    assert str(err.value).startswith("no network")  # readable, not a quoted repr
    with pytest.raises(KeyError, match="no network yet"):
        GRnnData(genes=GENES).network()
    with pytest.raises(KeyError, match="available"):
        net.network_metadata("nope")
    with pytest.raises(ValueError, match="'/'"):
        net.add_network("a/b", _dense())
    with pytest.raises(TypeError, match="JSON-serialisable"):
        net.add_network("x", _dense(), metadata={"f": object()})
    with pytest.raises(TypeError, match="from_matrix"):
        GRnnData(np.zeros((N, N)))
    with pytest.raises(ValueError, match="genes are required"):
        GRnnData(networks=np.zeros((N, N)))
    with pytest.raises(ValueError, match="genes differ"):
        GRnnData(_with_cells(), genes=GENES[::-1])
    with pytest.raises(FileNotFoundError, match="does not exist"):
        net.write_h5ad("/nonexistent-dir-xyz/net.h5ad")


def test_dataframe_network_is_reordered_to_genes():
    m = _dense()
    df = pd.DataFrame(m, index=GENES, columns=GENES).iloc[::-1, ::-1]
    net = grnndata.from_matrix(df, GENES)
    np.testing.assert_array_equal(net.network(), m)
