"""Parity with the reference scPRINT (scprint 2.3.8), from the committed fixture; the reference is NOT imported.

``tests/fixtures/scprint_ref/make_fixture.py`` built two tiny random-weight models with the reference's own code,
saved them with Lightning (the published ``.ckpt`` format) and recorded, on 12 cells: the collator's tokens, the
expression decoder's outputs, every layer's and head's attention matrices, and GNInfer's networks. Two layouts:
``sum`` (context-sum normalisation, depth token at the input) and ``log`` (log2(1 + x), depth given to the decoder).
"""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

torch = pytest.importorskip("torch")
anndata = pytest.importorskip("anndata")

import scprint_model  # noqa: E402
from scprint_model import checkpoint as ckpt  # noqa: E402
from scprint_model.context import cell_order, make_rng, sequences  # noqa: E402

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "scprint_ref"
TAGS = ("sum", "log")
KEYS = ("random", "given")  # collator how="random expr" (max_len 10) / how="some" (25 listed genes)


@pytest.fixture(scope="module")
def ref():
    return dict(np.load(FIXTURE / "reference.npz"))


@pytest.fixture(scope="module")
def models():
    return {tag: ckpt.load(FIXTURE / f"tiny_{tag}.ckpt") for tag in TAGS}


def _adata(ref):
    return anndata.AnnData(ref["counts"].copy(), var=pd.DataFrame(index=ref["table_genes"]))


def _forward(model, ref, tag, key):
    genes = torch.as_tensor(ref[f"{tag}_{key}_genes"]).long()
    x, depth = torch.as_tensor(ref[f"{tag}_{key}_x"]), torch.as_tensor(ref[f"{tag}_{key}_depth"])
    with torch.no_grad():
        out = model(genes, x, depth, return_qk=True)
        expr = model.decode_expression(out, depth)
    maps = []
    for (q, k), (cq, ck) in zip(out["qk"], out["qk_cells"]):  # all tokens: cell tokens first, as in the reference
        q, k = torch.cat([cq, q], dim=2), torch.cat([ck, k], dim=2)
        maps.append(torch.softmax(q @ k.transpose(-1, -2) / q.shape[-1] ** 0.5, dim=-1))
    return {**{n: v.numpy() for n, v in expr.items()}, "attention": torch.stack(maps, dim=1).numpy()}


def _on(net, key, genes):
    """The network restricted to the reference's genes, back in the reference orientation (rows = queries)."""
    pos = pd.Index(net.genes).get_indexer(list(genes))
    assert (pos >= 0).all()
    m = net.network(key)[np.ix_(pos, pos)]
    return m.transpose(1, 0, 2) if m.ndim == 3 else m.T


def test_checkpoints_load_as_published_layout(models, ref):
    for tag, ck in models.items():
        assert ck.kind == "scprint-v1" and ck.vocab == list(ref["vocab"])
        assert ck.info["config"]["normalization"] == tag
        assert ck.info["config"]["depth_at_input"] == (tag == "sum")
        assert ck.model.n_heads_total == 4 and ck.info["ignored_keys"] > 0  # classifiers / MVC decoder read, unused


@pytest.mark.parametrize("tag", TAGS)
def test_random_expr_tokens_equal_the_reference_collator(models, ref, tag):
    """Same counts, same seed -> the collator's exact gene draws (expressed genes, then unexpressed padding)."""
    ck, ad = models[tag], _adata(ref)
    vocab_idx = pd.Index(ck.vocab).get_indexer(ad.var_names)
    usable = np.flatnonzero(vocab_idx >= 0)
    usable = usable[np.argsort(vocab_idx[usable])]
    x = sp.csr_matrix(ad.X)
    order = cell_order(x, "random-expr")
    np.testing.assert_array_equal(order, ref[f"{tag}_random_order"])
    seqs = sequences(x, ref["counts"].sum(1), order, usable, 10, make_rng("random-expr", 0), selection="random-expr")
    np.testing.assert_array_equal(np.array([vocab_idx[g] for g, _, _ in seqs]), ref[f"{tag}_random_genes"])
    np.testing.assert_array_equal(np.array([v for _, v, _ in seqs]), ref[f"{tag}_random_x"])
    np.testing.assert_array_equal([d for _, _, d in seqs], ref[f"{tag}_random_depth"])
    assert (ref[f"{tag}_random_x"] == 0).any()  # the padding path is exercised
    other = sequences(x, ref["counts"].sum(1), order, usable, 10, make_rng("random-expr", 1), selection="random-expr")
    assert not np.array_equal(np.array([vocab_idx[g] for g, _, _ in other]), ref[f"{tag}_random_genes"])


