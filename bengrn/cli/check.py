"""``bengrn check``: exit 1 when results regress against a baseline (rules in :mod:`bengrn.check`)."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from bengrn import check as chk
from bengrn.cli.app import app, console, user_errors
from bengrn.cli.tables import diff_table
from bengrn.errors import EXIT_REGRESSION
from bengrn.results import read_results

__all__ = ["check"]


@app.command()
@user_errors
def check(
    results: Path = typer.Argument(..., help="results.json (or the --out directory of bengrn run)."),
    baseline: Path = typer.Option(..., "--baseline", "-b", help="Baseline JSON file (e.g. .ci/baseline.json)."),
    tolerance: Optional[List[str]] = typer.Option(
        None, "--tolerance", help="METRIC=abs:X,rel:Y (repeatable; '*=' sets the default)."),
    update: bool = typer.Option(False, "--update", help="Write the results as the new baseline."),
    show_all: bool = typer.Option(False, "--all", help="Show every compared metric, not only problems."),
) -> None:
    """Exit 1 if any metric of RESULTS is worse than the baseline by more than its tolerance (see docs/cli.md)."""
    runs = read_results(results)
    tolerances = chk.parse_tolerances(tolerance or [])
    stdout = console()
    if update:
        if baseline.exists():
            stdout.print(diff_table(chk.compare(runs, chk.read_baseline(baseline), tolerances), show_all=show_all))
        chk.write_baseline(runs, baseline, source=str(results))
        stdout.print(f"Wrote baseline {baseline} ({len(runs)} runs)")
        return
    result = chk.compare(runs, chk.read_baseline(baseline), tolerances)
    n_metrics = sum(1 for r in result.rows if r.metric != "*")
    if result.failed or show_all or any(r.status == "improved" for r in result.rows):
        stdout.print(diff_table(result, show_all=show_all))
    extra = f"; {result.n_new_runs} run(s) not in the baseline (ignored)" if result.n_new_runs else ""
    if result.failed:
        console(stderr=True).print(f"[bold red]FAILED[/bold red]: {len(result.failures)} problem(s) in "
                                   f"{result.n_runs} baseline run(s){extra}")
        raise typer.Exit(EXIT_REGRESSION)
    stdout.print(f"[green]OK[/green]: {result.n_runs} run(s), {n_metrics} metrics within tolerance{extra}")
