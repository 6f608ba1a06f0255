"""Issue 11 on the runner side: universes, the null, flags, context, held-out rows and their control, full-depth
normalisation. Independent checks: brute-force universes scored with scikit-learn, direct bengrn.evaluate calls,
hand-computed depths, planted heads."""
from __future__ import annotations

import logging

import anndata
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from rich.console import Console
from sklearn.metrics import average_precision_score, roc_auc_score

pytest.importorskip("ground_truths")

import ground_truths  # noqa: E402
import grnndata  # noqa: E402
from bengrn.alignment import align  # noqa: E402
from bengrn.cli.tables import flag_legend, summary_tables  # noqa: E402
from bengrn.errors import BenchmarkError  # noqa: E402
from bengrn.metrics import evaluate  # noqa: E402
from bengrn.prepare import log_normalize, prepare_groups  # noqa: E402
from bengrn.protocols import HELDOUT_RANDOM, score_selected_heads  # noqa: E402
from bengrn.runner import RunConfig, run_benchmark  # noqa: E402
from bengrn.truths import context_mismatch  # noqa: E402
from grnndata.toy import toy  # noqa: E402

SMALL = {"n_genes": 300, "n_cells": 100, "seed": 3, "progress": False}


@pytest.fixture(scope="module")
def universes(shared_data, tmp_path_factory):
    """The random network on chen-hesc x OmniPath scored on every universe (one inference, reused)."""
    out = tmp_path_factory.mktemp("universes")
    runs = {u: run_benchmark(RunConfig(methods=["random"], truths=["omnipath"], out=out, universe=u, n_null=0,
                                       **SMALL))[0] for u in ("truth", "beeline", "tf", "all")}
    net = grnndata.read_h5ad(out / runs["all"]["provenance"]["network_file"])
    return runs, net


def test_every_universe_is_the_brute_force_one_scored_by_sklearn(universes):
    runs, net = universes
    genes = list(net.genes)
    truth = align(ground_truths.load("omnipath"), genes)[0].toarray()
    scores = np.asarray(net.network("GRN"))
    n = len(genes)
    off = ~np.eye(n, dtype=bool)
    edges = truth & off
    tfs = {t.upper() for t in ground_truths.tf_list("human")}
    incident = edges.any(axis=0) | edges.any(axis=1)
    rows_cols = {  # OmniPath's protocol: every regulator with an edge, every gene measured
        "truth": (edges.any(axis=1), np.ones(n, dtype=bool)),
        "beeline": (edges.any(axis=1), incident),
        "tf": (np.array([g.upper() in tfs for g in genes]), np.ones(n, dtype=bool)),
        "all": (np.ones(n, dtype=bool), np.ones(n, dtype=bool)),
    }
    # One inference, scored on four universes.
    assert [runs[u]["provenance"]["timings"]["network_reused"] for u in rows_cols] == [False, True, True, True]
    for universe, (rows, cols) in rows_cols.items():
        run = runs[universe]
        inside = rows[:, None] & cols[None, :] & off
        labels, values = truth[inside], scores[inside]
        m = run["metrics"]
        assert run["universe"]["name"] == m["universe"] == universe and not run["universe"]["heldout"]
        assert m["n_universe"] == run["universe"]["n_pairs"] == inside.sum()
        assert m["n_positives"] == labels.sum()
        assert m["n_regulators"] == rows.sum() and m["n_targets"] == cols.sum()
        assert run["universe"]["n_truth_edges_aligned"] == truth.sum()
        assert run["universe"]["n_truth_edges_removed"] == truth.sum() - labels.sum()
        assert m["ap"] == pytest.approx(average_precision_score(labels, values), rel=1e-12)
        assert m["auroc"] == pytest.approx(roc_auc_score(labels, values), rel=1e-12)
        assert run["provenance"]["parameters"]["universe"] == universe
    # The universes differ where they should: TF rows are fewer than all rows, BEELINE drops edge-less targets.
    assert runs["tf"]["metrics"]["n_universe"] < runs["all"]["metrics"]["n_universe"]
    assert runs["beeline"]["metrics"]["n_universe"] < runs["truth"]["metrics"]["n_universe"]
    assert runs["tf"]["universe"]["n_truth_edges_removed"] > 0