@pytest.mark.parametrize("tag", TAGS)
@pytest.mark.parametrize("key", KEYS)
def test_expression_decoder_and_attention_maps_equal_the_reference(models, ref, tag, key):
    ours = _forward(models[tag].model, ref, tag, key)
    for name in ("mean", "disp", "zero_logits"):
        np.testing.assert_allclose(ours[name], ref[f"{tag}_{key}_{name}"], rtol=2e-5, atol=1e-6, err_msg=name)
    assert ours["attention"].shape == ref[f"{tag}_{key}_attention"].shape  # cells, layers, heads, tokens, tokens
    np.testing.assert_allclose(ours["attention"], ref[f"{tag}_{key}_attention"], rtol=0, atol=2e-6)


@pytest.mark.parametrize("tag", TAGS)
def test_random_expr_network_equals_gninfer(models, ref, tag):
    """GNInfer(how="random expr", max_len=10): mean QK over cells incl. the cell tokens, softmax, every head."""
    net = scprint_model.infer_network(_adata(ref), checkpoint=models[tag], selection="random-expr", context=10,
                                      seed=0)
    genes = ref[f"{tag}_net_random_genes"]
    np.testing.assert_allclose(_on(net, "heads", genes), ref[f"{tag}_net_random_none"], rtol=0, atol=2e-6)
    np.testing.assert_allclose(_on(net, "GRN", genes), ref[f"{tag}_net_random_mean"], rtol=0, atol=2e-6)
    # genes GNInfer never saw are exactly the ones without a single score here
    unseen = ~pd.Index(net.genes).isin(genes)
    assert np.all(net.network("heads")[unseen] == 0)


@pytest.mark.parametrize("tag", TAGS)
def test_given_genes_network_equals_gninfer_with_total_counts(models, ref, tag):
    """GNInfer(how="given"): the listed genes in one pass; the depth is the cell's total over ALL its genes, which
    a gene subset only keeps in obs["total_counts"] (issue 11 contract)."""
    ad = _adata(ref)[:, list(ref["given_genes"])].copy()
    ad.obs["total_counts"] = ref["counts"].sum(1)
    net = scprint_model.infer_network(ad, checkpoint=models[tag], context=100)
    assert net.network_metadata("GRN")["depth"] == "obs['total_counts']"
    np.testing.assert_allclose(_on(net, "heads", ref[f"{tag}_net_given_genes"]), ref[f"{tag}_net_given_none"],
                               rtol=0, atol=2e-6)


def test_parity_fails_without_total_counts_when_depth_is_a_token(models, ref):
    ad = _adata(ref)[:, list(ref["given_genes"])].copy()  # no total_counts: depth = sums over the 25 genes
    net = scprint_model.infer_network(ad, checkpoint=models["sum"], context=100)
    assert net.network_metadata("GRN")["depth"] == "row sums of adata.X"
    diff = np.abs(_on(net, "heads", ref["sum_net_given_genes"]) - ref["sum_net_given_none"]).max()
    assert diff > 5e-5  # > 25x the parity tolerance


def test_parity_fails_after_changing_one_weight(ref):
    ck = ckpt.load(FIXTURE / "tiny_sum.ckpt")
    with torch.no_grad():
        ck.model.blocks[1].qkv.weight[3, 5] += 0.5  # one query weight of the last layer
    ours = _forward(ck.model, ref, "sum", "given")
    diff = np.abs(ours["attention"][:, 1] - ref["sum_given_attention"][:, 1]).max()
    assert diff > 1e-3
    np.testing.assert_allclose(ours["attention"][:, 0], ref["sum_given_attention"][:, 0], atol=2e-6)  # layer 0 intact
    net = scprint_model.infer_network(_adata(ref), checkpoint=ck, selection="random-expr", context=10, seed=0)
    assert np.abs(_on(net, "heads", ref["sum_net_random_genes"]) - ref["sum_net_random_none"]).max() > 1e-3
    ck2 = ckpt.load(FIXTURE / "tiny_sum.ckpt")
    with torch.no_grad():
        ck2.model.expr_decoder.out.bias[1] += 0.1  # the dispersion head only
    ours2 = _forward(ck2.model, ref, "sum", "given")
    assert np.abs(ours2["disp"] - ref["sum_given_disp"]).max() > 1e-3
    np.testing.assert_allclose(ours2["mean"], ref["sum_given_mean"], rtol=2e-5, atol=1e-6)
