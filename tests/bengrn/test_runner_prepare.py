"""bengrn.prepare data preparation and the results/plots helpers, against brute-force references."""
from __future__ import annotations

import json
import math

import anndata
import numpy as np
import scipy.sparse as sp
import pytest

from bengrn import plots, prepare, results
from bengrn.errors import BenchmarkError
from grnndata._json import to_jsonable


def _reference_variance(counts: np.ndarray) -> np.ndarray:
    """Per-gene variance of log1p(counts scaled per cell to 1e4), one cell at a time."""
    rows = []
    for cell in counts.astype(float):
        total = cell.sum()
        rows.append(np.log1p(cell / total * 1e4) if total > 0 else cell * 0)
    rows = np.array(rows)
    return np.array([np.mean((col - col.mean()) ** 2) for col in rows.T])


def test_select_genes_matches_brute_force_on_dense_and_sparse():
    rng = np.random.default_rng(3)
    counts = rng.poisson(rng.gamma(0.5, 4, size=40), size=(60, 40)).astype(np.float32)
    counts[:, 7] = 0.0  # constant gene: never selected
    var = _reference_variance(counts)
    expected = np.sort(np.argsort(-var, kind="stable")[:10])
    for x in (counts, sp.csr_matrix(counts)):
        got = prepare.select_genes(x, 10, seed=0)
        np.testing.assert_array_equal(got, expected)
    all_genes = prepare.select_genes(counts, None, seed=0)
    assert 7 not in all_genes
    np.testing.assert_array_equal(all_genes, np.flatnonzero(var > 1e-12))
    # Not counts: variance of the values as given.
    logged = np.log1p(counts)
    ref = np.sort(np.argsort(-logged.var(axis=0), kind="stable")[:5])
    np.testing.assert_array_equal(prepare.select_genes(logged, 5, seed=0, counts=False), ref)


def test_select_genes_breaks_ties_with_the_seed():
    rng = np.random.default_rng(0)
    base = rng.poisson(3, size=(50, 1)).astype(float)
    other = rng.poisson(3, size=(50, 2)).astype(float)
    counts = np.hstack([base, base, base, other])  # genes 0, 1, 2 are identical: tied variance
    var = _reference_variance(counts)
    assert var[0] == var[1] == var[2]
    n_top = int(np.sum(var > var[0]))  # genes ranked strictly above the tied trio
    picks = {tuple(prepare.select_genes(counts, n_top + 1, seed=s)) for s in range(30)}
    # Exactly one of the trio is kept, which one depends on the seed (all three occur over 30 seeds) ...
    assert len(picks) == 3
    assert all(len(set(p) & {0, 1, 2}) == 1 for p in picks)
    # ... and never on anything else: the same seed gives the same genes.
    for s in range(5):
        np.testing.assert_array_equal(prepare.select_genes(counts, n_top + 1, seed=s),
                                      prepare.select_genes(counts, n_top + 1, seed=s))


def test_sample_cells_and_has_counts():
    idx = prepare.sample_cells(100, 30, seed=4)
    ref = np.sort(np.random.default_rng(4).choice(100, size=30, replace=False))
    np.testing.assert_array_equal(idx, ref)
    np.testing.assert_array_equal(prepare.sample_cells(20, 30, seed=4), np.arange(20))
    np.testing.assert_array_equal(prepare.sample_cells(20, None, seed=4), np.arange(20))
    assert prepare.is_counts(np.array([[0, 1.0], [3, 7]]))
    assert prepare.is_counts(sp.csr_matrix(np.array([[0, 1.0], [3, 7]])))
    assert not prepare.is_counts(np.array([[0, 1.5]]))
    assert not prepare.is_counts(np.array([[0, -1.0]]))
    assert not prepare.is_counts(np.array([[0, np.nan]]))


def test_prepare_groups_split_sample_and_checksum():
    rng = np.random.default_rng(1)
    x = sp.csr_matrix(rng.poisson(2, size=(90, 30)).astype(np.float32))
    ad = anndata.AnnData(X=x)
    ad.var_names = [f"G{i}" for i in range(30)]
    ad.obs_names = [f"c{i}" for i in range(90)]
    ad.obs["ct"] = ["a"] * 50 + ["b"] * 35 + ["tiny"] * 5
    info = {"name": "toy", "organism": "human"}
    groups = prepare.prepare_groups(ad, info, celltype_key="ct", n_cells=40, n_genes=12, seed=0)
    assert [g.celltype for g in groups] == ["a", "b"]  # "tiny" has < MIN_CELLS cells
    a, b = groups
    assert a.adata.n_obs == 40 and b.adata.n_obs == 35 and a.adata.n_vars == 12
    cells_a = np.arange(50)[prepare.sample_cells(50, 40, 0)]
    assert list(a.adata.obs_names) == [f"c{i}" for i in cells_a]
    genes_a = prepare.select_genes(x[cells_a], 12, 0)
    assert a.genes == [f"G{i}" for i in genes_a]
    np.testing.assert_array_equal(a.adata.X.toarray(), x[cells_a][:, genes_a].toarray())
    again = prepare.prepare_groups(ad, info, celltype_key="ct", n_cells=40, n_genes=12, seed=0)
    assert again[0].input_sha256 == a.input_sha256
    other = prepare.prepare_groups(ad, info, celltype_key="ct", n_cells=40, n_genes=12, seed=1)
    assert other[0].input_sha256 != a.input_sha256
    with pytest.raises(BenchmarkError, match="not a column"):
        prepare.prepare_groups(ad, info, celltype_key="nope", n_cells=40, n_genes=12, seed=0)


def test_dataset_organism_from_symbol_case():
    human = anndata.AnnData(X=np.zeros((1, 3)))
    human.var_names = ["SOX2", "POU5F1", "NANOG"]
    mouse = anndata.AnnData(X=np.zeros((1, 3)))
    mouse.var_names = ["Sox2", "Pou5f1", "Nanog"]
    assert prepare.dataset_organism(human) == "human"
    assert prepare.dataset_organism(mouse) == "mouse"
    mouse.uns["dataset"] = {"organism": "human"}
    assert prepare.dataset_organism(mouse) == "human"


def test_json_encoding_and_curve_downsampling():
    obj = {"a": np.float32(0.5), "b": np.inf, "c": -np.inf, "d": np.nan, "e": np.arange(3), "f": np.int64(7)}
    enc = to_jsonable(obj)
    assert enc == {"a": 0.5, "b": "inf", "c": "-inf", "d": None, "e": [0, 1, 2], "f": 7}
    dec = results.decode_metrics(json.loads(json.dumps(enc, allow_nan=False)))
    assert dec["b"] == math.inf and dec["c"] == -math.inf and math.isnan(dec["d"]) and dec["f"] == 7

    recall = np.concatenate([np.linspace(1, 1e-4, 100_000), [0.0]])
    precision = np.linspace(0.01, 1, recall.size)
    small = plots.downsample_curve(precision, recall, max_points=300)
    r = np.array(small["recall"])
    assert len(r) <= 302 and r[0] == 0.0 and r[-1] == 1.0
    assert np.all(np.diff(r) >= 0)
    # The low-recall start of the curve keeps several points (log spacing).
    assert np.sum(r[r > 0] < 1e-2) >= 50
    # Points are real points of the curve.
    lookup = dict(zip(recall.tolist(), precision.tolist()))
    assert all(lookup[ri] == pi for ri, pi in zip(small["recall"], small["precision"]))
