"""End-to-end ``bengrn`` command line on real shared data (chen-hesc, OmniPath), small enough for CI.

Independent checks: metrics are recomputed from the saved network and the aligned truth, the gene selection is
recomputed by brute force from the raw dataset, resuming is checked through file modification times.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

pytest.importorskip("ground_truths")

from bengrn.cli import app  # noqa: E402

RUN = [
    "run", "--method", "correlation,genie3-tf,random", "--truth", "omnipath",
    "--n-genes", "300", "--n-cells", "150", "--seed", "0", "--universe", "all", "--null", "0",
    "-O", "n_trees=5", "-O", "n_jobs=1", "--no-progress",
]


@pytest.fixture(scope="module")
def env(shared_data, tmp_path_factory):
    """Truths read from the shared data mirror, cached in a private directory."""
    cache = tmp_path_factory.mktemp("gt_cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GROUND_TRUTHS_LOCAL", str(shared_data))
        mp.setenv("GROUND_TRUTHS_CACHE", str(cache))
        yield {"root": tmp_path_factory.mktemp("bench"), "shared": shared_data}


def _invoke(args):
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result


@pytest.fixture(scope="module")
def first(env):
    out = env["root"] / "first"
    res = _invoke(RUN + ["--out", out])
    assert res.exit_code == 0, res.output + repr(res.exception)
    return out, res


def _results(out: Path) -> list[dict]:
    from bengrn.results import read_results

    return read_results(out / "results.json")


def test_results_match_a_direct_evaluation_of_the_saved_networks(first):
    import ground_truths
    import grnndata
    from bengrn.alignment import align
    from bengrn.metrics import evaluate

    out, res = first
    runs = _results(out)
    assert [(r["method"], r["truth"], r["dataset"], r["celltype"]) for r in runs] == [
        ("correlation", "omnipath", "chen-hesc", None),
        ("genie3-tf", "omnipath", "chen-hesc", None),
        ("random", "omnipath", "chen-hesc", None),
    ]
    truth_df = ground_truths.load("omnipath")
    for run in runs:
        net = grnndata.read_h5ad(out / run["provenance"]["network_file"])
        genes = list(net.genes)
        assert len(genes) == 300 and net.n_vars == 300
        truth, _ = align(truth_df, genes)
        direct = evaluate(net.network("GRN"), truth, genes=genes, universe="all")
        assert set(direct) == set(run["metrics"])
        for k, v in direct.items():
            assert run["metrics"][k] == (v if isinstance(v, (list, str)) else pytest.approx(v, rel=0, abs=0)), k
        # Prevalence by hand: positives off the diagonal over all ordered pairs of distinct genes.
        off_diag = truth.nnz - truth.diagonal().sum()
        assert run["metrics"]["n_positives"] == off_diag > 50
        assert run["metrics"]["auprc_random"] == pytest.approx(off_diag / (300 * 299))
        prov = run["provenance"]
        assert prov["dataset"]["n_cells"] == 150 and prov["parameters"]["seed"] == 0
        assert prov["timings"]["inference_s"] >= 0 and prov["timings"]["network_reused"] is False
        assert {"python", "numpy", "scipy", "scikit-learn", "anndata", "grnsuite"} <= set(prov["versions"])
        assert len(prov["dataset"]["input_sha256"]) == 64 and prov["truth"]["checksum"]
    assert runs[1]["provenance"]["parameters"]["method_options"]["n_trees"] == 5
    # CSV: one row per run, same numbers.
    import pandas as pd

    csv = pd.read_csv(out / "results.csv", float_precision="round_trip")
    assert list(csv["method"]) == ["correlation", "genie3-tf", "random"]
    np.testing.assert_array_equal(csv["auprc"].to_numpy(), [r["metrics"]["auprc"] for r in runs])
    assert (csv["param_n_genes"] == 300).all()
    png = (out / "plots" / "pr__omnipath.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    # The summary table is printed.
    assert "genie3-tf" in res.stdout and "auprc" in res.stdout


def test_gene_selection_is_the_brute_force_top_variance_of_the_sampled_cells(first):
    import ground_truths
    import grnndata

    out, _ = first
    adata = ground_truths.load_dataset("chen-hesc")
    cells = np.sort(np.random.default_rng(0).choice(adata.n_obs, size=150, replace=False))
    x = adata.X[cells]
    x = np.asarray(x.todense() if hasattr(x, "todense") else x, dtype=np.float64)
    norm = np.log1p(x / x.sum(axis=1, keepdims=True) * 1e4)
    var = norm.var(axis=0)
    top = set(np.asarray(adata.var_names)[np.argsort(-var, kind="stable")[:300]])
    run = _results(out)[0]
    net = grnndata.read_h5ad(out / run["provenance"]["network_file"])
    assert set(net.genes) == top
    assert list(net.genes) == [g for g in adata.var_names if g in top]  # dataset order kept


def test_resume_recomputes_only_the_missing_cell(first, env):
    out_a, _ = first
    out = env["root"] / "resume"
    shutil.copytree(out_a, out)
    victim = out / "runs" / "genie3-tf__omnipath__all.json"
    victim.unlink()
    keep = [p for p in (out / "runs").iterdir()] + [p for p in (out / "networks").iterdir()]
    # Make the old files visibly older, so any rewrite would show in the modification time.
    for p in keep:
        os.utime(p, (1_000_000_000, 1_000_000_000))
    res = _invoke(RUN + ["--out", out])
    assert res.exit_code == 0, res.output
    assert victim.exists()
    assert all(p.stat().st_mtime == 1_000_000_000 for p in keep), "an up-to-date file was rewritten"
    new = json.loads(victim.read_text())
    assert new["provenance"]["timings"]["network_reused"] is True  # scored again, not re-inferred
    old = {r["method"]: r for r in _results(out_a)}
    for run in _results(out):
        assert run["metrics"] == old[run["method"]]["metrics"]


def test_inference_runs_once_per_network_and_is_scored_against_every_truth(env):
    from bengrn.runner import RunConfig, run_benchmark

    events = []
    config = RunConfig(methods=["correlation", "random"], truths=["omnipath", "omnipath-tf"],
                       out=env["root"] / "two_truths", n_genes=300, n_cells=150, seed=0, progress=False)
    runs = run_benchmark(config, callback=lambda e, info: events.append((e, info)))
    starts = [i["method"] for e, i in events if e == "infer_start"]
    assert starts == ["correlation", "random"]
    assert sum(e == "cell_done" for e, _ in events) == 4
    assert [(r["method"], r["truth"]) for r in runs] == [
        ("correlation", "omnipath"), ("correlation", "omnipath-tf"), ("random", "omnipath"), ("random", "omnipath-tf")
    ]
    # Both truths were scored on the very same network file.
    assert runs[0]["provenance"]["network_file"] == runs[1]["provenance"]["network_file"]
    assert runs[0]["metrics"]["n_positives"] != runs[1]["metrics"]["n_positives"]


def test_same_seed_same_results_other_seed_other_random_network(first, env):
    import grnndata

    out_a, _ = first
    out = env["root"] / "again"
    res = _invoke(RUN + ["--out", out])
    assert res.exit_code == 0, res.output
    a, b = _results(out_a), _results(out)
    assert [r["metrics"] for r in a] == [r["metrics"] for r in b]
    for run in a:
        na = grnndata.read_h5ad(out_a / run["provenance"]["network_file"]).network("GRN")
        nb = grnndata.read_h5ad(out / run["provenance"]["network_file"]).network("GRN")
        np.testing.assert_array_equal(np.asarray(na), np.asarray(nb))
    # The same again passes the regression check against a baseline made from the first run ...
    baseline = env["root"] / "baseline.json"
    assert _invoke(["check", out_a, "--baseline", baseline, "--update"]).exit_code == 0
    res = _invoke(["check", out, "--baseline", baseline])
    assert res.exit_code == 0, res.output
    # ... while another seed changes the cells, hence the networks: the resume fingerprint must not match.
    seed1 = env["root"] / "seed1"
    shutil.copytree(out_a, seed1)
    args = ["run", "-m", "correlation,random", "-t", "omnipath", "--n-genes", "300", "--n-cells", "150",
            "--seed", "1", "--no-progress", "--out", seed1]
    res = _invoke(args)
    assert res.exit_code == 0, res.output
    runs1 = _results(seed1)
    assert all(r["provenance"]["timings"]["network_reused"] is False for r in runs1)
    assert runs1[0]["provenance"]["dataset"]["input_sha256"] != a[0]["provenance"]["dataset"]["input_sha256"]


def test_check_fails_on_a_degraded_result_and_passes_on_the_same(first, env):
    out_a, _ = first
    baseline = env["root"] / "baseline_check.json"
    assert _invoke(["check", out_a / "results.json", "--baseline", baseline, "--update"]).exit_code == 0
    res = _invoke(["check", out_a / "results.json", "--baseline", baseline])
    assert res.exit_code == 0 and "OK" in res.stdout
    data = json.loads((out_a / "results.json").read_text())
    data[0]["metrics"]["auprc"] *= 0.95  # correlation got 5% worse
    data[2]["metrics"]["n_positives"] += 1
    degraded = env["root"] / "degraded" / "results.json"
    degraded.parent.mkdir()
    degraded.write_text(json.dumps(data))
    res = _invoke(["check", degraded, "--baseline", baseline])
    assert res.exit_code == 1
    assert "regressed" in res.stdout and "mismatch" in res.stdout and "FAILED" in res.stderr
    dropped = env["root"] / "dropped.json"
    dropped.write_text(json.dumps(data[1:2]))
    res = _invoke(["check", dropped, "--baseline", baseline])
    assert res.exit_code == 1 and "run missing" in res.stdout


def _assert_clean_error(res, *fragments):
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output and res.exception is None or isinstance(res.exception, SystemExit)
    text = " ".join(res.stderr.split())
    for f in fragments:
        assert f in text, (f, text)


def test_clear_errors(env, tmp_path, monkeypatch):
    import anndata
    import scipy.sparse as sp

    base = ["run", "--no-progress", "--n-genes", "300", "--n-cells", "100", "--out", tmp_path / "o"]
    _assert_clean_error(_invoke(base + ["-m", "nope", "-t", "omnipath"]), "unknown method 'nope'", "correlation",
                        "genie3-tf")
    _assert_clean_error(_invoke(base + ["-m", "random", "-t", "nowhere"]), "unknown truth 'nowhere'",
                        "mccalla-hesc")
    _assert_clean_error(_invoke(base + ["-m", "random", "-t", "omnipath", "--data", tmp_path / "missing.h5ad"]),
                        "missing.h5ad", "not found")
    _assert_clean_error(_invoke(base + ["-m", "random", "-t", "omnipath", "-O", "n_trees=3"]),
                        "n_trees", "not an option")
    # McCalla's TFs are not among the 300 most variable genes of chen-hesc: the message says what to change.
    _assert_clean_error(_invoke(base + ["-m", "random", "-t", "mccalla-hesc"]), "mccalla-hesc", "chen-hesc",
                        "--n-genes")
    # Ensembl ids never match symbols: both sides are named.
    rng = np.random.default_rng(0)
    ens = anndata.AnnData(X=sp.csr_matrix(rng.poisson(2, size=(40, 30)).astype(np.float32)))
    ens.var_names = [f"ENSG{i:011d}" for i in range(30)]
    ens.write_h5ad(tmp_path / "ensembl.h5ad")
    _assert_clean_error(_invoke(base + ["-m", "random", "-t", "omnipath", "--data", tmp_path / "ensembl.h5ad"]),
                        "omnipath", "ensembl", "ENSG00000000000")
    # A log-normalised (here even scaled) dataset for a method needing counts.
    pbmc = env["shared"] / "expression" / "small" / "10x_pbmc68k_reduced.h5ad"
    _assert_clean_error(_invoke(base + ["-m", "correlation", "-t", "omnipath", "--data", pbmc]),
                        "no raw counts", "correlation", "correlation:normalize=false")
    # A missing optional dependency names the pip extra.
    import bengrn.plan

    monkeypatch.setattr(bengrn.plan, "has_module", lambda name: name != "torch")
    _assert_clean_error(_invoke(base + ["-m", "scprint", "-t", "omnipath"]), 'pip install "grnsuite[model]"')


def test_cell_types_of_a_normalised_dataset(env, tmp_path):
    pbmc = env["shared"] / "expression" / "small" / "10x_pbmc68k_reduced.h5ad"
    out = tmp_path / "ct"
    res = _invoke(["run", "-m", "correlation,random", "-t", "omnipath", "--data", pbmc, "--celltype-key",
                   "bulk_labels", "--n-genes", "0", "-O", "correlation:normalize=false", "--no-progress",
                   "--out", out])
    assert res.exit_code == 0, res.output
    runs = _results(out)
    cts = sorted({r["celltype"] for r in runs})
    # Every label with >= 10 cells (the 8-cell naive T group is skipped).
    assert len(cts) == 9 and "CD4+/CD45RA+/CD25- Naive T" not in cts and "Dendritic" in cts
    assert len(runs) == 18 and all(r["dataset"] == "10x_pbmc68k_reduced" for r in runs)
    dendritic = next(r for r in runs if r["celltype"] == "Dendritic")
    assert dendritic["provenance"]["dataset"]["n_cells"] == 240 and dendritic["provenance"]["dataset"]["counts"] is False
    assert len(list((out / "runs").glob("*.json"))) == 18
    assert len(list((out / "plots").glob("pr__omnipath__*.png"))) == 9


def test_truths_and_compare_commands(first, env, tmp_path):
    res = _invoke(["truths", "list"])
    assert res.exit_code == 0 and "mccalla-hesc" in res.stdout and "chen-hesc" in res.stdout
    res = _invoke(["truths", "info", "mccalla-hesc"])
    assert res.exit_code == 0 and json.loads(res.stdout)["name"] == "mccalla-hesc"
    _assert_clean_error(_invoke(["truths", "info", "nowhere"]), "unknown truth 'nowhere'")
    edges = tmp_path / "mine.tsv"
    edges.write_text("tf\tgene\nSOX2\tNANOG\nPOU5F1\tNANOG\n")
    res = _invoke(["truths", "import", edges, "--name", "my-test-truth", "--source", "tf", "--target", "gene"])
    assert res.exit_code == 0, res.output
    assert "2 edges" in res.stdout
    out_a, _ = first
    png = tmp_path / "cmp.png"
    res = _invoke(["compare", out_a, env["root"] / "resume", "--metric", "auroc", "--out", png])
    assert res.exit_code == 0, res.output
    assert "first" in res.stdout and "resume" in res.stdout and png.read_bytes()[:4] == b"\x89PNG"
    _assert_clean_error(_invoke(["compare", out_a, "--metric", "nope"]), "metric 'nope'", "auprc")


def test_enrich_adds_the_enrichment_summary_of_the_saved_network(first, env):
    import grnndata
    from bengrn import enrichment
    from grnndata._json import to_jsonable

    out_a, _ = first
    out = env["root"] / "enrich"
    shutil.copytree(out_a, out)
    res = _invoke(["run", "-m", "correlation", "-t", "omnipath", "--n-genes", "300", "--n-cells", "150",
                   "--enrich", "--no-progress", "--out", out])
    assert res.exit_code == 0, res.output
    (run,) = json.loads((out / "results.json").read_text())
    assert run["provenance"]["timings"]["network_reused"] is True  # enrichment added without re-inferring
    net = grnndata.read_h5ad(out / run["provenance"]["network_file"])
    direct = enrichment.summarize(net.network("GRN"), list(net.genes), organism="human", seed=0)
    # Two identical summarize() calls are not bit-identical (seen: the eigenvector-centrality ranking differs in the
    # last bit, which moves gseapy's permutation p-value/FDR by < 1%): names and counts must match exactly, floats
    # to 5%.
    _assert_close(run["enrichment"], to_jsonable(direct))
    assert (out / "plots" / "enrichment__correlation__chen-hesc__all.png").read_bytes()[:4] == b"\x89PNG"


def _assert_close(a, b, path="enrichment"):
    if isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), path
        for k in a:
            _assert_close(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_close(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and not isinstance(b, bool):
        assert b == pytest.approx(a, rel=0.05, abs=1e-12), path
    else:
        assert a == b, path


def test_universe_and_null_options(first, env):
    out_a, _ = first
    out = env["root"] / "beeline"
    shutil.copytree(out_a, out)
    res = _invoke(["run", "-m", "random", "-t", "omnipath", "--n-genes", "300", "--n-cells", "150", "--universe",
                   "beeline", "--null", "7", "--no-progress", "--out", out])
    assert res.exit_code == 0, res.output
    (run,) = _results(out)
    assert run["metrics"]["universe"] == run["universe"]["name"] == "beeline"
    assert run["provenance"]["parameters"]["n_null"] == 7 and "auprc_z" in run["metrics"]
    assert run["provenance"]["timings"]["network_reused"] is True  # another universe: rescored, not re-inferred
    # The table names its universe and shows n_pos, the z-scores and the flags.
    header = next(line for line in res.stdout.splitlines() if line.startswith("method"))
    assert header.split() == ["method", "n_pos", "auprc", "z", "auroc", "z", "OR", "z", "flags", "sec"]
    assert "omnipath on chen-hesc | universe beeline | seed 0" in res.stdout
    _assert_clean_error(_invoke(["run", "-m", "random", "-t", "omnipath", "--tf-only", "--universe", "all",
                                 "--no-progress", "--out", out]), "--tf-only is --universe tf")
