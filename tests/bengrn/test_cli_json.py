"""Script-friendly CLI: ``--json`` documents (parsed back and checked against the library), ``--version``, tables
readable at 80 columns, and progress bars fed by ``ground_truths``' download events."""
from __future__ import annotations

import io
import json

import pytest
from rich.console import Console
from typer.testing import CliRunner

import bengrn
import ground_truths
from bengrn import methods as registry
from bengrn.cli import app
from bengrn.cli.progress import ProgressBars
from bengrn.cli.tables import compare_table
from bengrn.results import read_results
from grnndata.toy import toy


def _json(*args):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return json.loads(result.stdout)


def test_version():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == f"bengrn {bengrn.__version__}"


def test_methods_json_is_the_registry():
    listed = _json("methods", "--json")
    assert [m["name"] for m in listed] == registry.available()
    assert listed[0] == json.loads(json.dumps(registry.info(listed[0]["name"])))
    one = _json("methods", "random", "--json")
    assert one["name"] == "random" and one["needs_counts"] is False and "seed" in one["options"]
    bad = CliRunner().invoke(app, ["methods", "nope", "--json"])
    assert bad.exit_code == 2 and "unknown method 'nope'" in bad.output


def test_truths_list_and_info_json(shared_data):
    doc = _json("truths", "list", "--json")
    assert [t["name"] for t in doc["truths"]] == ground_truths.available()
    assert doc["datasets"] == ground_truths.available_datasets()
    info = _json("truths", "info", "mccalla-hesc", "--json")
    assert info == json.loads(json.dumps(ground_truths.info("mccalla-hesc"), default=str))
    table = CliRunner().invoke(app, ["truths", "info", "mccalla-hesc"])
    assert table.exit_code == 0 and json.loads(table.stdout) == info and table.stdout.count("\n") > 5  # indented


@pytest.fixture(scope="module")
def two_results(tmp_path_factory):
    t = toy(n_cells=150, n_genes=40, n_regulators=6, n_edges=80, seed=2)
    root = tmp_path_factory.mktemp("cmp")
    t.truth[["source", "target"]].to_csv(root / "truth.tsv", sep="\t", index=False)
    ground_truths.import_file(root / "truth.tsv", "toy-json-truth")
    for name, seed in (("first", 0), ("second", 1)):
        bengrn.benchmark(t.adata, methods=["random", "correlation"], truths="toy-json-truth", n_null=10,
                         n_cells=None, n_genes=None, seed=seed, out=root / name)
    return root


def test_compare_json_rows_are_the_results(two_results, tmp_path):
    doc = _json("compare", two_results / "first", two_results / "second", "--metric", "auroc", "--json",
                "--out", tmp_path / "c.png")
    assert doc["metric"] == "auroc" and list(doc["sources"]) == ["first", "second"]
    assert (tmp_path / "c.png").is_file() and doc["plot"] == str(tmp_path / "c.png")
    runs = {name: {r["method"]: r for r in read_results(two_results / name)} for name in ("first", "second")}
    assert [row["method"] for row in doc["rows"]] == ["correlation", "random"]
    for row in doc["rows"]:
        assert row["truth"] == "toy-json-truth" and row["celltype"] is None
        for source in ("first", "second"):
            assert row["values"][source] == runs[source][row["method"]]["metrics"]["auroc"]


def test_compare_table_at_80_columns(two_results):
    by_source = {f"a-long-results-folder-{i}": read_results(two_results / "first") for i in range(3)}
    buffer = io.StringIO()
    Console(file=buffer, width=80, color_system=None).print(compare_table(by_source, "auprc"))
    text = buffer.getvalue()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "correlation" in text and "toy-json-truth" in text and "…" not in text


def test_progress_bars_draw_downloads_and_the_grid():
    bars = ProgressBars()
    bars.live.console.file = io.StringIO()  # no terminal in tests
    with bars:
        bars("download", {"url": "https://example.org/data/edges.tsv.gz", "done": 512, "total": 2048})
        bars("download", {"url": "https://example.org/data/edges.tsv.gz", "done": 2048, "total": 2048})
        bars("download", {"url": "https://example.org/other.bin", "done": 10, "total": 0})
        bars("plan", {"total": 2})
        bars("cell_done", {"method": "m", "truth": "t", "celltype": None, "skipped": False})
    tasks = {t.description.strip(): t for t in bars.transfers.tasks}
    assert tasks["download edges.tsv.gz"].completed == 2048 and tasks["download edges.tsv.gz"].total == 2048
    assert tasks["download other.bin"].total is None  # size unknown: a pulsing bar
    assert bars.progress.tasks[0].completed == 1 and bars.progress.tasks[0].total == 2


def test_truths_fetch_passes_the_bars_to_ground_truths(monkeypatch, tmp_path):
    seen = []

    def fetch(name, *, force=False, progress=None):
        if progress is not None:
            progress("download", {"url": f"https://example.org/{name}.tsv", "done": 3, "total": 3})
        seen.append((name, type(progress).__name__))
        return tmp_path / f"{name}.parquet"

    monkeypatch.setattr(ground_truths, "fetch", fetch)
    result = CliRunner().invoke(app, ["truths", "fetch", "mccalla-hesc"])
    assert result.exit_code == 0, result.output
    assert seen == [("mccalla-hesc", "ProgressBars")]
    assert f"mccalla-hesc\t{tmp_path / 'mccalla-hesc.parquet'}" in result.stdout
    assert CliRunner().invoke(app, ["truths", "fetch", "mccalla-hesc", "--no-progress"]).exit_code == 0
    assert seen[-1] == ("mccalla-hesc", "NoneType")
