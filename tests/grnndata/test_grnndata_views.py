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
from grnndata.toy import toy, toy_genes

N, N_REGULATORS = 30, 10
GENES = toy_genes(N, N_REGULATORS)


def _planted(seed: int = 0, n_edges: int = 100) -> np.ndarray:
    """The planted signed network of grnndata.toy over GENES (regulators first, acyclic, no self-loops), dense."""
    net = toy(n_cells=20, n_genes=N, n_regulators=N_REGULATORS, n_edges=n_edges, seed=seed).network
    assert list(net.genes) == GENES
    return net.network().toarray()


@pytest.mark.parametrize("absolute", [True, False])
@pytest.mark.parametrize("storage", ["dense", "sparse"])
def test_hub_scores_against_loops(absolute, storage):
    m = _planted(1)
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
    m = _planted(2, n_edges=150)
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
    m = _planted(4, n_edges=200)
    net = grnndata.from_matrix(m, GENES)
    for g in (GENES[7], GENES[9]):  # regulators with regulators of their own
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
    m = _planted(6, n_edges=150)
    seed = GENES[3]
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
    net = grnndata.from_matrix(_planted(7, n_edges=150), GENES)
    path = tmp_path / "hood.png"
    hood = plot_neighbourhood(net, GENES[5], path, n_neighbours=5, n_edges=12)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    assert len(hood.nodes) == 6 and len(hood.edges) <= 12
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hood.png"]


def _with_stored_zeros(m: np.ndarray, n_zeros: int = 60, seed: int = 0) -> sp.csr_matrix:
    """``m`` as CSR plus explicit zeros stored where ``m`` has no edge (including the diagonal)."""
    rng = np.random.default_rng(seed)
    rows, cols = np.nonzero(m)
    empty = np.flatnonzero(m.ravel() == 0)
    zr, zc = np.unravel_index(np.r_[rng.choice(empty, n_zeros, replace=False), 0], m.shape)
    stored = sp.csr_matrix((np.r_[m[rows, cols], np.zeros(len(zr))], (np.r_[rows, zr], np.r_[cols, zc])), m.shape)
    assert stored.nnz == np.count_nonzero(m) + len(zr) and np.array_equal(stored.toarray(), m)
    return stored


def test_zero_rule_stored_zeros_are_no_edges(tmp_path):
    m = _planted(3, n_edges=120)
    stored = _with_stored_zeros(m)
    nnz_before = stored.nnz
    matrix, _ = views.resolve_network(stored, GENES)
    assert matrix.nnz == np.count_nonzero(m) and stored.nnz == nnz_before  # dropped from a copy only
    pd.testing.assert_frame_equal(views.hub_scores(stored, GENES), views.hub_scores(m, GENES))
    pd.testing.assert_frame_equal(views.hub_scores(stored, GENES, self_loops=False),
                                  views.hub_scores(m, GENES, self_loops=False))
    for options in ({"direction": "out"}, {"direction": "undirected", "per_component": True, "self_loops": False}):
        np.testing.assert_allclose(views.eigenvector_centrality(stored, GENES, **options).to_numpy(),
                                   views.eigenvector_centrality(m, GENES, **options).to_numpy(), atol=1e-12)
    for gene in (GENES[2], GENES[12]):
        pd.testing.assert_series_equal(views.top_targets(stored, gene, genes=GENES, k=30),
                                       views.top_targets(m, gene, genes=GENES, k=30))
        pd.testing.assert_series_equal(views.top_regulators(stored, gene, genes=GENES, k=30),
                                       views.top_regulators(m, gene, genes=GENES, k=30))
        a = plot_neighbourhood(stored, gene, tmp_path / "a.png", GENES, n_neighbours=30, n_edges=100)
        b = views.neighbourhood(m, gene, GENES, n_neighbours=30, n_edges=100)
        assert a.nodes == b.nodes and (a.tied_neighbours, a.tied_edges) == (b.tied_neighbours, b.tied_edges)
        pd.testing.assert_frame_equal(a.edges, b.edges)
        assert (a.edges["weight"] != 0).all()


def test_neighbourhood_figure_has_a_colour_legend_and_a_plain_title():
    from matplotlib.colors import to_rgba
    from matplotlib.patches import FancyArrowPatch

    from grnndata.plot import neighbourhood_figure

    m = _planted(7, n_edges=150)
    hood = views.neighbourhood(m, GENES[5], GENES, n_neighbours=5, n_edges=12)
    # planted weights are continuous: no ties at either cut-off
    assert not hood.tied_neighbours and not hood.tied_edges
    ax = neighbourhood_figure(hood, key="GRN").axes[0]
    legend = ax.get_legend()
    arrows = [to_rgba(p.get_edgecolor()) for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert ax.get_title() == f"{GENES[5]}: 5 neighbours, {len(hood.edges)} edges (GRN)"
    assert [t.get_text() for t in legend.get_texts()] == ["positive score", "negative score", "seed gene",
                                                          "neighbour"]
    assert legend.get_title().get_text() == "width ~ |score|"
    colours = {t.get_text(): to_rgba(h.get_color()) for t, h in zip(legend.get_texts(), legend.legend_handles)}
    # every arrow has the legend's colour for the sign of its score
    expected = [colours["positive score"] if w > 0 else colours["negative score"] for w in hood.edges["weight"]]
    assert arrows == expected and len(arrows) == len(hood.edges)


def test_neighbourhood_title_says_when_ties_decided():
    from grnndata.plot import neighbourhood_figure

    genes = [f"g{i}" for i in range(8)]
    m = np.zeros((8, 8))
    m[0, [3, 1, 6, 4]] = 1.0  # four neighbours as strong as each other
    m[0, 7] = 2.0
    m[7, [1, 3, 4, 6]] = -0.5  # equal edges among them
    hood = views.neighbourhood(m, "g0", genes, n_neighbours=3, n_edges=4)
    # brute force: g7 first, then two of the four equal genes, taken in gene order
    assert hood.nodes == ["g0", "g7", "g1", "g3"] and hood.tied_neighbours
    # 3 edges from g0 (weight 1 or 2) rank first; the 4th is one of the two equal -0.5 edges g7 -> g1 / g7 -> g3
    assert list(hood.edges["weight"]) == [2.0, 1.0, 1.0, -0.5] and hood.tied_edges
    title = neighbourhood_figure(hood).axes[0].get_title()
    assert title == "g0: 3 neighbours, 4 edges (GRN)\nties at the cut-off: neighbours and edges kept by gene order"
    untied = views.neighbourhood(m, "g0", genes, n_neighbours=5, n_edges=20)
    assert not untied.tied_neighbours and not untied.tied_edges
    assert "ties" not in neighbourhood_figure(untied).axes[0].get_title()


def test_demo_round_trip(tmp_path, caplog):
    from grnndata import demo

    with caplog.at_level("INFO", logger="grnndata.demo"):
        assert demo.run(tmp_path) is True
    assert "values identical: True" in caplog.text
