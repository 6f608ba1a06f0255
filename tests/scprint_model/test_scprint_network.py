"""infer_network on real cells with the shipped default checkpoint."""
import logging

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

torch = pytest.importorskip("torch")
anndata = pytest.importorskip("anndata")

import scprint_model  # noqa: E402
from scprint_model import checkpoint as ckpt  # noqa: E402
from scprint_model.data import read_counts  # noqa: E402


@pytest.fixture(scope="module")
def chen_small(shared_data):
    x, genes = read_counts(shared_data / "expression/mccalla/chen_rna_filtered_log2.tsv.gz")
    ck = scprint_model.load_default()
    vocab = pd.Index(ck.vocab)
    det = np.asarray((x > 0).sum(axis=0)).ravel() * (vocab.get_indexer(genes) >= 0)
    cols = np.sort(np.argsort(-det)[:60])
    ad = anndata.AnnData(sp.csr_matrix(x[:80][:, cols]))
    ad.var_names = list(genes[cols[:-1]]) + ["NOT_A_GENE_XYZ"]  # one gene outside the vocabulary
    return ck, ad


def test_infer_network_outputs(chen_small, caplog):
    ck, ad = chen_small
    with caplog.at_level(logging.WARNING):
        net = scprint_model.infer_network(ad, checkpoint=ck, n_cells=50, progress=False)
    assert "1 / 60 genes are not in the model vocabulary" in caplog.text
    assert list(net.genes) == list(ad.var_names)
    grn, heads = np.asarray(net.network("GRN")), np.asarray(net.network("heads"))
    assert heads.shape == (60, 60, ck.model.n_heads_total) and heads.dtype == np.float32
    np.testing.assert_allclose(grn, heads.mean(axis=2), rtol=1e-6)
    assert np.all(heads[-1] == 0) and np.all(heads[:, -1] == 0)
    # mean-QK rows of the softmax are queries = targets = our columns: each column sums to 1 over the 59 known genes
    np.testing.assert_allclose(heads[:-1, :-1].sum(axis=0), 1.0, rtol=1e-4)
    meta = net.network_metadata("GRN")
    assert meta["variant"] == "mean-qk" and meta["checkpoint_sha256"] == ckpt.sha256(ckpt.DEFAULT_CHECKPOINT)
    assert meta["n_cells"] == 50 and meta["genes_not_in_vocabulary"] == 1


def test_head_list_and_reproducibility(chen_small):
    ck, ad = chen_small
    a = scprint_model.infer_network(ad, checkpoint=ck, variant="mean-softmax", heads=[1, 4], n_cells=30, seed=3,
                                    progress=False)
    b = scprint_model.infer_network(ad, checkpoint=ck, variant="mean-softmax", heads=[1, 4], n_cells=30, seed=3,
                                    progress=False, store_heads=False)
    np.testing.assert_array_equal(np.asarray(a.network("GRN")), np.asarray(b.network("GRN")))
    np.testing.assert_allclose(np.asarray(a.network("GRN")), np.asarray(a.network("heads"))[:, :, [1, 4]].mean(2),
                               rtol=1e-6)
    assert "heads" not in b.network_keys


def test_bad_input(chen_small):
    ck, ad = chen_small
    with pytest.raises(ValueError, match="head indices"):
        scprint_model.infer_network(ad, checkpoint=ck, heads=[999], progress=False)
    neg = ad.copy()
    neg.X = -neg.X.toarray()
    neg.X[0, 0] = -1
    with pytest.raises(ValueError, match="raw"):
        scprint_model.infer_network(neg, checkpoint=ck, progress=False)
    bad = ad.copy()
    bad.var_names = [f"x{i}" for i in range(ad.n_vars)]
    with pytest.raises(ValueError, match="vocabulary"):
        scprint_model.infer_network(bad, checkpoint=ck, progress=False)


def test_depth_token_uses_total_counts_over_all_genes(chen_small):
    """Issue 11: after a gene subset, obs["total_counts"] (the cell's total over ALL genes) is the depth used for
    normalisation and the depth token; without it the subset's row sums are."""
    from scprint_model.attention import attention_stack

    ck, ad = chen_small
    full = np.asarray(ad.X.sum(axis=1)).ravel()
    sub = ad[:, :30].copy()
    sub.obs["total_counts"] = full
    vocab_idx = pd.Index(ck.vocab).get_indexer(sub.var_names)
    x = sp.csr_matrix(sub.X)
    net = scprint_model.infer_network(sub, checkpoint=ck, context=64)  # one pass per cell: no chunking draws
    assert net.network_metadata("GRN")["depth"] == "obs['total_counts']"
    direct = attention_stack(ck.model, x, full, vocab_idx, context=64)
    np.testing.assert_allclose(net.network("heads"), direct, rtol=1e-5, atol=1e-7)
    del sub.obs["total_counts"]
    subset_only = scprint_model.infer_network(sub, checkpoint=ck, context=64)
    np.testing.assert_allclose(subset_only.network("heads"),
                               attention_stack(ck.model, x, np.asarray(x.sum(1)).ravel(), vocab_idx, context=64),
                               rtol=1e-5, atol=1e-7)
    assert np.abs(subset_only.network("heads") - direct).max() > 1e-4
    sub.obs["total_counts"] = full / 10  # smaller than the genes present: not a total over all genes
    with pytest.raises(ValueError, match="total_counts'\\] must be each cell's total over ALL genes"):
        scprint_model.infer_network(sub, checkpoint=ck, context=64)


def test_toy_provenance_is_labelled(chen_small):
    ck, ad = chen_small
    meta = scprint_model.infer_network(ad[:20], checkpoint=None, store_heads=False).network_metadata("GRN")
    assert meta["checkpoint_kind"] == "toy" and "toy, not a foundation model" in meta["checkpoint_label"]
