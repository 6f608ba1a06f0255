"""Tests of bengrn.enrichment against independent references (brute force, networkx, gseapy)."""
from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import ground_truths
from bengrn import enrichment as E
from grnndata.toy import toy
from ground_truths import genesets

GENES_600 = [f"G{i}" for i in range(600)]


def brute_es(weights: np.ndarray, hits: np.ndarray) -> float:
    """GSEA running sum written out position by position (Subramanian et al. 2005, weight p=1)."""
    n, k = len(weights), int(hits.sum())
    total = float(np.abs(weights[hits]).sum())
    running, path = 0.0, []
    for i in range(n):
        running += abs(weights[i]) / total if hits[i] else -1.0 / (n - k)
        path.append(running)
    hi, lo = max(path), min(path)
    return hi if abs(hi) > abs(lo) else lo


def gseapy_es(weights: np.ndarray, hits: np.ndarray) -> float:
    import gseapy

    genes = np.array([f"G{i}" for i in range(len(weights))])
    res = gseapy.prerank(rnk=pd.Series(weights, index=genes), gene_sets={"s": list(genes[hits])},
                         permutation_num=10, min_size=1, max_size=len(genes), outdir=None, no_plot=True,
                         ascending=None, threads=1, seed=0)
    return float(res.res2d["ES"].iloc[0])


# ---------------------------------------------------------------------------------------------------------------
# hubs and centrality
# ---------------------------------------------------------------------------------------------------------------
def test_hub_scores_equal_brute_force_sums():
    planted = toy(n_cells=20, n_genes=7, n_regulators=4, n_edges=12, seed=0).network
    a = planted.network().toarray()
    np.fill_diagonal(a, np.random.default_rng(0).normal(size=7))  # self-loops, which hubs ignore by default
    genes = list(planted.genes)
    df = E.hubs(a, genes, centrality=False)
    for i in range(7):
        assert df["regulator"].iloc[i] == pytest.approx(sum(abs(a[i, j]) for j in range(7) if j != i))
        assert df["target"].iloc[i] == pytest.approx(sum(abs(a[j, i]) for j in range(7) if j != i))
    with_loops = E.hubs(a, genes, centrality=False, self_loops=True)
    assert with_loops["regulator"].to_numpy() == pytest.approx(np.abs(a).sum(1))
    sparse = E.hubs(sp.csr_matrix(a), genes, centrality=False)
    pd.testing.assert_frame_equal(sparse, df)
    assert list(df.index) == genes
    grnndata = pytest.importorskip("grnndata")
    net = grnndata.GRnnData.from_matrix(a, genes)
    pd.testing.assert_frame_equal(E.hubs(net, centrality=False), df)


@pytest.mark.parametrize("n", [12, 150])  # dense eigh path and ARPACK path
def test_centrality_equals_networkx_on_connected_graph(n):
    rng = np.random.default_rng(n)
    a = rng.random((n, n)) * (rng.random((n, n)) < 0.3)
    a[np.arange(n - 1), np.arange(1, n)] = 0.5  # a path keeps it connected
    w = np.abs(a) + np.abs(a).T
    np.fill_diagonal(w, 0)
    ref = nx.eigenvector_centrality_numpy(nx.from_numpy_array(w), weight="weight")
    ref = np.array([ref[i] for i in range(n)])
    assert E.hub_centrality(a) == pytest.approx(ref, abs=1e-8)
    assert E.hub_centrality(sp.csr_matrix(a)) == pytest.approx(ref, abs=1e-8)
    assert E.hubs(-a, [f"g{i}" for i in range(n)])["centrality"].to_numpy() == pytest.approx(ref, abs=1e-8)


def test_centrality_disconnected_and_empty_graphs():
    rng = np.random.default_rng(3)
    a = np.zeros((9, 9))
    a[:4, :4] = rng.random((4, 4))  # component 1
    a[4:8, 4:8] = 3 * rng.random((4, 4))  # component 2, stronger; gene 8 isolated
    cent = E.hub_centrality(a)
    lams, vecs = [], []
    for idx in (range(0, 4), range(4, 8)):
        w = a[np.ix_(idx, idx)] + a[np.ix_(idx, idx)].T
        np.fill_diagonal(w, 0)
        g = nx.from_numpy_array(w)
        ref = nx.eigenvector_centrality_numpy(g, weight="weight")
        vecs.append(np.array([ref[i] for i in range(4)]))
        lams.append(np.linalg.eigvalsh(w)[-1])
    assert max(lams) == lams[1]
    assert cent[4:8] == pytest.approx(vecs[1], abs=1e-8)
    assert cent[:4] == pytest.approx(vecs[0] * lams[0] / lams[1], abs=1e-8)
    assert cent[8] == 0
    assert np.all(E.hub_centrality(np.zeros((5, 5))) == 0)


