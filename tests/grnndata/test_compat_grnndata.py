"""GRnnData 1.3.2 names (grnndata.compat, grnndata.utils) against hand-computed / networkx references."""
from __future__ import annotations

import warnings

import anndata as ad
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import grnndata
from grnndata import GRnnData, utils
from grnndata.compat import GRNAnnData, from_adata_and_longform, from_anndata, read_h5ad

GENES = ["A", "B", "C", "D", "E"]


def _adata(n_cells: int = 4) -> ad.AnnData:
    rng = np.random.default_rng(0)
    return ad.AnnData(X=rng.random((n_cells, len(GENES))), var=pd.DataFrame(index=GENES))


def _matrix() -> np.ndarray:
    m = np.arange(25, dtype=float).reshape(5, 5)
    m[m % 3 == 0] = 0
    return m


def _one_warning(record) -> str:
    future = [w for w in record if issubclass(w.category, FutureWarning)]
    assert len(future) == 1, [str(w.message) for w in future]
    return str(future[0].message)


def test_grnannadata_keeps_orientation_and_warns_once():
    m = _matrix()
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        g = GRNAnnData(_adata(), grn=m)
    assert "grnndata.GRnnData(adata, networks=matrix)" in _one_warning(rec)
    assert isinstance(g, GRnnData) and g.n_obs == 4
    with pytest.warns(FutureWarning, match="network"):
        frame = g.grn
    # rows = regulators on both sides of the boundary: grn.loc[A, B] is m[0, 1]
    assert frame.loc["A", "B"] == m[0, 1] and frame.loc["B", "A"] == m[1, 0]
    np.testing.assert_array_equal(frame.to_numpy(), m)
    np.testing.assert_array_equal(g.network("GRN"), m)  # the new API sees the same matrix
    assert list(g.targets_of("A").index) == list(pd.Series(m[0], index=GENES).loc[lambda s: s != 0]
                                                 .sort_values(ascending=False).index)
    copy = g.copy()
    assert type(copy) is GRNAnnData


@pytest.mark.parametrize("sparse", [False, True])
def test_get_targets_regulators_as_1_3_2(sparse):
    m = _matrix()
    g = GRNAnnData(_adata(), grn=sp.csr_matrix(m) if sparse else m)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        sub = g.get(["C", "A"])
    _one_warning(rec)
    keep = [0, 2]  # 1.3.2 keeps the object's gene order
    with pytest.warns(FutureWarning):
        assert list(sub.grn.index) == ["A", "C"]
    with pytest.warns(FutureWarning):
        np.testing.assert_array_equal(sub.grn.to_numpy(), m[np.ix_(keep, keep)])
    with pytest.warns(FutureWarning):
        targets = sub.targets
    with pytest.warns(FutureWarning):
        regulators = sub.regulators
    np.testing.assert_array_equal(targets.to_numpy(), m[keep])  # row g: g -> every gene
    np.testing.assert_array_equal(regulators.to_numpy(), m.T[keep])  # row g: every gene -> g
    assert list(targets.columns) == GENES and list(targets.index) == ["A", "C"]
    one = g.get("B")
    with pytest.warns(FutureWarning):
        assert one.grn.shape == (1, 1)
    # without get(): regulators is the grn, targets its transpose (1.3.2)
    with pytest.warns(FutureWarning):
        np.testing.assert_array_equal(g.targets.to_numpy(), m.T)


@pytest.mark.parametrize("sparse", [False, True])
def test_extract_links_equals_the_1_3_2_melt(sparse):
    m = _matrix()
    g = GRNAnnData(_adata(), grn=sp.csr_matrix(m) if sparse else m)
    with pytest.warns(FutureWarning, match="to_edges"):
        links = g.extract_links()
    frame = pd.DataFrame(m, index=pd.Index(GENES, name="regulators"), columns=pd.Index(GENES, name="targets"))
    expected = frame.reset_index().melt(id_vars="regulators", var_name="targets", value_name="weight")
    expected = expected[expected["weight"] != 0]
    pd.testing.assert_frame_equal(links, expected, check_index_type=False)


def _loop_longform(genes, table, has_weight):
    """1.3.2's from_adata_and_longform, written as its loop."""
    da = np.zeros((len(genes), len(genes)))
    for row in table.itertuples(index=False):
        i, j = row[0], row[1]
        if i in genes and j in genes:
            da[genes.index(i), genes.index(j)] = row[2] if has_weight else 1
    return da


@pytest.mark.parametrize("has_weight", [False, True])
def test_from_adata_and_longform_matches_the_1_3_2_loop(has_weight):
    table = pd.DataFrame({"regulator": ["A", "B", "A", "ZZ", "E", "A"], "target": ["B", "C", "B", "A", "E", "D"],
                          "weight": [0.5, 2.0, 0.7, 1.0, 3.0, 0.0]})
    if not has_weight:
        table = table[["regulator", "target"]]
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        g = from_adata_and_longform(_adata(), table, has_weight=has_weight)
    assert "from_edges" in _one_warning(rec)
    dense = g.network("GRN").toarray()
    np.testing.assert_array_equal(dense, _loop_longform(GENES, table, has_weight))
    with pytest.raises(ValueError, match="exactly 3 columns"):
        from_adata_and_longform(_adata(), table[["regulator", "target"]], has_weight=True)


