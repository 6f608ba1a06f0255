"""``bengrn run``: parse the options into a :class:`bengrn.runner.RunConfig`, run it with progress bars, print."""
from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any, List, Optional

import typer

from bengrn import methods as registry
from bengrn.cli.app import app, console, log_to_stderr, split_list, use_cache_dir, user_errors
from bengrn.cli.progress import ProgressBars
from bengrn.cli.tables import WIDE_PRINT, flag_legend, summary_tables
from bengrn.errors import BenchmarkError
from bengrn.plan import validate_names
from bengrn.runner import RunConfig, run_benchmark

__all__ = ["run", "parse_method_options"]


def _parse_value(text: str) -> Any:
    low = text.strip().lower()
    if low in ("true", "yes"):
        return True
    if low in ("false", "no"):
        return False
    if low in ("none", "null"):
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def parse_method_options(specs: list[str], methods: list[str]) -> dict[str, dict[str, Any]]:
    """``KEY=VALUE`` (every selected method that has option KEY) or ``METHOD:KEY=VALUE`` -> method -> options."""
    known = {m: set(registry.info(m)["options"]) for m in methods}
    out: dict[str, dict[str, Any]] = {m: {} for m in methods}
    for spec in specs:
        if "=" not in spec:
            raise BenchmarkError(
                f"bad --method-option {spec!r}: expected KEY=VALUE or METHOD:KEY=VALUE (e.g. n_trees=10)")
        lhs, value = spec.split("=", 1)
        value_ = _parse_value(value)
        if ":" in lhs:
            method, key = (x.strip() for x in lhs.split(":", 1))
            if method not in methods:
                raise BenchmarkError(f"--method-option {spec!r} names method {method!r}, which is not in --method")
            out[method][key] = value_  # names and values are checked once, by bengrn.methods.validate_options
        else:
            key = lhs.strip()
            targets = [m for m in methods if key in known[m]]
            if not targets:
                raise BenchmarkError(
                    f"--method-option {key!r} is not an option of any selected method ({', '.join(methods)}); "
                    "`bengrn methods NAME` lists a method's options"
                )
            for m in targets:
                out[m][key] = value_
    return {m: o for m, o in out.items() if o}


@app.command()
@user_errors
def run(
    method: List[str] = typer.Option(..., "--method", "-m", help="Method name(s), comma-separated or repeated."),
    truth: List[str] = typer.Option(..., "--truth", "-t", help="Ground-truth name(s), comma-separated or repeated."),
    data: Optional[str] = typer.Option(
        None, help="An .h5ad file or a dataset name; default: the truth's matched dataset, else chen-hesc."),
    celltype_key: Optional[str] = typer.Option(None, help="obs column: infer one network per cell type."),
    n_cells: int = typer.Option(1024, help="Cells sampled (with --seed) per network; all if fewer; 0 = all."),
    n_genes: int = typer.Option(5000, help="Most variable genes kept (log-normalised variance); 0 = all."),
    universe: Optional[str] = typer.Option(
        None, help="Pairs scored: truth (assayed regulators x measured targets; default), beeline (truth regulators "
                   "x truth genes), tf (TF rows x all genes) or all."),
    tf_only: bool = typer.Option(False, "--tf-only", help="Alias of --universe tf (ground_truths.tf_list rows)."),
    n_null: int = typer.Option(100, "--null", help="Label permutations of the null (z, p per metric); 0 = none."),
    transpose: bool = typer.Option(False, "--transpose", help="Score network.T (methods with targets in rows)."),
    heads: str = typer.Option("mean", help="scprint heads: 'mean' or 'select' (held-out head selection)."),
    seed: int = typer.Option(0, help="Seed of cell sampling, gene tie-breaks and every method."),
    out: Path = typer.Option(Path("bengrn-results"), "--out", "-o", help="Output directory."),
    scheduler: Optional[str] = typer.Option(None, help="Dask scheduler address for methods that accept one."),
    enrich: bool = typer.Option(False, "--enrich", help="Add an enrichment summary (and plot) per network."),
    cache_dir: Optional[Path] = typer.Option(None, help="ground_truths cache directory."),
    method_option: Optional[List[str]] = typer.Option(
        None, "--method-option", "-O", help="KEY=VALUE for every method with that option, or METHOD:KEY=VALUE."),
    force: bool = typer.Option(False, "--force", help="Recompute everything instead of resuming."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show progress bars."),
    log_y: bool = typer.Option(False, "--log-y", help="PR plots with a log precision axis."),
    wide: bool = typer.Option(False, "--wide", help="Also print ap, EPR and the prevalence (wider than 80 columns)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log each step."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    """Run methods x truths (x cell types), save networks and results in --out, print a summary.

    Inference runs once per (method, dataset, cell type); an interrupted run resumes where it stopped.
    """
    use_cache_dir(cache_dir)
    methods_, truths_ = split_list(method), split_list(truth)
    validate_names(methods_, truths_)
    # Option values may themselves contain commas (lists), so --method-option is repeated, not comma-split.
    options = parse_method_options([v for v in method_option or [] if v.strip()], methods_)
    config = RunConfig(
        methods=methods_, truths=truths_, out=out, data=data, celltype_key=celltype_key,
        n_cells=n_cells or None, n_genes=n_genes or None, tf_only=tf_only, universe=universe, n_null=n_null,
        transpose=transpose, heads=heads,
        seed=seed, scheduler=scheduler, enrich=enrich, force=force, method_options=options, progress=progress,
        log_y=log_y,
    )
    bars = ProgressBars() if progress else None
    with log_to_stderr(verbose), bars or contextlib.nullcontext():
        runs = run_benchmark(config, callback=bars)
    stdout = console()
    for table in summary_tables(runs, seed=seed, wide=wide):
        stdout.print(table, **WIDE_PRINT if wide else {})
        stdout.print()
    for line in flag_legend(runs):
        stdout.print(f"flag {line}")
    stdout.print(f"Wrote {len(runs)} runs to {out / 'results.json'} and {out / 'results.csv'}; "
                 f"networks in {out / 'networks'}, plots in {out / 'plots'}")