def test_null_of_every_headline_metric_is_the_direct_one(universes, tmp_path):
    _, net = universes
    genes = list(net.genes)
    truth, stats = align(ground_truths.load("omnipath"), genes)
    (run,) = run_benchmark(RunConfig(methods=["random"], truths=["omnipath"], out=tmp_path, universe="truth",
                                     n_null=30, **SMALL))
    direct = evaluate(net.network("GRN"), truth, genes=genes, universe="truth", regulators=stats["regulators"],
                      targets=stats["targets"], n_null=30, seed=SMALL["seed"])
    for m in ("auprc", "ap", "auroc", "odds_ratio", "epr"):
        for suffix in ("null_mean", "null_sd", "z", "p"):
            key = f"{m}_{suffix}"
            assert run["metrics"][key] == pytest.approx(direct[key], rel=1e-12, abs=0), key
        assert 0 < run["metrics"][f"{m}_p"] <= 1
    # The null of a random network is centred on its own AUPRC's expectation: the prevalence.
    assert run["metrics"]["auprc_null_mean"] == pytest.approx(run["metrics"]["prevalence"], rel=0.2)
    assert run["provenance"]["parameters"]["n_null"] == 30


def test_tf_only_is_an_alias_of_universe_tf():
    assert RunConfig(methods=["random"], truths=["omnipath"], tf_only=True).universe == "tf"
    config = RunConfig(methods=["random"], truths=["omnipath"], universe="tf")
    assert config.tf_only is True and RunConfig(methods=["random"], truths=["omnipath"]).universe == "truth"
    with pytest.raises(BenchmarkError, match="--tf-only is --universe tf"):
        RunConfig(methods=["random"], truths=["omnipath"], tf_only=True, universe="beeline")
    with pytest.raises(BenchmarkError, match="unknown universe 'rows'"):
        RunConfig(methods=["random"], truths=["omnipath"], universe="rows")


def _toy_files(tmp_path, n_edges: int, context: dict | None = None):
    """The shared toy counts as an .h5ad (optionally with another context) and its first edges as a user truth."""
    t = toy(n_cells=120, n_genes=40, n_regulators=6, n_edges=30, seed=1)
    adata = t.adata.copy()
    ctx = context or t.adata.uns["dataset"]["context"]
    # .h5ad stores no None: unknown context fields are left out.
    adata.uns["dataset"] = {"name": "toy", "organism": ctx["organism"],
                            "context": {k: v for k, v in ctx.items() if v is not None}}
    data = tmp_path / "toy.h5ad"
    adata.write_h5ad(data)
    edges = tmp_path / "toy_edges.tsv"
    t.truth.iloc[:n_edges][["source", "target"]].to_csv(edges, sep="\t", index=False)
    return t, data, edges


def test_a_three_edge_benchmark_is_flagged_warned_and_shown(tmp_path, caplog):
    t, data, edges = _toy_files(tmp_path, 3)
    ground_truths.import_file(edges, "toy-three", source="source", target="target")
    assert t.truth.iloc[:3]["source"].nunique() < 5
    with caplog.at_level(logging.WARNING, logger="bengrn"):
        (run,) = run_benchmark(RunConfig(methods=["random"], truths=["toy-three"], data=str(data), out=tmp_path / "o",
                                         n_genes=None, n_null=20, progress=False))
    m = run["metrics"]
    assert m["n_positives"] == 3
    # 3 edges < 100, < 5 regulators, and 3 * 3 / N expected hits < 5.
    assert {"few_truth_edges", "few_regulators", "few_expected_hits"} <= set(m["flags"])
    assert m["n_positives"] ** 2 / m["n_universe"] < 5
    warned = [r.getMessage() for r in caplog.records if r.name == "bengrn.runner"]
    assert any("random x toy-three" in w and "few_truth_edges" in w for w in warned), warned
    text = _render(summary_tables([run], seed=0)) + "\n".join(flag_legend([run]))
    assert "edges regs hits" in text and "fewer than 100 truth edges" in text and "n_pos" in text


def _render(tables, width: int = 80) -> str:
    console = Console(width=width, record=True)
    for table in tables:
        console.print(table)
    return console.export_text()


def test_context_mismatch_is_flagged_and_warned(tmp_path, caplog):
    # The toy truth is human; the same cells declared as mouse ESCs do not match it.
    _, data, edges = _toy_files(tmp_path, 30, context={"organism": "mouse", "cell_line": None, "cell_type": "ESC"})
    ground_truths.import_file(edges, "toy-human", source="source", target="target", organism="human")
    with caplog.at_level(logging.WARNING, logger="bengrn"):
        (run,) = run_benchmark(RunConfig(methods=["random"], truths=["toy-human"], data=str(data), out=tmp_path / "o",
                                         n_genes=None, n_null=0, progress=False))
    assert "context_mismatch" in run["metrics"]["flags"]
    assert run["context"]["mismatch"] == ["organism: truth human, cells mouse"]
    assert run["context"]["dataset"]["cell_type"] == "ESC"
    assert any("do not share a context" in r.getMessage() for r in caplog.records)


def test_context_comparison_rules():
    hesc = {"organism": "human", "cell_line": "H1", "cell_type": "embryonic stem cell"}
    k562 = {"organism": "human", "cell_line": "K562", "cell_type": None}
    assert context_mismatch(k562, hesc) == ["cell line: truth K562, cells H1"]
    assert context_mismatch({"organism": "Human", "cell_line": "k562", "cell_type": None}, k562) == []
    # Unknown on either side cannot mismatch.
    assert context_mismatch({"organism": None, "cell_line": None, "cell_type": None}, hesc) == []


