"""``bengrn score`` end to end on files written in pySCENIC's and BEELINE's layouts: the printed table, results files
equal to a direct ``bengrn.evaluate``, resume, ``bengrn check`` round trip, plots, errors and 80-column tables."""
from __future__ import annotations

import io
import json
import os

import numpy as np
import pandas as pd
import pytest
from rich.console import Console
from typer.testing import CliRunner

import ground_truths
import grnndata
from bengrn import align, evaluate
from bengrn.cli import app
from bengrn.cli.tables import summary_tables
from bengrn.results import read_results
from grnndata.toy import toy

TOY = toy(n_cells=200, n_genes=60, n_regulators=8, n_edges=120, seed=11)
TRUTH = "toy-score-truth"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("score")
    TOY.truth[["source", "target"]].to_csv(root / "truth.tsv", sep="\t", index=False)
    ground_truths.import_file(root / "truth.tsv", TRUTH)
    rng = np.random.default_rng(0)
    genes = list(TOY.network.var_names)
    signed = TOY.network.network("GRN").toarray() * rng.random((60, 60)) + 0.2 * rng.standard_normal((60, 60))
    np.fill_diagonal(signed, 0)
    net = grnndata.from_matrix(signed, genes)
    edges = net.to_edges()
    edges = edges.assign(importance=edges["weight"].abs()).sort_values("importance", ascending=False)
    edges.rename(columns={"source": "TF"})[["TF", "target", "importance"]].to_csv(
        root / "adjacencies.tsv", sep="\t", index=False)
    edges.rename(columns={"source": "Gene1", "target": "Gene2", "weight": "EdgeWeight"})[
        ["Gene1", "Gene2", "EdgeWeight"]].to_csv(root / "rankedEdges.csv", sep="\t", index=False)
    (root / "genes.txt").write_text("\n".join(genes) + "\n")
    return {"root": root, "signed": signed, "genes": genes}


def _invoke(*args):
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result


def _score(files, out, *extra):
    root = files["root"]
    return _invoke("score", root / "adjacencies.tsv", f"beeline={root / 'rankedEdges.csv'}", "--truth", TRUTH,
                   "--genes", root / "genes.txt", "--null", 30, "--out", out, "--no-progress", *extra)


@pytest.fixture(scope="module")
def scored(files):
    out = files["root"] / "out"
    res = _score(files, out)
    assert res.exit_code == 0, res.output + repr(res.exception)
    return out, res


def test_score_prints_one_table_and_writes_the_run_schema(files, scored):
    out, res = scored
    runs = read_results(out)
    assert [r["method"] for r in runs] == ["adjacencies", "beeline"]
    edges = ground_truths.load(TRUTH)
    matrix, stats = align(edges, files["genes"])
    direct = evaluate(np.abs(files["signed"]), matrix, genes=files["genes"], universe="truth",
                      regulators=stats["regulators"], targets=stats["targets"], n_null=30, seed=0)
    for run in runs:
        assert run["dataset"] == "genes.txt" and run["universe"]["name"] == "truth"
        for key in ("auprc", "auroc", "odds_ratio", "auprc_z", "auroc_null_sd", "n_positives"):
            assert run["metrics"][key] == pytest.approx(direct[key], rel=1e-12), (run["method"], key)
        assert run["provenance"]["network"]["layout"] in ("arboreto", "beeline")
    assert runs[1]["provenance"]["network"]["signed"] is True  # BEELINE's signed weights, scored by |weight|
    # the printed table: one table (one universe), both networks, the metrics with z
    assert res.output.count(f"{TRUTH} on genes.txt | universe truth | seed 0") == 1
    line = next(ln for ln in res.output.splitlines() if ln.startswith("adjacencies"))
    assert f"{direct['auprc']:.4g}" in line and f"{direct['auprc_z']:+.1f}" in line
    csv = pd.read_csv(out / "results.csv")
    assert list(csv["method"]) == ["adjacencies", "beeline"] and csv["auprc"].tolist() == pytest.approx(
        [direct["auprc"]] * 2)
    assert (out / "plots" / f"pr__{TRUTH}.png").is_file()
    assert sorted(p.name for p in (out / "runs").iterdir()) == [f"adjacencies__{TRUTH}__all.json",
                                                                 f"beeline__{TRUTH}__all.json"]


