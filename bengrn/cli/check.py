"""``bengrn check``: exit 1 when results regress against a baseline, 2 when either file cannot be compared.

The rules are in :mod:`bengrn.check`. ``--json`` prints one JSON document instead of the table (same exit codes).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

from bengrn import check as chk
from bengrn.cli.app import app, console, user_errors
from bengrn.cli.tables import diff_table
from bengrn.errors import EXIT_OK, EXIT_REGRESSION
from bengrn.lock import check_writable
from grnndata._json import to_jsonable

__all__ = ["check", "check_document"]


def check_document(result: chk.CheckResult, *, results: Path, baseline: Path, show_all: bool = False) -> dict:
    """The ``--json`` output: status, exit code, counts and the rows (every row with ``show_all``, else non-ok)."""
    rows = [r for r in result.rows if show_all or r.status != "ok"]
    return to_jsonable({
        "status": "failed" if result.failed else "ok",
        "exit_code": EXIT_REGRESSION if result.failed else EXIT_OK,
        "results": str(results),
        "baseline": str(baseline),
        "n_runs": result.n_runs,
        "n_new_runs": result.n_new_runs,
        "n_compared": result.n_compared,
        "n_failures": len(result.failures),
        "rows": [{"run": r.run, "metric": r.metric, "baseline": r.baseline, "now": r.now, "delta": r.delta,
                  "tolerance": r.tolerance, "status": r.status} for r in rows],
    })


@app.command()
@user_errors
def check(
    results: Path = typer.Argument(..., help="results.json (or the --out directory of bengrn run)."),
    baseline: Path = typer.Option(..., "--baseline", "-b", help="Baseline JSON file (e.g. .ci/baseline.json)."),
    tolerance: Optional[List[str]] = typer.Option(
        None, "--tolerance", help="METRIC=abs:X,rel:Y (repeatable; '*=' sets the default)."),
    update: bool = typer.Option(False, "--update", help="Write the results as the new baseline."),
    show_all: bool = typer.Option(False, "--all", help="Show every compared metric, not only problems."),
    as_json: bool = typer.Option(False, "--json", help="Print the outcome as one JSON document (same exit codes)."),
) -> None:
    """Exit 1 if any metric of RESULTS is worse than the baseline by more than its tolerance (see docs/cli.md)."""
    tolerances = chk.parse_tolerances(tolerance or [])
    runs = chk.read_runs(results, "results")
    if update:  # before anything is compared or printed
        check_writable(baseline.parent, what="--baseline folder", subfolders=())
    stdout = console()
    if update:
        if baseline.exists():
            result = chk.compare(runs, chk.read_baseline(baseline), tolerances)
            if not as_json:
                stdout.print(diff_table(result, show_all=show_all))
        chk.write_baseline(runs, baseline, source=str(results))
        if as_json:
            typer.echo(json.dumps({"status": "updated", "exit_code": EXIT_OK, "baseline": str(baseline),
                              "n_runs": len(runs)}))
        else:
            stdout.print(f"Wrote baseline {baseline} ({len(runs)} runs)")
        return
    result = chk.compare(runs, chk.read_baseline(baseline), tolerances)
    if as_json:
        document = check_document(result, results=results, baseline=baseline, show_all=show_all)
        typer.echo(json.dumps(document, indent=2))
        if result.failed:
            raise typer.Exit(EXIT_REGRESSION)
        return
    n_metrics = sum(1 for r in result.rows if r.metric != "*")
    if result.failed or show_all or any(r.status == "improved" for r in result.rows):
        stdout.print(diff_table(result, show_all=show_all))
    extra = f"; {result.n_new_runs} run(s) not in the baseline (ignored)" if result.n_new_runs else ""
    if result.failed:
        console(stderr=True).print(f"[bold red]FAILED[/bold red]: {len(result.failures)} problem(s) in "
                                   f"{result.n_runs} baseline run(s){extra}")
        raise typer.Exit(EXIT_REGRESSION)
    stdout.print(f"[green]OK[/green]: {result.n_runs} run(s), {n_metrics} metrics within tolerance{extra}")