# ---------------------------------------------------------------------------------------------------------------
# the GSEA statistic
# ---------------------------------------------------------------------------------------------------------------
def test_enrichment_score_equals_brute_force_and_gseapy():
    rng = np.random.default_rng(1)
    checked = 0
    for trial in range(12):
        n = int(rng.integers(20, 300))
        k = int(rng.integers(1, n // 2))
        w = np.sort(rng.exponential(size=n))[::-1]
        if trial % 3 == 0:
            w[n // 2:] = 0  # zero block at the bottom
        if trial % 4 == 0:
            w = np.round(w, 1)  # ties
        hits = np.zeros(n, bool)
        # bias some sets to the bottom so that negative ES occur too
        p = np.linspace(1, 3, n) if trial % 2 else None
        hits[rng.choice(n, k, replace=False, p=None if p is None else p / p.sum())] = True
        if w[hits].sum() == 0:
            continue
        es = E.enrichment_score(w, hits)
        assert es == pytest.approx(brute_es(w, hits), abs=1e-12)
        assert es == pytest.approx(gseapy_es(w, hits), abs=1e-10)
        checked += 1
    assert checked >= 8
    # hand-computed: N=4, hits at ranks 1 and 3 with weights 3 and 1 -> running sum 0.75, 0.25, 0.5, 0 -> ES 0.75
    assert E.enrichment_score(np.array([3.0, 2.0, 1.0, 0.5]), np.array([True, False, True, False])) == 0.75


def test_enrichment_score_negative_and_edges():
    w = np.array([4.0, 3.0, 2.0, 1.0, 1.0])
    hits = np.array([False, False, False, True, True])
    assert E.enrichment_score(w, hits) == pytest.approx(-1.0)
    with pytest.raises(ValueError, match="at least one"):
        E.enrichment_score(w, np.zeros(5, bool))


def test_tf_target_nes_and_p_agree_with_gseapy():
    import gseapy

    rng = np.random.default_rng(5)
    n = 1500
    genes = [f"G{i}" for i in range(n)]
    row = rng.random(n)
    targets = rng.choice(np.arange(1, n), 80, replace=False)
    row[targets] += 0.12 * rng.random(80)  # mild enrichment: p away from both 0 and 1
    net = np.zeros((n, n))
    net[0] = row
    ours = E.tf_targets(net, genes, {"G0": [genes[i] for i in targets]}, permutations=2000, seed=0).iloc[0]
    ref = gseapy.prerank(rnk=pd.Series(row[1:], index=genes[1:]), gene_sets={"s": [genes[i] for i in targets]},
                         permutation_num=2000, min_size=1, max_size=n, outdir=None, no_plot=True, threads=1,
                         seed=0).res2d.iloc[0]
    assert ours["es"] == pytest.approx(ref["ES"], abs=1e-10)  # no ties: same order, same ES
    assert ours["nes"] == pytest.approx(ref["NES"], rel=0.05)  # two independent permutation nulls
    assert abs(ours["pval"] - ref["NOM p-val"]) < 0.04


# ---------------------------------------------------------------------------------------------------------------
# prerank_sets: TF enrichment of hubs
# ---------------------------------------------------------------------------------------------------------------
def _decoys(rng):
    return {f"decoy{j}": list(rng.choice(GENES_600, 20, replace=False)) for j in range(15)}


def test_planted_tf_hubs_are_enriched_random_networks_are_not():
    rng = np.random.default_rng(11)
    tfs = list(rng.choice(GENES_600, 60, replace=False))
    tf_idx = [GENES_600.index(t) for t in tfs]
    sets = {"TFs": tfs, **_decoys(rng)}
    random_calls = []
    for s in range(5):
        net_rng = np.random.default_rng(1000 + s)
        planted = net_rng.random((600, 600))
        planted[tf_idx] *= 1.2  # TFs have 20% stronger out-going edges
        table = E.prerank_sets(E.hubs(planted, GENES_600, centrality=False)["regulator"], sets, seed=s,
                               permutations=200)
        tf = table.set_index("term").loc["TFs"]
        assert tf["fdr"] < 0.1 and tf["nes"] > 1
        noise = net_rng.random((600, 600))
        table = E.prerank_sets(E.hubs(noise, GENES_600, centrality=False)["regulator"], sets, seed=s,
                               permutations=200)
        tf = table.set_index("term").loc["TFs"]
        random_calls.append(bool(tf["fdr"] < 0.1 and tf["nes"] > 1))
    assert sum(random_calls) <= 1


def test_prerank_sets_agrees_with_gseapy():
    import gseapy

    rng = np.random.default_rng(12)
    n = 1500
    ranking = pd.Series(rng.random(n), index=[f"G{i}" for i in range(n)]).sort_values(ascending=False)
    order = ranking.index.to_numpy()
    sets = {"top": [*rng.choice(order[:400], 40, replace=False), *rng.choice(order, 20, replace=False)],
            "bottom": [*rng.choice(order[-500:], 30, replace=False), *rng.choice(order, 10, replace=False)],
            **{f"rand{j}": list(rng.choice(order, int(rng.integers(10, 80)), replace=False)) for j in range(6)}}
    ours = E.prerank_sets(ranking, sets, permutations=2000, seed=0).set_index("term")
    ref = gseapy.prerank(rnk=ranking, gene_sets=sets, permutation_num=2000, min_size=1, max_size=n, outdir=None,
                         no_plot=True, threads=1, seed=0).res2d.set_index("Term").loc[ours.index]
    assert ours["es"].to_numpy() == pytest.approx(ref["ES"].astype(float).to_numpy(), abs=1e-10)  # no ties
    assert ours.loc["bottom", "es"] < 0 < ours.loc["top", "es"]
    assert ours["lead_genes"].tolist() == ref["Lead_genes"].tolist()
    # Two independent permutation nulls of 2000 random sets each. With non-negative weights (hub scores) a random
    # set almost never has ES < 0 (a handful of the 2000), so NES / p of the negative set are noise on both sides.
    pos = ours["es"].to_numpy() > 0
    assert ours["nes"].to_numpy()[pos] == pytest.approx(ref["NES"].astype(float).to_numpy()[pos], rel=0.05)
    assert np.abs(ours["pval"].to_numpy() - ref["NOM p-val"].astype(float).to_numpy())[pos].max() < 0.04
    # FDR divides by the share of the 7 positive observed sets above each NES: a swap of two close NES between the
    # two runs moves it by 1/7, hence the wider tolerance; the planted set is called by both
    assert np.abs(ours["fdr"].to_numpy() - ref["FDR q-val"].astype(float).to_numpy())[pos].max() < 0.2
    assert ours.loc["top", "fdr"] < 0.01 and float(ref.loc["top", "FDR q-val"]) < 0.01


def test_progress_goes_to_the_callback():
    rng = np.random.default_rng(3)
    ranking = pd.Series(rng.random(100), index=[f"G{i}" for i in range(100)])
    sets = {f"s{j}": [f"G{i}" for i in rng.choice(100, 10, replace=False)] for j in range(3)}
    events = []
    E.prerank_sets(ranking, sets, permutations=20, progress=lambda event, info: events.append((event, info)))
    assert events == [("prerank", {"done": i, "total": 3}) for i in (1, 2, 3)]
    with pytest.raises(TypeError, match="callable"):
        E.prerank_sets(ranking, sets, permutations=20, progress=True)


def test_hub_centrality_is_grnndata_views_with_explicit_options():
    from grnndata import views

    rng = np.random.default_rng(6)
    a = rng.normal(size=(80, 80)) * (rng.random((80, 80)) < 0.05)  # sparse enough to fall apart into components
    genes = [f"g{i}" for i in range(80)]
    h = E.hubs(a, genes)
    cent = views.eigenvector_centrality(a, genes, direction="undirected", self_loops=False, per_component=True,
                                        tol=1e-10)
    assert h["centrality"].to_numpy() == pytest.approx(cent.to_numpy(), abs=1e-12)
    degrees = views.hub_scores(a, genes, self_loops=False)
    assert h["regulator"].to_numpy() == pytest.approx(degrees["out_degree"].to_numpy(), abs=1e-12)


def test_prerank_sets_case_skips_and_reproducibility():
    rng = np.random.default_rng(2)
    ranking = pd.Series(rng.random(200), index=[f"Gene{i}" for i in range(200)])
    ranking.iloc[:20] = 0.5  # a block of ties
    ranking.iloc[-5:] = 0.0  # dropped: no edges
    sets = {"lower": [f"gene{i}" for i in range(0, 200, 7)], "tiny": ["GENE1", "GENE2", "NOTAGENE"],
            "absent": ["X1", "X2", "X3", "X4"], "zeros_only": [f"GENE{i}" for i in range(195, 200)]}
    a = E.prerank_sets(ranking, sets, seed=3, permutations=100, min_size=3)
    b = E.prerank_sets(ranking, sets, seed=3, permutations=100, min_size=3)
    pd.testing.assert_frame_equal(a, b)
    assert a["term"].tolist() == ["lower"]
    assert a["n_genes"].iloc[0] == len(range(0, 195, 7))  # lower-case symbols matched, zero-score genes dropped
    assert set(a.attrs["skipped"]) == {"tiny", "absent", "zeros_only"}
    assert a.attrs["n_ranked"] == 195
    # ties are broken by the seed: ES of the tied block can change, but each seed is reproducible
    c = E.prerank_sets(ranking, {"ties": [f"Gene{i}" for i in range(0, 20, 2)]}, seed=4, permutations=50)
    d = E.prerank_sets(ranking, {"ties": [f"Gene{i}" for i in range(0, 20, 2)]}, seed=4, permutations=50)
    pd.testing.assert_frame_equal(c, d)


def test_gene_set_inputs_and_errors(tmp_path):
    gmt = tmp_path / "sets.gmt"
    gmt.write_text("Astro\tBrain\tA\tB\nAstro\tEye\tC\tD\nNeuron\tBrain\tE\tF\tG\n")
    sets = genesets.read_gmt(gmt)
    assert sets == {"Astro (Brain)": ["A", "B"], "Astro (Eye)": ["C", "D"], "Neuron": ["E", "F", "G"]}
    ranking = pd.Series(np.arange(10, 0, -1, dtype=float), index=list("ABCDEFGHIJ"))
    res = E.prerank_sets(ranking, [str(gmt), {"mine": ["A", "J"]}], permutations=20, min_size=2)
    assert set(res["term"]) == {"Astro (Brain)", "Astro (Eye)", "Neuron", "mine"}
    with pytest.raises(TypeError, match="list of gene symbols"):
        E.prerank_sets(ranking, {"bad": "ABC"})
    with pytest.raises(ValueError, match="NaN"):
        E.prerank_sets(pd.Series([1.0, np.nan, 2.0], index=list("ABC")), {"s": ["A"]})
    with pytest.raises(FileNotFoundError):
        genesets.read_gmt(tmp_path / "missing.gmt")


@pytest.mark.parametrize(
    "network, genes, match",
    [
        (np.ones((3, 4)), list("ABC"), "square"),
        (np.ones((3, 3)), list("AB"), "3 rows but 2 genes"),
        (np.full((3, 3), np.nan), list("ABC"), "NaN"),
        (np.ones((3, 3, 2)), list("ABC"), "2-D"),
        (np.ones((3, 3)), None, "genes is required"),
    ],
)
def test_bad_networks_raise_clear_errors(network, genes, match):
    with pytest.raises(ValueError, match=match):
        E.hubs(network, genes)


# ---------------------------------------------------------------------------------------------------------------
# per-TF ENCODE target enrichment
# ---------------------------------------------------------------------------------------------------------------
def _tf_network(rng, n=800, n_tf=21, planted=True):
    genes = [f"G{i}" for i in range(n)]
    net = rng.random((n, n))
    targets = {genes[t]: [genes[j] for j in rng.choice(np.arange(n_tf, n), 40, replace=False)] for t in range(n_tf)}
    if planted:
        idx = [genes.index(g) for g in targets["G0"]]
        net[0, idx] += 0.3  # G0's edges favour its ENCODE targets
    return net, genes, targets


def test_planted_tf_is_significant_shuffled_is_not():
    rng = np.random.default_rng(21)
    net, genes, targets = _tf_network(rng)
    table = E.tf_targets(net, genes, targets, permutations=200, seed=0).set_index("tf")
    assert table.loc["G0", "significant"]
    assert table.loc["G0", "fdr"] < 0.05 and table.loc["G0", "nes"] > 1
    assert table.drop(index="G0")["significant"].sum() <= 2  # 20 TFs with random edges
    shuffled_calls = []
    for s in range(3):
        shuffled = net.copy()
        shuffled[0] = np.random.default_rng(s).permutation(net[0])
        res = E.tf_targets(shuffled, genes, targets, permutations=200, seed=s).set_index("tf")
        shuffled_calls.append(bool(res.loc["G0", "significant"]))
    assert sum(shuffled_calls) <= 1
    assert table.attrs["n_tested"] == 21
    assert table.attrs["fraction_significant"] == table["significant"].mean()


def test_tf_targets_reproducible_parallel_and_bh():
    rng = np.random.default_rng(8)
    net, genes, targets = _tf_network(rng, n=300, n_tf=6)
    targets["g1"] = targets.pop("G1")  # case-insensitive TF names
    targets["G2"] = targets["G2"][:3]  # too few targets: skipped
    targets["NOT_IN_NET"] = ["G10", "G11", "G12", "G13", "G14"]
    net[3] = 0  # no out-going edges: skipped
    a = E.tf_targets(net, genes, targets, permutations=100, seed=1)
    events = []
    b = E.tf_targets(sp.csr_matrix(net), genes, targets, permutations=100, seed=1, n_jobs=2,
                     progress=lambda event, info: events.append((event, info)))
    pd.testing.assert_frame_equal(a, b)
    assert events == [("tf_targets", {"done": i, "total": 4}) for i in range(1, 5)]
    assert a["tf"].tolist() == ["G0", "G1", "G4", "G5"]
    assert set(a.attrs["skipped"]) == {"G2", "G3"}
    # BH of the nominal p-values, by hand
    p = a["pval"].to_numpy()
    order = np.argsort(p)
    m = len(p)
    expected = np.empty(m)
    for rank, i in enumerate(order, 1):
        expected[i] = min(min(p[order[r - 1]] * m / r for r in range(rank, m + 1)), 1.0)
    assert a["fdr_bh"].to_numpy() == pytest.approx(expected)
    c = E.tf_targets(net, genes, targets, permutations=100, seed=2)
    assert not np.array_equal(a["pval"].to_numpy(), c["pval"].to_numpy())  # the seed is used


def brute_gsea_fdr(nes, nulls):
    """GSEA FDR of Subramanian et al. (2005), counted set by set."""
    nulls = [v for v in nulls]
    out = []
    for x in nes:
        if x >= 0:
            null_share = sum(v >= x for v in nulls) / sum(v >= 0 for v in nulls)
            obs_share = sum(v >= x for v in nes) / sum(v >= 0 for v in nes)
        else:
            null_share = sum(v <= x for v in nulls) / sum(v < 0 for v in nulls)
            obs_share = sum(v <= x for v in nes) / sum(v < 0 for v in nes)
        out.append(min(null_share / obs_share, 1.0))
    return np.array(out)


def test_gsea_fdr_equals_brute_force():
    rng = np.random.default_rng(9)
    nes = np.concatenate([rng.normal(1.2, 0.5, 15), rng.normal(-1, 0.3, 5), [2.5, 3.0]])
    nulls = np.concatenate([rng.normal(1, 0.3, 500), -rng.normal(1, 0.3, 400)])
    assert E.gsea_fdr(nes, nulls) == pytest.approx(brute_gsea_fdr(nes, nulls))
    assert E.gsea_fdr(np.array([5.0]), nulls)[0] == 0.0  # beyond every null value


def test_read_encode_json_merges_cell_lines_and_aliases(tmp_path):
    path = tmp_path / "chip.json"
    path.write_text(json.dumps({"CJUN K562": ["a", "B"], "CJUN HELA-S3": ["C"], "MYC K562": ["d"]}))
    assert genesets.read_encode_json(path) == {"JUN": {"A", "B", "C"}, "MYC": {"D"}}


def test_shared_encode_and_markers_load(shared_data):
    targets = genesets.read_encode_json(shared_data / "truths/encode_tf_targets/tfchip_data.json")
    assert {"JUN", "REST", "CTCF"} <= set(targets)
    raw = json.loads((shared_data / "truths/encode_tf_targets/tfchip_data.json").read_text())
    assert targets["JUN"] == {t.upper() for k, v in raw.items() if k.split(" ")[0] == "CJUN" for t in v}
    gmt = shared_data / "gene_sets/grnndata_celltype.gmt"
    markers = genesets.cell_type_markers(gmt)
    pairs = {tuple(line.split("\t")[:2]) for line in gmt.read_text().splitlines() if line.strip()}
    assert len(markers) == len(pairs)  # repeated names split by tissue, repeated (name, tissue) lines merged
    assert "Pro-B cells" in markers and "Astrocytes (Brain)" in markers


def test_default_reference_data_from_mirror(shared_data, monkeypatch):
    monkeypatch.setenv("GROUND_TRUTHS_LOCAL", str(shared_data))
    targets = ground_truths.encode_tf_targets()
    # ENCODE antibody names mapped to HGNC symbols whichever reader is used
    assert {"JUN", "REST", "NR2C2", "RELA"} <= set(targets) and "CJUN" not in targets
    reference = genesets.read_encode_json(shared_data / "truths/encode_tf_targets/tfchip_data.json")
    assert set(targets) == set(reference)
    assert {g.upper() for g in targets["JUN"]} <= reference["JUN"]
    tfs = set(ground_truths.tf_list("human"))
    assert {"POU5F1", "SOX2", "NANOG"} <= tfs and 1500 < len(tfs) < 2000
    assert "Embryonic stem cells" in genesets.cell_type_markers()
    with pytest.raises(ValueError, match="organism"):
        ground_truths.tf_list("yeast")


def test_summarize_reports_missing_reference_data(monkeypatch):
    monkeypatch.setattr(genesets, "MARKERS_FILE", "not-shipped.gmt")
    monkeypatch.delenv("GROUND_TRUTHS_LOCAL", raising=False)
    rng = np.random.default_rng(0)
    net = rng.random((50, 50))
    genes = [f"G{i}" for i in range(50)]
    summary = E.summarize(net, genes, tf_list=genes[:10], targets_by_tf={}, permutations=20)
    assert any("cell-type marker GMT not found" in w for w in summary["warnings"])
    assert summary["hubs"]["regulator"]["top_cell_types"] == []
    assert summary["encode"]["n_tested"] == 0 and summary["encode"]["fraction_significant"] is None


# ---------------------------------------------------------------------------------------------------------------
# summary and plot
# ---------------------------------------------------------------------------------------------------------------
def test_summarize_is_json_and_plot_is_written(tmp_path):
    rng = np.random.default_rng(4)
    net, genes, targets = _tf_network(rng, n=400, n_tf=8)
    tfs = genes[:40]
    net[:40] *= 1.3
    gmt = tmp_path / "cells.gmt"
    gmt.write_text("".join(f"cell{j}\ttissue\t" + "\t".join(rng.choice(genes, 15, replace=False)) + "\n"
                           for j in range(12)))
    summary = E.summarize(net, genes, tf_list=tfs, cell_type_gmt=gmt, targets_by_tf=targets, permutations=100)
    again = json.loads(json.dumps(summary, allow_nan=False))
    assert again == summary
    assert summary["tf_enriched"] is True
    assert summary["hubs"]["regulator"]["tf_enrichment"]["enriched"] is True
    assert len(summary["hubs"]["regulator"]["top_cell_types"]) == 10
    assert summary["encode"]["n_tested"] == 8
    assert summary["encode"]["top"][0]["tf"] == "G0"
    out = E.plot_summary(summary, tmp_path / "plots" / "enrich.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in out.parent.iterdir()) == ["enrich.png"]
    with pytest.raises(ValueError, match="summarize"):
        E.plot_summary({"x": 1}, tmp_path / "bad.png")