def test_score_resumes_and_check_round_trip(files, scored, tmp_path):
    out, _ = scored
    stamps = {p.name: p.stat().st_mtime_ns for p in (out / "runs").iterdir()}
    again = _score(files, out)
    assert again.exit_code == 0, again.output
    assert {p.name: p.stat().st_mtime_ns for p in (out / "runs").iterdir()} == stamps  # nothing rescored
    baseline = tmp_path / "baseline.json"
    assert _invoke("check", out, "--baseline", baseline, "--update").exit_code == 0
    ok = _invoke("check", out, "--baseline", baseline)
    assert ok.exit_code == 0, ok.output
    # a worse network under the same name regresses
    root = files["root"]
    adj = pd.read_csv(root / "adjacencies.tsv", sep="\t")
    adj["importance"] = np.random.default_rng(1).permutation(adj["importance"].to_numpy())
    worse = tmp_path / "worse"
    worse.mkdir()
    adj.to_csv(worse / "adjacencies.tsv", sep="\t", index=False)
    (worse / "rankedEdges.csv").write_text((root / "rankedEdges.csv").read_text())
    res = _invoke("score", worse / "adjacencies.tsv", f"beeline={worse / 'rankedEdges.csv'}", "--truth", TRUTH,
                  "--genes", root / "genes.txt", "--null", 30, "--out", tmp_path / "out2", "--no-progress")
    assert res.exit_code == 0, res.output
    failed = _invoke("check", tmp_path / "out2", "--baseline", baseline)
    assert failed.exit_code == 1
    assert "adjacencies" in failed.output and "regressed" in failed.output
    # another null size is another protocol: check says the parameters differ
    _score(files, tmp_path / "out3", "--null", 0)
    differ = _invoke("check", tmp_path / "out3", "--baseline", baseline)
    assert differ.exit_code == 1 and "params differ" in differ.output


def test_score_options_universe_signed_and_weight(files, tmp_path):
    root = files["root"]
    res = _invoke("score", root / "rankedEdges.csv", "--truth", TRUTH, "--universe", "all", "--signed",
                  "--null", 0, "--out", tmp_path / "o", "--no-progress", "--wide")
    assert res.exit_code == 0, res.output
    run = read_results(tmp_path / "o")[0]
    assert run["universe"]["name"] == "all" and run["provenance"]["parameters"]["method_options"]["signed"] is True
    table = pd.read_csv(root / "rankedEdges.csv", sep="\t")
    run_genes = list(pd.unique(pd.concat([table["Gene1"], table["Gene2"]])))  # the network's own genes
    matrix, _ = align(ground_truths.load(TRUTH), run_genes)
    net = grnndata.from_edges(table, genes=run_genes, source="Gene1", target="Gene2", weight="EdgeWeight")
    direct = evaluate(net.network("GRN"), matrix, genes=run_genes, universe="all")
    assert run["metrics"]["auprc"] == pytest.approx(direct["auprc"], rel=1e-12)
    assert "prev" in res.output and "EPR" in res.output


def test_score_errors_exit_2_with_the_fix(files, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("from,to,value\nSOX2,TMEM1,1\n")
    res = _invoke("score", bad, "--truth", TRUTH, "--out", tmp_path / "x", "--no-progress")
    assert res.exit_code == 2
    assert "'from', 'to', 'value'" in res.output and "arboreto" in res.output and "--layout" in res.output
    same = _invoke("score", files["root"] / "adjacencies.tsv", files["root"] / "adjacencies.tsv", "--truth", TRUTH,
                   "--out", tmp_path / "y", "--no-progress")
    assert same.exit_code == 2 and "same name" in same.output
    unknown = _invoke("score", files["root"] / "adjacencies.tsv", "--truth", "nope", "--out", tmp_path / "z",
                      "--no-progress")
    assert unknown.exit_code == 2 and "unknown truth 'nope'" in unknown.output


def test_summary_tables_fit_80_columns_without_cutting_names(scored):
    out, _ = scored
    runs = read_results(out)
    runs = [dict(r, method="a-rather-long-network-name-from-a-file") for r in runs[:1]] + runs
    buffer = io.StringIO()
    console = Console(file=buffer, width=80, color_system=None)
    for table in summary_tables(runs, seed=0):
        console.print(table)
    lines = buffer.getvalue().splitlines()
    assert max(len(ln) for ln in lines) <= 80 and "…" not in buffer.getvalue()
    assert any("a-rather-long-network-name-from-a-file" in ln for ln in lines)
    json.dumps(runs[0]["metrics"])  # JSON-safe as read back


def test_score_holds_the_folder_lock_as_run_does(files, tmp_path):
    from bengrn.lock import out_lock

    with out_lock(tmp_path / "busy"):
        res = _score(files, tmp_path / "busy")
    assert res.exit_code == 2 and f"pid {os.getpid()}" in res.output
    assert _score(files, tmp_path / "busy").exit_code == 0  # released
