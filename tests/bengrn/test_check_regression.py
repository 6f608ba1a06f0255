"""bengrn.check: tolerance rules on hand-made results (real-data checks live in test_cli_benchmark.py)."""
from __future__ import annotations

import copy
import json
import math

import pytest
from typer.testing import CliRunner

from bengrn import check as chk
from bengrn import results
from bengrn.cli import app


def _run(method="correlation", truth="mccalla-hesc", **metrics):
    base = {"auprc": 0.05, "ap": 0.05, "auroc": 0.6, "epr": 2.0, "odds_ratio": 3.0, "fisher_p": 1e-8,
            "precision_at_k": 0.1, "recall_at_k": 0.1, "k": 100, "n_positives": 100, "n_universe": 10000,
            "prevalence": 0.01}
    base.update(metrics)
    return {"method": method, "truth": truth, "dataset": "chen-hesc", "celltype": None, "metrics": base,
            "provenance": {"parameters": {"seed": 0, "n_cells": 384, "n_genes": 1000}}}


def _status(result, metric):
    return {r.metric: r.status for r in result.rows}[metric]


def test_same_results_pass_and_every_metric_is_compared():
    runs = [_run(), _run("random")]
    result = chk.compare(runs, runs)
    assert not result.failed
    assert len([r for r in result.rows if r.status == "ok"]) == 2 * 12


@pytest.mark.parametrize(
    "metric,base,now,status",
    [
        # higher is better; default tolerance max(1e-6, 1e-3 * |base|)
        ("auprc", 0.05, 0.05 - 4e-5, "ok"),
        ("auprc", 0.05, 0.05 - 6e-5, "regressed"),
        ("auprc", 1e-4, 1e-4 - 0.9e-6, "ok"),  # near 0 the absolute floor 1e-6 applies
        ("auprc", 1e-4, 1e-4 - 1.1e-6, "regressed"),
        ("auprc", 0.05, 0.06, "improved"),
        ("auroc", 0.6, 0.6 - 5e-4, "ok"),  # allowed = max(1e-6, 1e-3 * 0.6) = 6e-4
        ("auroc", 0.6, 0.6 - 7e-4, "regressed"),
        ("epr", 2.0, 1.9985, "ok"),  # allowed = 2e-3
        ("epr", 2.0, 1.997, "regressed"),
        # lower is better
        ("fisher_p", 1e-8, 1.0009e-8, "ok"),  # rel 1e-3 of 1e-8 = 1e-11 >= 9e-12
        ("fisher_p", 1e-8, 1.01e-8, "regressed"),
        ("fisher_p", 1e-8, 1e-9, "improved"),
        # counts: exact
        ("k", 100, 101, "mismatch"),
        ("n_positives", 100, 100, "ok"),
        # benchmark descriptors: two-sided
        ("prevalence", 0.01, 0.0102, "changed"),
        ("prevalence", 0.01, 0.01 + 9e-6, "ok"),  # allowed 1e-5, either way
        ("prevalence", 0.01, 0.01 - 1.1e-5, "changed"),
    ],
)
def test_directions_and_default_tolerances(metric, base, now, status):
    result = chk.compare([_run(**{metric: now})], [_run(**{metric: base})])
    assert _status(result, metric) == status
    assert result.failed == (status in ("regressed", "mismatch", "changed"))


def test_infinite_odds_ratio_round_trips_and_must_stay_infinite(tmp_path):
    runs = [_run(odds_ratio=math.inf, fisher_p=float("nan"))]
    results.write_results(runs, tmp_path)
    text = (tmp_path / "results.json").read_text()
    assert '"odds_ratio": "inf"' in text and '"fisher_p": null' in text
    json.loads(text)  # strictly valid JSON
    back = results.read_results(tmp_path / "results.json")
    assert back[0]["metrics"]["odds_ratio"] == math.inf and math.isnan(back[0]["metrics"]["fisher_p"])
    assert not chk.compare(back, back).failed
    assert _status(chk.compare([_run(odds_ratio=50.0)], back), "odds_ratio") == "regressed"


def test_missing_run_metric_and_changed_parameters_fail():
    base = [_run(), _run("random")]
    result = chk.compare([_run()], base)
    assert result.failed and [r.status for r in result.failures] == ["run missing"]
    now = _run()
    del now["metrics"]["auroc"]
    assert [r.metric for r in chk.compare([now], [_run()]).failures] == ["auroc"]
    other = _run()
    other["provenance"]["parameters"]["n_genes"] = 500
    assert [r.status for r in chk.compare([other], [_run()]).failures] == ["params differ"]
    # A run that is new in the results is reported, not a failure.
    result = chk.compare(base, [_run()])
    assert not result.failed and result.n_new_runs == 1


def test_parse_tolerances():
    tol = chk.parse_tolerances(["auprc=abs:0.01,rel:0.05", "auroc=rel:0.2"])
    assert tol["auprc"] == chk.Tolerance(abs=0.01, rel=0.05)
    assert tol["auroc"] == chk.Tolerance(abs=1e-6, rel=0.2)
    assert tol["fisher_p"] == chk.Tolerance(abs=1e-12, rel=1e-3)
    star = chk.parse_tolerances(["*=abs:0.5"])
    assert star["*"] == chk.Tolerance(abs=0.5, rel=1e-3) and "fisher_p" not in star
    # allowed fall for auprc 0.05 = max(0.01, 0.05 * 0.05) = 0.01
    assert _status(chk.compare([_run(auprc=0.0401)], [_run()], tol), "auprc") == "ok"
    assert _status(chk.compare([_run(auprc=0.0399)], [_run()], tol), "auprc") == "regressed"
    for bad in ("auprc", "auprc=abs=1", "auprc=abs:x", "auprc=abs:-1", "=abs:1"):
        with pytest.raises(ValueError):
            chk.parse_tolerances([bad])


def test_check_command_exit_codes_table_and_update(tmp_path):
    runner = CliRunner()
    runs = [_run(), _run("random", auprc=0.01)]
    results.write_results(runs, tmp_path / "now")
    baseline = tmp_path / "baseline.json"
    res = runner.invoke(app, ["check", str(tmp_path / "now"), "--baseline", str(baseline)])
    assert res.exit_code == 2 and "--update" in res.stderr
    res = runner.invoke(app, ["check", str(tmp_path / "now"), "--baseline", str(baseline), "--update"])
    assert res.exit_code == 0, res.output
    assert json.loads(baseline.read_text())["runs"][1]["metrics"]["auprc"] == 0.01
    res = runner.invoke(app, ["check", str(tmp_path / "now" / "results.json"), "--baseline", str(baseline)])
    assert res.exit_code == 0 and "OK" in res.stdout

    worse = copy.deepcopy(runs)
    worse[0]["metrics"]["auprc"] = 0.04
    results.write_results(worse, tmp_path / "worse")
    res = runner.invoke(app, ["check", str(tmp_path / "worse"), "--baseline", str(baseline)])
    assert res.exit_code == 1
    for text in ("auprc", "0.05", "0.04", "-1.000e-02", "regressed", "correlation / mccalla-hesc"):
        assert text in res.stdout, text
    # A looser tolerance absorbs the same drop.
    res = runner.invoke(app, ["check", str(tmp_path / "worse"), "--baseline", str(baseline),
                              "--tolerance", "auprc=abs:0.02"])
    assert res.exit_code == 0, res.output
