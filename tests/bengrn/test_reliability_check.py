"""Issue 12, ``bengrn check``: it can only pass when it really compared something; file errors exit 2, regressions 1.

Results and baselines are written by hand (the JSON a user or a broken writer could produce), so each test states the
exact input and the exact outcome.
"""
from __future__ import annotations

import copy
import json

import pytest
from typer.testing import CliRunner

from bengrn import check as chk
from bengrn import results
from bengrn.cli import app


def _run(method="genie3", **metrics):
    base = {"auprc": 0.05, "auroc": 0.6, "epr": 2.0, "k": 100, "n_positives": 100, "prevalence": 0.01,
            "universe": "truth", "flags": ["few_truth_edges"], "tf_only": False}
    base.update(metrics)
    return {"method": method, "truth": "omnipath", "dataset": "chen-hesc", "celltype": None, "metrics": base,
            "provenance": {"parameters": {"seed": 0}, "fingerprint": method}}


def _write(path, doc):
    path.write_text(json.dumps(doc))
    return path


def _check(tmp_path, now, base, *args):
    res = CliRunner().invoke(app, ["check", str(_write(tmp_path / "now.json", now)), "--baseline",
                                   str(_write(tmp_path / "base.json", base)), *args])
    return res, " ".join(res.stderr.split())


def _assert_error(res, text, *fragments):
    assert res.exit_code == 2, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert "Traceback" not in res.output and "OK" not in res.stdout
    for f in fragments:
        assert f in text, (f, text)


@pytest.mark.parametrize("empty", [[], {"runs": []}])
@pytest.mark.parametrize("side", ["baseline", "results"])
def test_an_empty_file_is_an_error_not_a_pass(tmp_path, empty, side):
    now, base = ([_run()], empty) if side == "baseline" else (empty, [_run()])
    res, text = _check(tmp_path, now, base)
    _assert_error(res, text, f"{side} ", "holds no runs, so a check would compare nothing")


@pytest.mark.parametrize("side", ["baseline", "results"])
def test_a_number_stored_as_text_is_an_error(tmp_path, side):
    bad = [_run(auprc="0.5")]
    now, base = ([_run()], bad) if side == "baseline" else (bad, [_run()])
    res, text = _check(tmp_path, now, base)
    _assert_error(res, text, f"{side} ", "metric 'auprc' of run genie3 / omnipath / chen-hesc is the text '0.5'",
                  "JSON numbers")


def test_text_where_a_number_belongs_is_an_error(tmp_path):
    res, text = _check(tmp_path, [_run(k="many")], [_run()])
    _assert_error(res, text, "metric 'k'", "'many' (str), but k is a number")


def test_a_null_baseline_never_passes_a_number(tmp_path):
    # null is NaN in the results format: a NaN baseline vouches for nothing, so a number now is "changed" (exit 1),
    # where it used to be "improved" (exit 0); two NaNs agree.
    res, _ = _check(tmp_path, [_run(auroc=0.7)], [_run(auroc=None)])
    assert res.exit_code == 1 and "changed" in res.stdout and "improved" not in res.stdout
    res, _ = _check(tmp_path, [_run(auroc=None)], [_run(auroc=None)])
    assert res.exit_code == 0, res.output
    result = chk.compare(results.read_results(tmp_path / "now.json"), chk.read_baseline(tmp_path / "base.json"))
    assert result.n_compared == len(_run()["metrics"]) - 1  # every metric but the NaN one


def test_a_baseline_run_without_one_finite_metric_is_an_error(tmp_path):
    nan_run = _run()
    nan_run["metrics"] = {"auprc": None, "auroc": None}
    res, text = _check(tmp_path, [_run()], [nan_run])
    _assert_error(res, text, "run genie3 / omnipath / chen-hesc has no finite metric")


def test_metrics_missing_from_either_side_fail(tmp_path):
    fewer = _run()
    del fewer["metrics"]["epr"]
    res, _ = _check(tmp_path, [fewer], [_run()])
    assert res.exit_code == 1 and "epr" in res.stdout and "missing" in res.stdout
    res, _ = _check(tmp_path, [_run()], [fewer])
    assert res.exit_code == 1 and "epr" in res.stdout and "not in baseline" in res.stdout


