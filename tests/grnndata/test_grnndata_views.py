"""Network views against brute force (numpy loops, networkx), the neighbourhood PNG and the demo."""
from __future__ import annotations

import anndata
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import grnndata
from grnndata import views
from grnndata.plot import plot_neighbourhood

N = 30
GENES = [f"g{i}" for i in range(N)]


def _signed(seed: int = 0, density: float = 0.2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(N, N)) * (rng.random((N, N)) < density)


@pytest.mark.parametrize("absolute", [True, False])
@pytest.mark.parametrize("storage", ["dense", "sparse"])
def test_hub_scores_against_loops(absolute, storage):
    m = _signed(1)
    net = grnndata.from_matrix(sp.csr_matrix(m) if storage == "sparse" else m, GENES)
    got = views.hub_scores(net, absolute=absolute)
    for i, g in enumerate(GENES):
        row = [abs(v) if absolute else v for v in m[i, :]]
        col = [abs(v) if absolute else v for v in m[:, i]]
        assert got.loc[g, "out_degree"] == pytest.approx(sum(row), abs=1e-12)
        assert got.loc[g, "in_degree"] == pytest.approx(sum(col), abs=1e-12)
        assert got.loc[g, "n_targets"] == sum(v != 0 for v in m[i, :])
        assert got.loc[g, "n_regulators"] == sum(v != 0 for v in m[:, i])
    # a plain AnnData with the network in varp, and a bare matrix + genes, give the same table
    plain = anndata.AnnData(var=pd.DataFrame(index=GENES))
    plain.varp["GRN"] = m
    pd.testing.assert_frame_equal(views.hub_scores(plain, absolute=absolute), got, check_exact=False)
    pd.testing.assert_frame_equal(views.hub_scores(m, GENES, absolute=absolute), got, check_exact=False)