def _planted_heads():
    rng = np.random.default_rng(0)
    g, n_heads = 60, 6
    genes = [f"G{i}" for i in range(g)]
    truth = np.zeros((g, g), dtype=bool)
    for r in rng.choice(g, size=12, replace=False):
        truth[r, rng.choice(g, size=8, replace=False)] = True
    np.fill_diagonal(truth, False)
    stack = rng.random((g, g, n_heads))
    # Heads 1 and 4 score truth.T (informative once transposed), head 2 scores the truth as stored.
    stack[:, :, 1] += 2.0 * truth.T
    stack[:, :, 4] += 1.5 * truth.T
    stack[:, :, 2] += 2.0 * truth
    net = grnndata.GRnnData.from_matrix(stack.mean(axis=2), genes)
    net.add_network("heads", stack)
    return net, stack, truth, genes


def test_head_selection_is_fitted_in_the_scored_orientation():
    net, stack, truth, genes = _planted_heads()
    all_rows = np.ones(len(genes), dtype=bool)
    res = score_selected_heads(net, sp.csr_matrix(truth), genes=genes, universe="tf", tf_mask=all_rows,
                               transpose=True, seed=0)
    selected, coef = set(res.details["selected"]), res.details["coefficients"]
    # The heads informative in the scored orientation carry the fit (head 2 is noise once transposed).
    assert {1, 4} <= selected and min(coef[1], coef[4]) > 5 * max(coef[2], 0.0)
    held = np.zeros(len(genes), dtype=bool)
    held[res.details["heldout_regulators"]] = True
    direct = evaluate(stack[:, :, sorted(selected)].mean(axis=2), truth, genes=genes, tf_only=held, transpose=True)
    assert res.metrics == direct
    assert res.metrics["auprc"] > 0.8 > res.details["heldout_other"]["random"]["auprc"]
    # Without --transpose, the head informative as stored is chosen.
    plain = score_selected_heads(net, sp.csr_matrix(truth), genes=genes, universe="tf", tf_mask=all_rows, seed=0)
    coef = plain.details["coefficients"]
    assert 2 in plain.details["selected"] and coef[2] > 5 * max(coef[1], coef[4], 0.0)


def test_held_out_rows_get_their_own_random_control(shared_data, tmp_path):
    pytest.importorskip("torch")
    runs = run_benchmark(RunConfig(methods=["scprint", "random"], truths=["omnipath"], out=tmp_path, heads="select",
                                   n_genes=300, n_cells=60, n_null=10, seed=0, progress=False))
    assert [r["method"] for r in runs] == ["scprint", HELDOUT_RANDOM, "random"]
    selected, control, plain = runs
    assert selected["universe"]["heldout"] and control["universe"]["heldout"] and not plain["universe"]["heldout"]
    assert control["control_of"] == "scprint"
    for key in ("n_positives", "n_universe", "n_regulators", "universe", "flags"):
        assert control["metrics"][key] == selected["metrics"][key], key
    assert control["metrics"] == selected["provenance"]["head_selection"]["heldout_other"]["random"]
    assert selected["metrics"]["n_universe"] < plain["metrics"]["n_universe"]
    # One table per universe: the held-out rows and their control apart from the full-universe row.
    tables = summary_tables(runs, seed=0)
    assert [t.row_count for t in tables] == [2, 1]
    assert "held-out regulators" in str(tables[0].title)
    # issue 15: the shipped toy checkpoint is labelled as such in every scprint result's provenance
    from scprint_model.checkpoint import DEFAULT_CHECKPOINT, TOY_LABEL, sha256

    model = selected["provenance"]["model"]
    assert model["checkpoint_kind"] == "toy" and model["checkpoint_label"] == TOY_LABEL
    assert model["checkpoint_sha256"] == sha256(DEFAULT_CHECKPOINT) and "model" not in plain["provenance"]