def test_unknown_and_inapplicable_tolerance_keys_are_errors(tmp_path):
    res, text = _check(tmp_path, [_run()], [_run()], "--tolerance", "auprcc=abs:0.1")
    _assert_error(res, text, "--tolerance names metric 'auprcc', which the baseline does not have", "auprc, auroc")
    res, text = _check(tmp_path, [_run()], [_run()], "--tolerance", "k=abs:1")
    _assert_error(res, text, "--tolerance k: k is compared exactly")
    res, _ = _check(tmp_path, [_run(auprc=0.045)], [_run()], "--tolerance", "auprc=abs:0.01")
    assert res.exit_code == 0, res.output  # a known key still works: 0.005 < 0.01


def test_a_baseline_whose_metrics_is_a_list_exits_2(tmp_path):
    broken = _run()
    broken["metrics"] = [0.05, 0.6]
    res, text = _check(tmp_path, [_run()], [broken])
    _assert_error(res, text, "'metrics' of run 0 is a list; expected an object")


def test_structural_errors_exit_2_and_regressions_exit_1(tmp_path):
    res, text = _check(tmp_path, [_run(), _run()], [_run()])
    _assert_error(res, text, "results ", "has two runs genie3 / omnipath / chen-hesc")
    res, text = _check(tmp_path, [_run(universe=3)], [_run()])
    _assert_error(res, text, "metric 'universe'", "'truth' in the baseline but 3 in the results")
    (tmp_path / "bad.json").write_text("{not json")
    res = CliRunner().invoke(app, ["check", str(tmp_path / "bad.json"), "--baseline", str(tmp_path / "bad.json")])
    _assert_error(res, " ".join(res.stderr.split()), "is not valid JSON")
    res, _ = _check(tmp_path, [_run(auprc=0.04)], [_run()])
    assert res.exit_code == 1 and "regressed" in res.stdout
    res, _ = _check(tmp_path, [_run(universe="tf")], [_run()])  # a label that changed
    assert res.exit_code == 1 and "mismatch" in res.stdout


def test_json_output(tmp_path):
    base = [_run(), _run("random", auprc=0.01)]
    res, _ = _check(tmp_path, base, base, "--json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    n_metrics = len(_run()["metrics"])
    assert doc["status"] == "ok" and doc["exit_code"] == 0 and doc["rows"] == []
    assert (doc["n_runs"], doc["n_compared"], doc["n_failures"], doc["n_new_runs"]) == (2, 2 * n_metrics, 0, 0)
    worse = copy.deepcopy(base)
    worse[0]["metrics"].update(auprc=0.04, epr="inf")  # the results format writes infinity as "inf"
    worse.append(_run("correlation"))
    res, _ = _check(tmp_path, worse, base, "--json")
    assert res.exit_code == 1
    doc = json.loads(res.stdout)
    assert doc["status"] == "failed" and doc["exit_code"] == 1 and doc["n_failures"] == 1 and doc["n_new_runs"] == 1
    rows = {r["metric"]: r for r in doc["rows"]}  # the non-ok rows: auprc fell by 0.01, epr rose to inf
    assert set(rows) == {"auprc", "epr"}
    assert rows["auprc"] == {"run": "genie3 / omnipath / chen-hesc", "metric": "auprc", "baseline": 0.05,
                             "now": 0.04, "delta": pytest.approx(-0.01), "tolerance": "abs:1e-06,rel:0.001",
                             "status": "regressed"}
    assert rows["epr"]["now"] == "inf" and rows["epr"]["status"] == "improved"
    res, _ = _check(tmp_path, worse, base, "--json", "--all")
    rows = [r for r in json.loads(res.stdout)["rows"] if r["run"].startswith("genie3")]
    assert [r["metric"] for r in rows] == list(_run()["metrics"])
    assert {r["status"] for r in rows if r["metric"] not in ("auprc", "epr")} == {"ok"}
