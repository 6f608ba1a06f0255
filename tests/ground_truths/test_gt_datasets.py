"""Datasets (count recovery, provenance), TF lists, ENCODE targets."""
from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import ground_truths as gt
from ground_truths.datasets import recover_counts

logger = logging.getLogger(__name__)


def test_recover_counts_hand_example():
    counts = np.array([[0, 1, 3, 10], [2, 0, 4, 6]], dtype=float)  # cells x genes; smallest non-zero 1 and 2
    scaled = counts * np.array([[2.5], [0.5]])  # per-cell size factors
    once = np.log2(scaled + 1)
    rec, report = recover_counts(once)
    # per cell divided by its smallest non-zero value: cell 2 becomes [1, 0, 2, 3]
    assert np.array_equal(rec, np.array([[0, 1, 3, 10], [1, 0, 2, 3]], dtype=np.float32))
    assert report["log_layers_undone"] == 1 and report["fraction_integral"] == 1.0
    twice = np.log2(np.log2(counts + 1) + 1)
    rec2, report2 = recover_counts(twice)
    assert np.array_equal(rec2, rec) and report2["log_layers_undone"] == 2
    assert report2["fraction_integral_by_layers"]["1"] < 1.0
    with pytest.raises(ValueError, match="non-negative"):
        recover_counts(-once)


def _integral(x: np.ndarray) -> float:
    nz = x[x > 0]
    return float(np.mean(np.abs(nz - np.round(nz)) < 1e-3))


def test_chen_counts_recovered(shared_data, gt_cache):
    adata = gt.load_dataset("chen-hesc")  # shipped: works without GROUND_TRUTHS_LOCAL
    info = adata.uns["dataset"]
    logger.info("chen-hesc: %s", {k: info[k] for k in ("fraction_integral", "fraction_integral_by_layers")})
    assert adata.shape == (385, 8595)  # all 8,595 genes are symbols (C9orf3 included); 385 barcodes in the header
    assert sp.isspmatrix_csr(adata.X) and adata.X.dtype == np.float32
    assert info["fraction_integral"] > 0.95 and info["checksum"] == "md5:57f6884ee4c3da62db16395882df06c5"
    assert adata.var_names.is_unique and "POU5F1" in adata.var_names

    # independent recomputation from the shared file, straight numpy
    raw = pd.read_csv(shared_data / "expression/mccalla/chen_rna_filtered_log2.tsv.gz", sep="\t", index_col=0)
    v = raw.to_numpy().T
    once = np.exp2(v) - 1
    once = once / np.where(once > 0, once, np.inf).min(axis=1, keepdims=True)
    twice = np.exp2(np.exp2(v) - 1) - 1
    twice = twice / np.where(twice > 0, twice, np.inf).min(axis=1, keepdims=True)
    assert _integral(once) < 0.95 < _integral(twice)  # the file is log2(log2(count+1)+1): one undo is not enough
    assert info["fraction_integral_by_layers"]["1"] == pytest.approx(_integral(once))
    genes = ["POU5F1", "LIN28A", "DNMT3B", "GAPDH"]
    cols = [raw.index.get_loc(g) for g in genes]
    expected = np.round(twice[:, cols])
    got = adata[:, genes].X.toarray()
    assert np.array_equal(got, expected)


@pytest.mark.parametrize("name,organism,shape,marker", [
    ("liu-hesc", "human", (72, None), "POU5F1"),
    ("semrau-mesc", "mouse", (384, None), "Nanog"),
])
def test_other_mccalla_datasets(real_env, name, organism, shape, marker):
    adata = gt.load_dataset(name)
    info = adata.uns["dataset"]
    logger.info("%s: fraction_integral=%s layers=%s", name, info["fraction_integral"], info["log_layers_undone"])
    assert adata.n_obs == shape[0] and info["organism"] == organism
    assert info["fraction_integral"] > 0.95
    assert marker in adata.var_names
    x = adata.X.data
    assert np.array_equal(x, np.round(x)) and (x > 0).all()


def test_thp1_is_normalised_not_counts(gt_cache, shared_data):
    adata = gt.load_dataset("thp1")
    info = adata.uns["dataset"]
    assert adata.shape == (960, 45) and info["value_type"] == "normalised"
    assert info["fraction_integral"] < 0.01
    raw = pd.read_csv(shared_data / "expression/beeline/THP1/ExpressionData.csv", index_col=0)
    np.testing.assert_allclose(adata.X, raw.to_numpy().T.astype(np.float32))
    assert "PseudoTime" in adata.obs and adata.obs["PseudoTime"].notna().all()


def test_matched_and_available_datasets():
    assert set(gt.available_datasets()) >= {"chen-hesc", "liu-hesc", "semrau-mesc", "thp1"}
    assert gt.matched_dataset("mccalla-hesc") == "chen-hesc"
    assert gt.matched_dataset("mccalla-mesc") == "semrau-mesc"
    assert gt.matched_dataset("beeline-thp1") == "thp1"
    assert gt.matched_dataset("omnipath") is None
    with pytest.raises(KeyError, match="available"):
        gt.load_dataset("pbmc")


def test_thp1_truth_is_on_thp1_genes(gt_cache):
    truth = gt.load("beeline-thp1")
    genes = set(gt.load_dataset("thp1").var_names)
    assert set(truth.source) | set(truth.target) <= genes
    assert set(truth["sign"]) == {-1}  # refNetwork.csv Type column is '-' for all 335 edges


def test_tf_lists(shared_data):
    human = gt.tf_list()
    mouse = gt.tf_list("mouse")
    raw_h = [line.strip() for line in open(shared_data / "gene_sets/hs_hgnc_tfs_lambert2018.txt") if line.strip()]
    assert len(human) == len(set(human)) and len(human) >= 0.99 * len(set(raw_h))
    assert {"POU5F1", "SOX2", "NANOG", "GATA1"} <= set(human) and "Pou5f1" in mouse
    assert len(mouse) >= 1800


def test_encode_tf_targets(real_env):
    merged = gt.encode_tf_targets()
    by_line = gt.encode_tf_targets(by_cell_line=True)
    assert len(by_line) <= 166 and len(merged) <= len(by_line)
    for tf, targets in list(merged.items())[:20]:
        union = set().union(*(t for k, t in by_line.items() if k.split()[0] == tf))
        assert targets == union and len(targets) > 0
    assert all(not t.startswith("COMPLEX:") for ts in merged.values() for t in ts)