def test_counts_are_normalised_on_all_genes_of_each_cell():
    rng = np.random.default_rng(5)
    counts = rng.poisson(rng.gamma(0.6, 3, size=50), size=(40, 50)).astype(np.float32)
    ad = anndata.AnnData(X=sp.csr_matrix(counts))
    ad.var_names = [f"G{i}" for i in range(50)]
    ad.obs_names = [f"c{i}" for i in range(40)]
    (prep,) = prepare_groups(ad, {"name": "t", "organism": "human"}, celltype_key=None, n_cells=30, n_genes=10,
                             seed=0)
    cells = [int(c[1:]) for c in prep.adata.obs_names]
    genes = [int(g[1:]) for g in prep.genes]
    full = counts[cells].sum(axis=1)  # by hand: every gene of the cell
    np.testing.assert_array_equal(prep.adata.obs["total_counts"].to_numpy(), full)
    sub = counts[cells][:, genes]
    assert (sub.sum(axis=1) < full).all()  # the kept genes hold only part of each cell's counts
    expected = np.log1p(sub / full[:, None] * 1e4)
    got = log_normalize(prep.adata.X, totals=prep.adata.obs["total_counts"])
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    assert not np.allclose(log_normalize(prep.adata.X), expected)
    # The depth is part of the input checksum: same kept counts, other genes elsewhere -> another fingerprint.
    other = ad.copy()
    rest = [j for j in range(50) if j not in genes]
    other.X = sp.csr_matrix(np.where(np.isin(np.arange(50), rest), counts * 2, counts))
    (prep2,) = prepare_groups(other, {"name": "t", "organism": "human"}, celltype_key=None, n_cells=30,
                              n_genes=None, seed=0)
    (prep3,) = prepare_groups(ad, {"name": "t", "organism": "human"}, celltype_key=None, n_cells=30,
                              n_genes=None, seed=0)
    assert prep2.input_sha256 != prep3.input_sha256
    with pytest.raises(ValueError, match="one per cell"):
        log_normalize(sub, totals=full[:-1])


def test_the_printed_tables_fit_80_columns_and_show_n_pos_z_and_flags(universes):
    runs, _ = universes
    run = dict(runs["truth"])
    run["metrics"] = {**run["metrics"], "auprc_z": 6.62, "auroc_z": -1.04, "odds_ratio_z": 12.3,
                      "flags": ["few_truth_edges", "few_regulators", "few_expected_hits", "context_mismatch"]}
    text = _render(summary_tables([run, runs["tf"], runs["all"]], seed=3))
    lines = text.splitlines()
    assert max(map(len, lines)) <= 80 and "…" not in text
    assert text.count("omnipath on chen-hesc | universe") == 3  # a table never mixes universes
    header = next(line for line in lines if line.startswith("method"))
    assert header.split() == ["method", "n_pos", "auprc", "z", "auroc", "z", "OR", "z", "flags", "sec"]
    assert "+6.6" in text and "-1.0" in text and "+12.3" in text
    assert all(word in text for word in ("edges", "regs", "hits", "context"))
    assert str(run["metrics"]["n_positives"]) in text


def test_the_truth_universe_is_the_truths_own_protocol(shared_data, tmp_path):
    # McCalla et al. assayed a few TFs and measured a gene universe per dataset: those, not all genes, are scored.
    (run,) = run_benchmark(RunConfig(methods=["random"], truths=["mccalla-hesc"], out=tmp_path, n_genes=5000,
                                     n_cells=50, n_null=0, seed=0, progress=False))
    protocol = ground_truths.load("mccalla-hesc").attrs["protocol"]
    net = grnndata.read_h5ad(tmp_path / run["provenance"]["network_file"])
    genes = {str(g).upper() for g in net.genes}
    regulators = genes & {str(g).upper() for g in protocol["regulators"]}
    targets = genes & {str(g).upper() for g in protocol["targets"]}
    m = run["metrics"]
    assert m["n_regulators"] == len(regulators) and m["n_targets"] == len(targets)
    # Fewer regulators than the truth has among these genes: the unassayed ones' edges are left out, and counted.
    assert len(regulators) < run["provenance"]["alignment"]["n_regulators_in_common"]
    assert run["universe"]["n_truth_edges_removed"] > 0
    assert m["n_universe"] == len(regulators) * len(targets) - len(regulators & targets)
    assert run["universe"]["n_truth_edges_removed"] == run["provenance"]["truth"]["n_edges_aligned"] - m["n_positives"]


def test_a_k562_truth_on_hesc_cells_is_flagged(shared_data, tmp_path):
    (run,) = run_benchmark(RunConfig(methods=["random"], truths=["k562-chipseq"], data="chen-hesc", out=tmp_path,
                                     n_genes=1000, n_cells=50, n_null=0, seed=0, progress=False))
    assert run["context"]["truth"]["cell_line"] == "K562"
    assert run["context"]["dataset"]["cell_type"] == "embryonic stem cell"
    assert run["context"]["mismatch"] == ["cell type: truth chronic myelogenous leukemia, cells embryonic stem cell"]
    assert "context_mismatch" in run["metrics"]["flags"]


def test_truths_are_scored_on_their_matched_dataset():
    from bengrn.prepare import DEFAULT_DATASET, dataset_for

    assert dataset_for("gwps") == dataset_for("k562-chipseq") == "k562-controls"
    assert dataset_for("mccalla-hesc") == "chen-hesc" and dataset_for("omnipath") == DEFAULT_DATASET
    assert dataset_for("gwps", "cells.h5ad") == "cells.h5ad"
