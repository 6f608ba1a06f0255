"""Attention networks: orientation, exact agreement with a direct numpy computation (both variants)."""
import math

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import erf

torch = pytest.importorskip("torch")

from scprint_model.attention import attention_stack  # noqa: E402
from scprint_model.model import ModelConfig, ScPrintModel  # noqa: E402


def _model(n_genes=7, d=8, layers=2, heads=2, seed=0):
    torch.manual_seed(seed)
    m = ScPrintModel(ModelConfig(n_genes=n_genes, d_model=d, n_layers=layers, n_heads=heads, d_ff=12,
                                 n_cell_tokens=2, use_positions=False))
    with torch.no_grad():  # non-trivial layer norms and biases
        for p in m.parameters():
            p.add_(0.3 * torch.randn_like(p))
    return m.eval()


def _np_qk(m, ids, values, depth):
    """Direct numpy forward pass of one sequence; returns per-layer (q, k) of the gene tokens, (heads, L, dh)."""
    P = {k: v.detach().double().numpy() for k, v in m.state_dict().items()}
    lin = lambda x, name: x @ P[name + ".weight"].T + P[name + ".bias"]  # noqa: E731

    def ln(x, name):
        mu, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + 1e-5) * P[name + ".weight"] + P[name + ".bias"]

    genes = P["gene_encoder.embedding.weight"][ids] + lin(np.maximum(lin(values[:, None], "expr_encoder.fc1"), 0),
                                                          "expr_encoder.fc2")
    cells = P["cell_tokens"].copy()
    cells[0] += lin(np.array([[math.log1p(depth)]]), "depth_encoder")[0]
    x = np.concatenate([cells, genes])
    c, d = cells.shape[0], x.shape[1]
    h = m.config.n_heads
    out = []
    for i in range(m.config.n_layers):
        b = f"blocks.{i}"
        qkv = lin(ln(x, b + ".ln1"), b + ".qkv").reshape(len(x), 3, h, d // h)
        q, k, v = (qkv[:, j].transpose(1, 0, 2) for j in range(3))
        s = q @ k.transpose(0, 2, 1) / math.sqrt(d // h)
        a = np.exp(s - s.max(-1, keepdims=True))
        a /= a.sum(-1, keepdims=True)
        o = (a @ v).transpose(1, 0, 2).reshape(len(x), d)
        x = x + lin(o, b + ".out")
        f = lin(ln(x, b + ".ln2"), b + ".ff1")
        x = x + lin(0.5 * f * (1 + erf(f / math.sqrt(2))), b + ".ff2")
        out.append((q[:, c:], k[:, c:]))
    return out


def _softmax(s):
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _data(seed=0, cells=4, genes=6):
    rng = np.random.default_rng(seed)
    x = rng.poisson(2.0, (cells, genes)).astype(np.float32)
    x[rng.random(x.shape) < 0.35] = 0
    x[:, 0] = np.maximum(x[:, 0], 1)
    return sp.csr_matrix(x)


def _ref_stack(m, x, totals, vocab_idx, variant):
    n_cells, g = x.shape
    L, H = m.config.n_layers, m.config.n_heads
    dh = m.config.d_model // H
    dense = x.toarray()
    if variant == "mean-qk":
        qs, ks = np.zeros((L, H, g, dh)), np.zeros((L, H, g, dh))
        for c in range(n_cells):
            vals = np.log1p(dense[c] / totals[c] * 1e4)
            for layer, (q, k) in enumerate(_np_qk(m, vocab_idx, vals, totals[c])):
                qs[layer] += q / n_cells
                ks[layer] += k / n_cells
        att = _softmax(qs @ ks.transpose(0, 1, 3, 2) / math.sqrt(dh))  # (L, H, query, key)
    else:
        acc, cnt = np.zeros((L, H, g, g)), np.zeros((g, g))
        for c in range(n_cells):
            e = np.flatnonzero(dense[c] > 0)
            vals = np.log1p(dense[c, e] / totals[c] * 1e4)
            for layer, (q, k) in enumerate(_np_qk(m, vocab_idx[e], vals, totals[c])):
                acc[layer][:, e[:, None], e[None, :]] += _softmax(q @ k.transpose(0, 2, 1) / math.sqrt(dh))
            cnt[e[:, None], e[None, :]] += 1
        att = np.where(cnt > 0, acc / np.maximum(cnt, 1), 0)
    # (L, H, target, regulator) -> (regulator, target, L*H)
    return att.reshape(L * H, g, g).transpose(2, 1, 0)


@pytest.mark.parametrize("variant", ["mean-qk", "mean-softmax"])
def test_attention_equals_numpy_reference(variant):
    m = _model()
    x = _data()
    totals = np.asarray(x.sum(1)).ravel() + 5.0  # depth includes genes outside the set
    vocab_idx = np.array([3, 0, 6, 2, 5, 1])
    ours = attention_stack(m, x, totals, vocab_idx, variant=variant, context=64, batch_size=3, progress=False)
    ref = _ref_stack(m, x, totals, vocab_idx, variant)
    assert ours.shape == (6, 6, 4) and ours.dtype == np.float32
    np.testing.assert_allclose(ours, ref, rtol=2e-4, atol=1e-6)


def test_genes_outside_vocabulary_are_zero():
    m = _model()
    x = _data()
    vocab_idx = np.array([3, -1, 6, 2, 5, 1])
    st = attention_stack(m, x, np.asarray(x.sum(1)).ravel(), vocab_idx, context=64, progress=False)
    assert np.all(st[1] == 0) and np.all(st[:, 1] == 0)
    # every query's softmax over the 5 in-vocabulary keys sums to 1: columns (targets) sum to 1 in our orientation
    np.testing.assert_allclose(np.delete(st, 1, 1).sum(axis=0), 1.0, rtol=1e-5)


def test_genome_wide_chunks_match_full_context_for_first_layer():
    # first-layer queries/keys depend only on each token's own input, so chunking cannot change mean-QK there
    m = _model(n_genes=9, layers=1)
    x = _data(1, cells=5, genes=9)
    tot = np.asarray(x.sum(1)).ravel()
    full = attention_stack(m, x, tot, np.arange(9), context=64, progress=False)
    chunked = attention_stack(m, x, tot, np.arange(9), context=2, batch_size=4, progress=False)
    np.testing.assert_allclose(chunked, full, rtol=1e-4, atol=1e-6)


def test_orientation_query_a_attends_key_b_gives_edge_b_to_a():
    m = ScPrintModel(ModelConfig(n_genes=3, d_model=4, n_layers=1, n_heads=1, d_ff=4, n_cell_tokens=1,
                                 use_positions=False)).eval()
    a, b = 0, 1
    e = torch.tensor([[1.0, -1, 1, -1], [1, 1, -1, -1], [1, -1, -1, 1]])  # zero mean, unit variance: LN keeps them
    s = 3.0
    with torch.no_grad():
        m.gene_encoder.embedding.weight.copy_(e)
        m.expr_encoder.fc2.weight.zero_()
        m.expr_encoder.fc2.bias.zero_()
        w = torch.zeros(12, 4)
        w[0:4] = s * torch.eye(4)  # q = s * e
        w[4:8] = s * torch.outer(e[a], e[b]) / 4  # k_b = s * e_a, k_a = k_c = 0
        m.blocks[0].qkv.weight.copy_(w)
        m.blocks[0].qkv.bias.zero_()
    x = sp.csr_matrix(np.ones((2, 3), dtype=np.float32))
    net = attention_stack(m, x, np.full(2, 3.0), np.arange(3), context=8, progress=False)[:, :, 0]
    assert net[b, a] > 0.99  # regulator b -> target a
    assert net[a, b] == pytest.approx(1 / 3, abs=1e-5)  # b's query sees all keys equally


def test_bad_variant_and_shapes():
    m = _model()
    x = _data()
    with pytest.raises(ValueError, match="variant"):
        attention_stack(m, x, np.ones(4), np.arange(6), variant="max")
    with pytest.raises(ValueError, match="vocab_idx"):
        attention_stack(m, x, np.ones(4), np.arange(5))
