"""``bengrn truths import`` (issue 12): --header/--no-header, --sep, --organism, case-insensitive names, empty truths."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import ground_truths as gt
from bengrn.cli import app
from grnndata.toy import toy


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GROUND_TRUTHS_CACHE", str(tmp_path / "cache"))
    gt.set_cache_dir(None)
    yield tmp_path / "cache"
    gt.set_cache_dir(None)


def _invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def _out(res) -> str:
    return " ".join(res.output.split())


def test_headerless_file_keeps_its_first_edge_and_header_flags_decide(tmp_path):
    path = tmp_path / "pairs.txt"
    path.write_text("SOX2\tNANOG\nPOU5F1\tNANOG\nKLF4\tMYC\n")
    res = _invoke("truths", "import", path, "--name", "sniffed")
    assert res.exit_code == 0, res.output
    assert "3 edges" in _out(res) and "first row data" in _out(res)
    res = _invoke("truths", "import", path, "--name", "with-header", "--header")
    assert res.exit_code == 0 and "2 edges" in _out(res) and "first row a header" in _out(res)
    res = _invoke("truths", "import", path, "--name", "no-header", "--no-header")
    assert res.exit_code == 0 and "3 edges" in _out(res)


def test_sep_and_organism(tmp_path):
    path = tmp_path / "mouse.txt"
    path.write_text("Sox2;Nanog\nKlf4;Myc\n")
    res = _invoke("truths", "import", path, "--name", "m1")
    assert res.exit_code == 2 and "wrong separator? pass sep=" in " ".join(res.stderr.split())
    res = _invoke("truths", "import", path, "--name", "m1", "--sep", ";")
    assert res.exit_code == 0 and "organism mouse (detected from the symbol case)" in _out(res)
    assert set(gt.load("m1")["source"]) == {"Sox2", "Klf4"}  # not upper-cased into a human truth
    res = _invoke("truths", "import", path, "--name", "m2", "--sep", ";", "--organism", "human")
    assert res.exit_code == 0 and "organism human" in _out(res) and "detected" not in _out(res)


def test_names_ignore_case_from_import_to_run(tmp_path):
    t = toy(n_cells=60, n_genes=30, n_regulators=4, n_edges=25, seed=2)
    edges = tmp_path / "planted.tsv"
    t.truth.to_csv(edges, sep="\t", index=False)
    data = tmp_path / "toy.h5ad"
    t.adata.write_h5ad(data)
    res = _invoke("truths", "import", edges, "--name", "MyNet")
    assert res.exit_code == 0 and "imported 'mynet': 25 edges" in _out(res), res.output
    res = _invoke("truths", "info", "MyNet")
    assert res.exit_code == 0 and json.loads(res.stdout)["name"] == "mynet"
    res = _invoke("run", "--method", "random", "--truth", "MyNet", "--data", data, "--n-genes", "0", "--n-cells", "0",
                  "--out", tmp_path / "out")
    assert res.exit_code == 0, res.output


def test_a_truth_without_edges_is_refused_and_nothing_is_cached(tmp_path, cache):
    path = tmp_path / "loops.tsv"
    path.write_text("SOX2\tSOX2\nMYC\tMYC\n")
    res = _invoke("truths", "import", path, "--name", "loops")
    assert res.exit_code == 2
    err = " ".join(res.stderr.split())
    assert "no edge left after normalisation" in err and "2 self-loop(s) dropped" in err
    assert not (cache / "truths" / "loops").exists() and "loops" not in gt.available()
