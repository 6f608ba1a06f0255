"""``bengrn.benchmark`` and ``bengrn.Results``: in-memory inputs, no disk with ``out=None``, the same numbers as a
direct ``bengrn.evaluate`` of the same network over the truth's protocol, and the same runs as the runner writes."""
from __future__ import annotations

import json

import anndata
import numpy as np
import pandas as pd
import pytest

import bengrn
import ground_truths
import grnndata
from bengrn import align, evaluate
from bengrn.errors import BenchmarkError
from bengrn.runner import RunConfig, run_benchmark
from grnndata.toy import toy

TOY = toy(n_cells=200, n_genes=50, n_regulators=8, n_edges=110, seed=5)
TRUTH = "toy-api-truth"


@pytest.fixture(scope="module", autouse=True)
def toy_truth(tmp_path_factory):
    """The planted edges registered as a user truth (in the session's throw-away cache)."""
    path = tmp_path_factory.mktemp("truth") / "toy.tsv"
    TOY.truth[["source", "target"]].to_csv(path, sep="\t", index=False)
    ground_truths.import_file(path, TRUTH)
    return path


def _noisy(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    planted = np.abs(TOY.network.network("GRN").toarray())
    return planted * rng.random(planted.shape) + 0.3 * rng.random(planted.shape)


def _direct(network, genes, n_null=40):
    """The independent check: align the truth and evaluate over its protocol masks, as a user would by hand."""
    edges = ground_truths.load(TRUTH)
    matrix, stats = align(edges, list(genes))
    return evaluate(network, matrix, genes=list(genes), universe="truth", regulators=stats["regulators"],
                    targets=stats["targets"], n_null=n_null, seed=0)


def _forbid_writes(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("benchmark(out=None) wrote a file")

    import bengrn.plots
    import bengrn.results
    import bengrn.store

    for module in (bengrn.store, bengrn.results, bengrn.plots):
        for name in ("atomic_write_json", "atomic_write_text", "atomic_path"):  # whichever each module writes with
            if hasattr(module, name):
                monkeypatch.setattr(module, name, refuse)
    monkeypatch.setattr(grnndata.GRnnData, "write_h5ad", refuse)


def test_networks_in_memory_match_a_direct_evaluation_and_write_nothing(tmp_path, monkeypatch):
    genes = list(TOY.network.var_names)
    dense = _noisy()
    net = grnndata.from_matrix(dense, genes)
    edges = net.to_edges().rename(columns={"source": "TF", "weight": "importance"})  # an arboreto table
    plain = anndata.AnnData(var=pd.DataFrame(index=genes))
    plain.varp["GRN"] = dense
    path = tmp_path / "adj.tsv"
    edges.to_csv(path, sep="\t", index=False)
    monkeypatch.chdir(tmp_path)
    _forbid_writes(monkeypatch)
    res = bengrn.benchmark(networks={"grn": net, "adata": plain, "table": edges, "file": path}, truths=TRUTH,
                           n_null=40, genes=genes)
    assert isinstance(res, bengrn.Results) and res.out is None and len(res) == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adj.tsv"]
    direct = _direct(dense, genes)
    for run in res.runs:
        assert run["method"] in ("grn", "adata", "table", "file") and run["universe"]["name"] == "truth"
        for key in ("auprc", "ap", "auroc", "odds_ratio", "epr", "auprc_null_mean", "auprc_null_sd", "auprc_z",
                    "n_positives", "n_universe"):
            assert run["metrics"][key] == pytest.approx(direct[key], rel=1e-12, abs=1e-15), (run["method"], key)
        assert run["metrics"]["flags"] == direct["flags"]
        assert run["provenance"]["parameters"]["n_null"] == 40 and run["pr_curve"]["recall"][-1] == 1.0
    table = res.table
    assert list(table["method"]) == ["grn", "adata", "table", "file"]
    assert table["auprc"].tolist() == pytest.approx([direct["auprc"]] * 4)
    assert {"truth", "dataset", "auprc_z", "param_seed", "truth_sha256"} <= set(table.columns)
    doc = json.loads(res.to_json())
    assert [r["metrics"]["auprc"] for r in doc] == pytest.approx([direct["auprc"]] * 4)
    assert "pr_curve" not in doc[0]


def test_network_genes_default_to_the_network_and_data_gives_the_universe(monkeypatch, tmp_path):
    genes = list(TOY.network.var_names)
    dense = _noisy(1)
    dense[:, genes.index(genes[-1])] = 0  # a gene the network never scores...
    dense[genes.index(genes[-1]), :] = 0
    net = grnndata.from_matrix(dense, genes)
    edges = net.to_edges()
    own = bengrn.benchmark(networks={"edges": edges}, truths=TRUTH, n_null=0)
    with_data = bengrn.benchmark(TOY.adata, networks={"edges": edges}, truths=TRUTH, n_null=0)
    assert own.runs[0]["metrics"]["n_genes"] == len(genes) - 1
    # ...is still a gene the method was given: with the data it is an absent pair, as in the dense network
    assert with_data.runs[0]["metrics"]["n_genes"] == len(genes)
    assert with_data.runs[0]["dataset"] == "toy"
    assert with_data.runs[0]["metrics"]["auprc"] == pytest.approx(_direct(dense, genes, 0)["auprc"], rel=1e-12)


def test_methods_on_an_anndata_in_memory_equal_the_same_benchmark_on_disk(tmp_path, monkeypatch):
    kwargs = dict(methods=["correlation"], truths=TRUTH, n_null=20, n_cells=None, n_genes=None, seed=0)
    on_disk = bengrn.benchmark(TOY.adata, out=tmp_path / "out", **kwargs)
    with monkeypatch.context() as mp:
        _forbid_writes(mp)
        in_memory = bengrn.benchmark(TOY.adata, **kwargs)
    assert on_disk.runs[0]["dataset"] == "toy" and in_memory.runs[0]["dataset"] == "toy"
    for key in ("auprc", "auroc", "auprc_z", "n_positives"):
        assert in_memory.runs[0]["metrics"][key] == on_disk.runs[0]["metrics"][key]
    assert (tmp_path / "out" / "results.json").is_file()
    assert in_memory.runs[0]["provenance"]["network_file"] is None
    # RunConfig takes the AnnData itself (it used to fail: unhashable type 'AnnData')
    runs = run_benchmark(RunConfig(methods=["random"], truths=[TRUTH], data=TOY.adata, out=tmp_path / "rc",
                                   n_null=0, n_cells=None, n_genes=None))
    assert runs[0]["dataset"] == "toy" and runs[0]["provenance"]["dataset"]["source"] == "AnnData in memory"


def test_methods_and_networks_together_on_disk_and_read_back(tmp_path):
    out = tmp_path / "both"
    res = bengrn.benchmark(TOY.adata, methods=["random"], networks={"planted": TOY.network}, truths=TRUTH,
                           n_null=10, n_cells=None, n_genes=None, out=out, log_y=True)
    assert [r["method"] for r in res.runs] == ["random", "planted"]
    back = bengrn.Results.read(out)
    assert [r["method"] for r in back.runs] == ["random", "planted"]
    assert back.runs[1]["metrics"]["auprc"] == res.runs[1]["metrics"]["auprc"]
    assert back.runs[1]["pr_curve"] == res.runs[1]["pr_curve"]  # read back from runs/
    assert (out / "plots" / f"pr__{TRUTH}.png").is_file()
    fig = back.plot("pr", log_y=True)
    assert fig.axes[0].get_yscale() == "log" and TRUTH in fig.axes[0].get_title()
    cmp = back.plot("compare", metric="auroc")
    assert [ax.get_ylabel() for ax in cmp.axes if ax.get_visible()] == ["auroc"]
    assert back.plot("pr", path=tmp_path / "pr.png").is_file()
    assert "2 runs in" in repr(back)


def test_benchmark_errors_say_what_to_do():
    with pytest.raises(BenchmarkError, match="nothing to benchmark"):
        bengrn.benchmark(truths=TRUTH)
    with pytest.raises(BenchmarkError, match="no truth given"):
        bengrn.benchmark(networks={"x": TOY.network})
    with pytest.raises(BenchmarkError, match=r"unknown option\(s\) n_trees of bengrn.benchmark; options: .*weight"):
        bengrn.benchmark(networks={"x": TOY.network}, truths=TRUTH, n_trees=5)
    with pytest.raises(BenchmarkError, match="data= .* or genes=, not both"):
        bengrn.benchmark(TOY.adata, networks={"x": TOY.network}, truths=TRUTH, genes=["A"])
    with pytest.raises(BenchmarkError, match="unknown universe 'pairs'"):
        bengrn.benchmark(networks={"x": TOY.network}, truths=TRUTH, universe="pairs")
    tf = bengrn.benchmark(networks={"x": TOY.network}, truths=TRUTH, n_null=0, tf_only=True).runs[0]
    assert tf["universe"]["name"] == "tf" and tf["provenance"]["tf_only"]["n_tfs_in_genes"] == 8  # the toy's TFs
    with pytest.raises(BenchmarkError, match="tf_only=True is universe='tf'"):
        bengrn.benchmark(networks={"x": TOY.network}, truths=TRUTH, tf_only=True, universe="all")
    with pytest.raises(BenchmarkError, match="unknown plot kind"):
        bengrn.benchmark(networks={"x": TOY.network}, truths=TRUTH, n_null=0).plot("bars")


def test_score_runs_have_the_schema_of_runner_runs(tmp_path):
    res = bengrn.benchmark(TOY.adata, methods=["random"], networks={"planted": TOY.network}, truths=TRUTH,
                           n_null=5, n_cells=None, n_genes=None)
    inferred, scored = res.runs
    assert set(inferred) == set(scored)
    assert set(inferred["metrics"]) == set(scored["metrics"])
    assert set(inferred["universe"]) == set(scored["universe"]) and set(inferred["context"]) == set(scored["context"])
    assert set(inferred["provenance"]) <= set(scored["provenance"])
    assert set(scored["provenance"]) - set(inferred["provenance"]) == {"network"}
    assert set(inferred["provenance"]["parameters"]) == set(scored["provenance"]["parameters"])
    assert list(res.table.columns[:4]) == ["method", "truth", "dataset", "celltype"]
    assert set(bengrn.Results([inferred]).table.columns) == set(bengrn.Results([scored]).table.columns)


def test_truth_downloads_and_the_plan_reach_the_callback(monkeypatch):
    events = []
    load = ground_truths.load

    def downloading_load(name, *, progress=None, **options):
        if progress is not None:
            progress("download", {"url": f"https://example.org/{name}.tsv", "done": 7, "total": 7})
        return load(name, progress=progress, **options)

    monkeypatch.setattr(ground_truths, "load", downloading_load)
    bengrn.benchmark(TOY.adata, methods=["random"], networks={"planted": TOY.network}, truths=TRUTH, n_null=0,
                     n_cells=None, n_genes=None, callback=lambda event, info: events.append((event, info)))
    downloads = [info for event, info in events if event == "download"]
    assert len(downloads) == 2 and downloads[0]["url"].endswith(f"{TRUTH}.tsv")  # runner's and scorer's loads
    assert [e for e, _ in events].count("plan") == 2 and [e for e, _ in events].count("cell_done") == 2


def test_a_mouse_network_against_a_human_truth_is_flagged(caplog):
    genes = [g[:1] + g[1:].lower() for g in TOY.network.var_names]  # Sox2, Pou5f1, ...: mouse symbols
    mouse = grnndata.from_matrix(TOY.network.network("GRN"), genes)
    run = bengrn.benchmark(networks={"mouse": mouse}, truths=TRUTH, n_null=0).runs[0]
    assert "context_mismatch" in run["metrics"]["flags"]
    assert run["context"]["mismatch"] == ["organism: truth human, cells mouse"]
    assert run["metrics"]["n_positives"] == len(TOY.truth)  # the symbol rule still aligns every edge
    assert "do not share a context" in caplog.text
