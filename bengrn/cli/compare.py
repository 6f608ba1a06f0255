"""``bengrn compare``: one metric of several results files, as a table and a grouped bar plot."""
from __future__ import annotations

from pathlib import Path
from typing import List

import typer

from bengrn.cli.app import app, console, user_errors
from bengrn.cli.tables import compare_table
from bengrn.errors import BenchmarkError
from bengrn.plots import plot_compare
from bengrn.results import read_results

__all__ = ["compare"]


def _labels(paths: list[Path]) -> list[str]:
    """A short label per results file (its directory name), or the full paths when those collide."""
    labels = []
    for p in map(Path, paths):
        label = p.name if p.is_dir() else (p.parent.name if p.name == "results.json" else p.stem)
        labels.append(label or str(p))
    return labels if len(set(labels)) == len(labels) else [str(p) for p in paths]


@app.command()
@user_errors
def compare(
    results: List[Path] = typer.Argument(..., help="results.json files or --out directories."),
    metric: str = typer.Option("auprc", help="Metric to tabulate and plot."),
    out: Path = typer.Option(Path("compare.png"), "--out", "-o", help="PNG of the grouped bar plot."),
) -> None:
    """Compare several results files: a table and a grouped bar plot of one metric."""
    by_source = {}
    for label, path in zip(_labels(results), results):
        runs = read_results(path)
        if not any(metric in r["metrics"] for r in runs):
            available = sorted({k for r in runs for k in r["metrics"]})
            raise BenchmarkError(f"metric {metric!r} is not in {path}; metrics: {', '.join(available)}")
        by_source[label] = runs
    stdout = console()
    stdout.print(compare_table(by_source, metric))
    plot_compare(by_source, metric, out)
    stdout.print(f"Wrote {out}")