def test_from_anndata_wraps_and_requires_a_grn():
    a = _adata()
    with pytest.raises(ValueError, match="GRN not found"):
        from_anndata(a)
    a.varp["GRN"] = _matrix()
    with pytest.warns(FutureWarning, match="GRnnData"):
        g = from_anndata(a)
    assert g.varp["GRN"] is a.varp["GRN"]


def test_files_written_by_1_3_2_open_with_both_apis(tmp_path):
    # GRnnData 1.3.2's write_h5ad is anndata's: a plain AnnData with varp["GRN"] is exactly such a file
    a = _adata()
    a.varp["GRN"] = sp.csr_matrix(_matrix())
    a.write_h5ad(tmp_path / "old.h5ad")
    old = read_h5ad(tmp_path / "old.h5ad")
    new = grnndata.read_h5ad(tmp_path / "old.h5ad")
    np.testing.assert_array_equal(new.network("GRN").toarray(), _matrix())
    assert isinstance(old, GRnnData)
    with pytest.warns(FutureWarning):
        np.testing.assert_array_equal(old.grn.to_numpy(), _matrix())


def test_get_centrality_equals_networkx_on_the_top_k_graph():
    rng = np.random.default_rng(1)
    n = 30
    m = rng.random((n, n))
    genes = [f"G{i}" for i in range(n)]
    g = GRNAnnData(ad.AnnData(X=np.ones((2, n)), var=pd.DataFrame(index=genes)), grn=m)
    with pytest.warns(FutureWarning, match="eigenvector_centrality"):
        top = utils.get_centrality(g, n_largest_to_consider=5, top_k_to_disp=7)
    # 1.3.2: keep each row's values >= its 5th largest, networkx eigenvector_centrality of the DiGraph
    frame = pd.DataFrame(m, index=genes, columns=genes)
    mask = frame.apply(lambda row: row >= row.nlargest(5).min(), axis=1)
    conn = sp.csr_matrix(np.where(mask.to_numpy(), m, 0))
    np.testing.assert_array_equal(g.varp["connectivities"].toarray(), conn.toarray())
    ref = nx.eigenvector_centrality(nx.from_scipy_sparse_array(conn, create_using=nx.DiGraph))
    ref = pd.Series([ref[i] for i in range(n)], index=genes)
    np.testing.assert_allclose(g.var["centrality"].to_numpy(), ref.to_numpy(), atol=1e-5)
    assert [name for name, _ in top] == list(ref.sort_values(ascending=False).index[:7])


def test_metrics_connectivity_equals_networkx():
    m = np.zeros((5, 5))
    m[0, 1] = m[1, 2] = m[3, 4] = 1.0
    g = GRNAnnData(_adata(), grn=m)
    with pytest.warns(FutureWarning):
        out = utils.metrics(g)
    assert out["is_connected"] == nx.is_connected(nx.from_numpy_array(m)) is False
    assert out["n_components"] == nx.number_connected_components(nx.from_numpy_array(m)) == 2
    m[2, 3] = 1.0
    with pytest.warns(FutureWarning):
        assert utils.metrics(GRNAnnData(_adata(), grn=m))["is_connected"] is True


def test_utils_data_names_are_the_1_3_2_files():
    import hashlib
    from pathlib import Path

    from ground_truths.genesets import cell_type_markers, read_gmt

    # the md5 of grnndata 1.3.2's TF.txt / mTF.txt (wheel on PyPI), recorded in grnndata/data/PROVENANCE.md
    digest = {n: hashlib.md5((Path(utils.file_dir) / n).read_bytes()).hexdigest() for n in ("TF.txt", "mTF.txt")}
    assert digest == {"TF.txt": "786be645ef84422fbd02c7fe4244aedd", "mTF.txt": "8954f9b68e8a1fe8c4fe8735a4091e2a"}
    assert utils.TF == (Path(utils.file_dir) / "TF.txt").read_text().split()
    assert len(utils.TF) == 1639 and "POU5F1" in utils.TF and "Pou5f1" in utils.mTF
    # the 1.3.2 marker GMT is the one ground_truths ships
    assert read_gmt(f"{utils.file_dir}/celltype.gmt") == cell_type_markers()
    with pytest.raises(AttributeError, match="bengrn.compat.enrichment"):
        utils.enrichment


def test_enrichment_ranks_as_1_3_2():
    from bengrn.compat._grnutils import _ranking

    m = _matrix()
    g = GRNAnnData(_adata(), grn=m)
    np.testing.assert_array_equal(_ranking(g, "Targets").to_numpy(), m.sum(1))  # 1.3.2: grn.grn.sum(1)
    np.testing.assert_array_equal(_ranking(g, "Regulators").to_numpy(), m.sum(0))
    with pytest.raises(ValueError, match="of must be one of"):
        _ranking(g, "Hubs")
    from bengrn.compat import enrichment

    with pytest.raises(ValueError, match="Enrichr"):
        enrichment(g, gene_sets=["KEGG_2016"])
