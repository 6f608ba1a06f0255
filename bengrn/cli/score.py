"""``bengrn score``: benchmark existing networks (files) against truths; a thin shell over :func:`bengrn.benchmark`."""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import List, Optional

import typer

from bengrn.api import benchmark
from bengrn.cli.app import app, console, log_to_stderr, split_list, use_cache_dir, user_errors
from bengrn.cli.progress import ProgressBars
from bengrn.cli.tables import WIDE_PRINT, flag_legend, summary_tables
from bengrn.errors import BenchmarkError
from bengrn.layouts import LAYOUTS
from bengrn.networks import network_name

__all__ = ["score"]


@app.command()
@user_errors
def score(
    networks: List[str] = typer.Argument(
        ..., help="Network files (.h5ad, or edge lists in TSV/CSV/parquet, optionally .gz); NAME=PATH names one."),
    truth: List[str] = typer.Option(..., "--truth", "-t", help="Ground-truth name(s), comma-separated or repeated."),
    universe: str = typer.Option(
        "truth", help="Pairs scored: truth (assayed regulators x measured targets), beeline (truth regulators x truth "
                      "genes), tf (TF rows x all genes) or all."),
    n_null: int = typer.Option(100, "--null", help="Label permutations of the null (z, p per metric); 0 = none."),
    key: Optional[str] = typer.Option(None, help="Network key (varp) of an .h5ad; default GRN, or its only one."),
    genes: Optional[Path] = typer.Option(
        None, help="One gene per line: the genes the method could use (unscored pairs count as absent edges)."),
    data: Optional[str] = typer.Option(
        None, help="The expression data (.h5ad or dataset name) the networks came from: its genes are the universe "
                   "and its context is checked against the truth's."),
    layout: Optional[str] = typer.Option(None, help=f"Edge-list layout, instead of detecting it: {', '.join(LAYOUTS)}."),
    source: Optional[str] = typer.Option(None, help="Column of regulators (with --target: any table)."),
    target: Optional[str] = typer.Option(None, help="Column of targets."),
    weight: Optional[str] = typer.Option(
        None, help="Column scored (e.g. coef_mean for CellOracle links; default: the layout's)."),
    signed: bool = typer.Option(False, "--signed", help="Rank by signed weight instead of |weight|."),
    transpose: bool = typer.Option(False, "--transpose", help="Score network.T (first column holds targets)."),
    seed: int = typer.Option(0, help="Seed of the null's permutations."),
    out: Path = typer.Option(Path("bengrn-score"), "--out", "-o", help="Output directory."),
    log_y: bool = typer.Option(False, "--log-y", help="PR plots with a log precision axis."),
    wide: bool = typer.Option(False, "--wide", help="Also print ap, EPR and the prevalence (wider than 80 columns)."),
    force: bool = typer.Option(False, "--force", help="Score again instead of reusing finished runs."),
    cache_dir: Optional[Path] = typer.Option(None, help="ground_truths cache directory."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log each step."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    """Score existing networks against truths, with the protocols, null, flags and outputs of `bengrn run`.

    Formats and column layouts are detected (pySCENIC/arboreto TF,target,importance; BEELINE rankedEdges
    Gene1,Gene2,EdgeWeight; CellOracle links; decoupler source,target,weight; GENIE3; .h5ad); each network is named
    by its file stem unless given as NAME=PATH. See docs/cli.md.
    """
    use_cache_dir(cache_dir)
    specs = dict(network_name(spec) for spec in networks)
    if len(specs) != len(networks):
        raise BenchmarkError("two networks have the same name; name them NAME=PATH")
    bars = ProgressBars() if progress else None
    with log_to_stderr(verbose), bars or contextlib.nullcontext():
        results = benchmark(
            data=data, networks=specs, truths=split_list(truth), universe=universe, n_null=n_null, seed=seed, out=out,
            key=key, layout=layout, source=source, target=target, weight=weight, signed=signed, transpose=transpose,
            genes=genes, force=force, log_y=log_y, callback=bars,
        )
    stdout = console()
    for table in summary_tables(results.runs, seed=seed, wide=wide):
        stdout.print(table, **WIDE_PRINT if wide else {})
        stdout.print()
    for line in flag_legend(results.runs):
        stdout.print(f"flag {line}")
    stdout.print(f"Wrote {len(results)} runs to {out / 'results.json'} and {out / 'results.csv'}; plots in "
                 f"{out / 'plots'}")