def _strongly_connected(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    m = rng.random((N, N)) * (rng.random((N, N)) < 0.2)
    ring = np.roll(np.eye(N), 1, axis=1) * 0.3  # guarantees strong connectivity -> unique Perron vector
    return m + ring


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_eigenvector_centrality_against_networkx_and_numpy(seed):
    m = _strongly_connected(seed)
    graph = nx.from_numpy_array(m, create_using=nx.DiGraph)
    ref_in = nx.eigenvector_centrality(graph, weight="weight", tol=1e-12, max_iter=100000)
    ref_out = nx.eigenvector_centrality(graph.reverse(), weight="weight", tol=1e-12, max_iter=100000)
    net = grnndata.from_matrix(sp.csr_matrix(m), GENES)
    got_in = views.eigenvector_centrality(net, direction="in", tol=1e-12, max_iter=100000)
    got_out = views.eigenvector_centrality(net, direction="out", tol=1e-12, max_iter=100000)
    np.testing.assert_allclose(got_in.to_numpy(), [ref_in[i] for i in range(N)], atol=1e-8)
    np.testing.assert_allclose(got_out.to_numpy(), [ref_out[i] for i in range(N)], atol=1e-8)
    # independent check: Perron eigenvector of m (out) and m.T (in) from a dense eigendecomposition
    for mat, got in ((m, got_out), (m.T, got_in)):
        vals, vecs = np.linalg.eig(mat)
        v = np.abs(np.real(vecs[:, np.argmax(np.real(vals))]))
        np.testing.assert_allclose(got.to_numpy(), v / np.linalg.norm(v), atol=1e-7)
    # sign of scores is ignored with absolute=True (default); rejected otherwise
    signed = m * np.where(np.random.default_rng(seed).random((N, N)) < 0.5, -1, 1)
    np.testing.assert_allclose(views.eigenvector_centrality(signed, GENES, tol=1e-12).to_numpy(),
                               views.eigenvector_centrality(np.abs(signed), GENES, tol=1e-12).to_numpy())
    with pytest.raises(ValueError, match="non-negative"):
        views.eigenvector_centrality(signed, GENES, absolute=False)
    with pytest.raises(views.ConvergenceError):
        views.eigenvector_centrality(m, GENES, max_iter=1, tol=1e-15)


def test_hub_scores_without_self_loops_against_loops():
    m = _signed(2, density=0.3)
    np.fill_diagonal(m, np.arange(1, N + 1))  # every gene has a self-loop
    for storage in (m, sp.csr_matrix(m)):
        got = views.hub_scores(storage, GENES, self_loops=False)
        for i, g in enumerate(GENES):
            assert got.loc[g, "out_degree"] == pytest.approx(sum(abs(m[i, j]) for j in range(N) if j != i))
            assert got.loc[g, "in_degree"] == pytest.approx(sum(abs(m[j, i]) for j in range(N) if j != i))
            assert got.loc[g, "n_targets"] == sum(m[i, j] != 0 for j in range(N) if j != i)
            assert got.loc[g, "n_regulators"] == sum(m[j, i] != 0 for j in range(N) if j != i)


@pytest.mark.parametrize("self_loops", [True, False])
def test_undirected_centrality_against_networkx(self_loops):
    m = _strongly_connected(5)
    np.fill_diagonal(m, 0.4)
    w = m + m.T
    np.fill_diagonal(w, 0.4 if self_loops else 0.0)  # a self-loop counts once, as in networkx
    ref = nx.eigenvector_centrality_numpy(nx.from_numpy_array(w), weight="weight")
    for storage in (m, sp.csr_matrix(m)):
        got = views.eigenvector_centrality(storage, GENES, direction="undirected", self_loops=self_loops, tol=1e-12)
        np.testing.assert_allclose(got.to_numpy(), [ref[i] for i in range(N)], atol=1e-8)


def test_directed_centrality_per_component():
    rng = np.random.default_rng(9)
    m = np.zeros((N, N))
    blocks = (np.arange(0, 12), np.arange(12, 29))  # gene 29 is isolated
    for scale, idx in zip((1.0, 3.0), blocks):
        k = len(idx)
        m[np.ix_(idx, idx)] = scale * (rng.random((k, k)) * (rng.random((k, k)) < 0.4) + np.roll(np.eye(k), 1, 1))
    got = views.eigenvector_centrality(m, GENES, direction="out", per_component=True, tol=1e-13, max_iter=100000)
    vecs, lams = [], []
    for idx in blocks:
        sub = m[np.ix_(idx, idx)]
        ref = nx.eigenvector_centrality(nx.from_numpy_array(sub, create_using=nx.DiGraph).reverse(),
                                        weight="weight", tol=1e-13, max_iter=100000)
        vecs.append(np.array([ref[i] for i in range(len(idx))]))
        lams.append(np.max(np.real(np.linalg.eigvals(sub))))
    np.testing.assert_allclose(got.to_numpy()[blocks[1]], vecs[1], atol=1e-7)
    np.testing.assert_allclose(got.to_numpy()[blocks[0]], vecs[0] * lams[0] / lams[1], atol=1e-7)
    assert got.iloc[29] == 0
    # an edgeless network is 0 everywhere, whatever the options; an unknown direction is refused
    for direction in ("out", "undirected"):
        assert (views.eigenvector_centrality(np.zeros((N, N)), GENES, direction=direction) == 0).all()
    with pytest.raises(ValueError, match="direction"):
        views.eigenvector_centrality(m, GENES, direction="both")


def test_top_regulators_and_targets_against_argsort():
    m = _signed(4, density=0.5)
    net = grnndata.from_matrix(m, GENES)
    for g in ("g0", "g7"):
        j = GENES.index(g)
        col = m[:, j]
        ref = [GENES[i] for i in np.argsort(-col) if col[i] != 0][:5]
        assert list(views.top_regulators(net, g, k=5).index) == ref
        row = m[j, :]
        ref_abs = [GENES[i] for i in np.argsort(-np.abs(row)) if row[i] != 0][:4]
        got = views.top_targets(net, g, k=4, absolute=True)
        assert list(got.index) == ref_abs
        np.testing.assert_array_equal(got.to_numpy(), row[[GENES.index(x) for x in ref_abs]])
    with pytest.raises(KeyError, match="not among"):
        views.top_targets(net, "nope")
    with pytest.raises(ValueError, match="2-D"):
        views.hub_scores(grnndata.from_matrix(np.ones((N, N, 2)), GENES))


def test_neighbourhood_against_brute_force():
    m = _signed(6, density=0.3)
    seed = "g3"
    s = GENES.index(seed)
    hood = views.neighbourhood(grnndata.from_matrix(sp.csr_matrix(m), GENES), seed, n_neighbours=6, n_edges=10)
    strength = {g: max(abs(m[s, i]), abs(m[i, s])) for i, g in enumerate(GENES) if i != s}
    expected = sorted((g for g in strength if strength[g] > 0), key=lambda g: -strength[g])[:6]
    assert hood.nodes[0] == seed and set(hood.nodes[1:]) == set(expected)
    idx = [GENES.index(g) for g in hood.nodes]
    cand = [
        (GENES[i], GENES[j], m[i, j]) for i in idx for j in idx if i != j and m[i, j] != 0
    ]
    cand.sort(key=lambda e: -abs(e[2]))
    assert len(hood.edges) == min(10, len(cand))
    assert set(hood.edges.itertuples(index=False, name=None)) == set(cand[:10])


def test_neighbourhood_plot_writes_png(tmp_path):
    net = grnndata.from_matrix(_signed(7, density=0.3), GENES)
    path = tmp_path / "hood.png"
    hood = plot_neighbourhood(net, "g5", path, n_neighbours=5, n_edges=12)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    assert len(hood.nodes) == 6 and len(hood.edges) <= 12
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hood.png"]


def test_demo_round_trip(tmp_path, caplog):
    from grnndata import demo

    with caplog.at_level("INFO", logger="grnndata.demo"):
        assert demo.run(tmp_path) is True
    assert "values identical: True" in caplog.text
