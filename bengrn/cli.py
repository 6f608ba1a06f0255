"""The ``bengrn`` command line: ``run``, ``methods``, ``truths list|info|fetch|import``, ``compare``, ``check``.

Errors the user can fix (unknown names, missing files, unusable data, missing optional dependencies) are printed in red
on stderr, without a traceback (``--debug`` shows it), and exit with code 2; ``check`` exits 1 on a regression.
See ``docs/cli.md``.
"""
from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any, Callable, List, Optional

import typer

__all__ = ["app", "main", "parse_method_options"]

app = typer.Typer(
    name="bengrn",
    help="Benchmark gene regulatory networks inferred from single-cell data against reference networks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
truths_app = typer.Typer(help="List, describe, download and import ground-truth networks.", no_args_is_help=True)
app.add_typer(truths_app, name="truths")

EXIT_ERROR = 2
EXIT_REGRESSION = 1
_DEBUG = {"on": bool(os.environ.get("BENGRN_DEBUG"))}


def _console(stderr: bool = False):
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    # Wide tables when the output is a file or a pipe (CI logs), the terminal's width otherwise.
    width = None if stream.isatty() else 200
    return Console(file=stream, width=width, highlight=False)


def _fail(message: str, code: int = EXIT_ERROR) -> None:
    from rich.markup import escape

    _console(stderr=True).print(f"[bold red]Error:[/bold red] [red]{escape(message)}[/red]")
    raise typer.Exit(code)


def _user_errors(func: Callable) -> Callable:
    """Turn the errors a user can fix into a red one-line message and exit code 2 (traceback with --debug)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from bengrn.runner import BenchmarkError, MissingDependencyError

        _DEBUG["on"] = bool(kwargs.get("debug")) or bool(os.environ.get("BENGRN_DEBUG"))
        try:
            return func(*args, **kwargs)
        except typer.Exit:
            raise
        except (BenchmarkError, MissingDependencyError, FileNotFoundError, KeyError, ValueError, ImportError) as exc:
            if _DEBUG["on"]:
                raise
            message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
            _fail(str(message) or type(exc).__name__)

    return wrapper


_LOGGERS = ("bengrn", "ground_truths", "grnndata", "scprint_model")


@contextlib.contextmanager
def _logging(verbose: bool):
    """Log our packages to stderr through rich for the duration of one command, then restore everything.

    The handler is removed afterwards so that in-process callers (tests, notebooks) are left untouched.
    """
    from rich.logging import RichHandler

    handler = RichHandler(console=_console(stderr=True), show_path=False, show_time=False)
    level = logging.INFO if verbose else logging.WARNING
    saved = []
    for name in _LOGGERS:
        lg = logging.getLogger(name)
        saved.append((lg, lg.level, lg.propagate))
        lg.setLevel(level)
        lg.addHandler(handler)
        lg.propagate = False
    try:
        yield
    finally:
        for lg, lvl, prop in saved:
            lg.removeHandler(handler)
            lg.setLevel(lvl)
            lg.propagate = prop


def _split(values: Optional[List[str]]) -> list[str]:
    """``["a,b", "c"]`` -> ``["a", "b", "c"]``: options accept comma lists and repetition."""
    out: list[str] = []
    for v in values or []:
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return out


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
    from bengrn import methods as registry

    known = {m: set(registry.info(m).get("options") or {}) for m in methods}
    out: dict[str, dict[str, Any]] = {m: {} for m in methods}
    for spec in specs:
        if "=" not in spec:
            raise ValueError(f"bad --method-option {spec!r}: expected KEY=VALUE or METHOD:KEY=VALUE (e.g. n_trees=10)")
        lhs, value = spec.split("=", 1)
        value_ = _parse_value(value)
        if ":" in lhs:
            method, key = (x.strip() for x in lhs.split(":", 1))
            if method not in methods:
                raise ValueError(f"--method-option {spec!r} names method {method!r}, which is not in --method")
            # scprint forwards any option to scprint_model.infer_network; the others list theirs.
            if method != "scprint" and key not in known[method]:
                raise ValueError(
                    f"method {method!r} has no option {key!r}; its options: {', '.join(sorted(known[method]))}"
                )
            out[method][key] = value_
        else:
            key = lhs.strip()
            targets = [m for m in methods if key in known[m]]
            if not targets:
                raise ValueError(
                    f"--method-option {key!r} is not an option of any selected method ({', '.join(methods)}); "
                    f"use METHOD:{key}=VALUE for scprint options"
                )
            for m in targets:
                out[m][key] = value_
    return {m: o for m, o in out.items() if o}


class _ProgressBars:
    """Rich progress: one bar for the grid of (method, truth, cell type) cells, one line per running inference."""

    def __init__(self, enabled: bool):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, \
            TimeElapsedColumn

        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=_console(stderr=True),
            disable=not enabled,
            transient=False,
        )
        self.grid = None
        self.current = None

    def __enter__(self):
        self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        return self.progress.__exit__(*exc)

    def __call__(self, event: str, info: dict) -> None:
        p = self.progress
        if event == "plan":
            self.grid = p.add_task("benchmark grid", total=info["total"])
        elif event == "infer_start":
            ct = "" if info.get("celltype") is None else f" / {info['celltype']}"
            self.current = p.add_task(f"  {info['method']} on {info['dataset']}{ct}", total=1)
        elif event == "infer_end" and self.current is not None:
            suffix = " (reused)" if info.get("reused") else ""
            desc = p.tasks[self.current].description if self.current < len(p.tasks) else ""
            p.update(self.current, completed=1, description=desc + suffix)
            self.current = None
        elif event == "cell_done" and self.grid is not None:
            p.advance(self.grid)


# --------------------------------------------------------------------------------------------- run
@app.command()
@_user_errors
def run(
    method: List[str] = typer.Option(..., "--method", "-m", help="Method name(s), comma-separated or repeated."),
    truth: List[str] = typer.Option(..., "--truth", "-t", help="Ground-truth name(s), comma-separated or repeated."),
    data: Optional[str] = typer.Option(
        None, help="An .h5ad file or a dataset name; default: the truth's matched dataset, else chen-hesc."),
    celltype_key: Optional[str] = typer.Option(None, help="obs column: infer one network per cell type."),
    n_cells: int = typer.Option(1024, help="Cells sampled (with --seed) per network; all if fewer; 0 = all."),
    n_genes: int = typer.Option(5000, help="Most variable genes kept (log-normalised variance); 0 = all."),
    tf_only: bool = typer.Option(False, "--tf-only", help="Score only edges from TFs (ground_truths.tf_list)."),
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
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log each step."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    """Run methods x truths (x cell types), save networks and results in --out, print a summary.

    Inference runs once per (method, dataset, cell type); an interrupted run resumes where it stopped.
    """
    from bengrn import report
    from bengrn.runner import RunConfig, run_benchmark

    if cache_dir is not None:
        import ground_truths

        ground_truths.set_cache_dir(cache_dir)
    if heads not in ("mean", "select"):
        _fail(f"--heads must be 'mean' or 'select', got {heads!r}")
    methods_, truths_ = _split(method), _split(truth)
    _validate_names(methods_, truths_)
    options = parse_method_options(_split_options(method_option), methods_)
    config = RunConfig(
        methods=methods_, truths=truths_, out=out, data=data, celltype_key=celltype_key,
        n_cells=n_cells or None, n_genes=n_genes or None, tf_only=tf_only, transpose=transpose, heads=heads,
        seed=seed, scheduler=scheduler, enrich=enrich, force=force, method_options=options, progress=progress,
    )
    with _logging(verbose), _ProgressBars(progress) as bars:
        runs = run_benchmark(config, callback=bars)
    console = _console()
    console.print(report.summary_table(runs, title=f"bengrn results (seed {seed})"))
    console.print(f"Wrote {len(runs)} runs to {out / 'results.json'} and {out / 'results.csv'}; "
                  f"networks in {out / 'networks'}, plots in {out / 'plots'}")


def _split_options(values: Optional[List[str]]) -> list[str]:
    # Option values may themselves contain commas (lists), so --method-option is repeated, not comma-split.
    return [v for v in (values or []) if v.strip()]


def _validate_names(methods_: list[str], truths_: list[str]) -> None:
    import ground_truths
    from bengrn import methods as registry

    valid_m = registry.available()
    bad = [m for m in methods_ if m not in valid_m]
    if bad:
        _fail(f"unknown method {', '.join(map(repr, bad))}; valid methods: {', '.join(valid_m)}")
    valid_t = ground_truths.available()
    bad = [t for t in truths_ if t not in valid_t]
    if bad:
        _fail(f"unknown truth {', '.join(map(repr, bad))}; valid truths: {', '.join(valid_t)}")


# --------------------------------------------------------------------------------------------- methods
@app.command("methods")
@_user_errors
def methods_cmd(name: Optional[str] = typer.Argument(None, help="Show one method's documentation.")) -> None:
    """List the inference methods, or describe one."""
    from rich.table import Table

    from bengrn import methods as registry

    console = _console()
    if name:
        if name not in registry.available():
            _fail(f"unknown method {name!r}; valid methods: {', '.join(registry.available())}")
        console.print(registry.describe(name))
        console.print_json(json.dumps(registry.info(name)))
        return
    table = Table(title="methods")
    for col in ("name", "needs counts", "summary"):
        table.add_column(col)
    for m in registry.available():
        info = registry.info(m)
        table.add_row(m, "yes" if info.get("needs_counts") else "no", info.get("summary", ""))
    console.print(table)


# --------------------------------------------------------------------------------------------- truths
def _maybe_cache(cache_dir: Optional[Path]) -> None:
    if cache_dir is not None:
        import ground_truths

        ground_truths.set_cache_dir(cache_dir)


@truths_app.command("list")
@_user_errors
def truths_list(cache_dir: Optional[Path] = typer.Option(None, help="ground_truths cache directory.")) -> None:
    """List the ground truths (and the datasets) available."""
    from rich.table import Table

    import ground_truths

    _maybe_cache(cache_dir)
    table = Table(title="ground truths")
    for col in ("name", "organism", "cached", "description"):
        table.add_column(col)
    for name in ground_truths.available():
        try:
            info = ground_truths.info(name)
        except Exception as exc:  # one broken entry must not hide the list
            info = {"description": f"(info failed: {exc})"}
        table.add_row(name, str(info.get("organism") or ""), "yes" if info.get("cached") else "no",
                      str(info.get("description") or "").split("\n")[0])
    console = _console()
    console.print(table)
    console.print("datasets: " + ", ".join(ground_truths.available_datasets()))


@truths_app.command("info")
@_user_errors
def truths_info(
    name: str = typer.Argument(..., help="Ground-truth name."),
    cache_dir: Optional[Path] = typer.Option(None, help="ground_truths cache directory."),
) -> None:
    """Show a ground truth's description, source, version, checksum and cache state (JSON)."""
    import ground_truths

    from bengrn.report import to_jsonable

    _maybe_cache(cache_dir)
    if name not in ground_truths.available():
        _fail(f"unknown truth {name!r}; valid truths: {', '.join(ground_truths.available())}")
    _console().print_json(json.dumps(to_jsonable(ground_truths.info(name))))


@truths_app.command("fetch")
@_user_errors
def truths_fetch(
    names: List[str] = typer.Argument(..., help="Ground-truth name(s)."),
    force: bool = typer.Option(False, "--force", help="Download again even if cached."),
    cache_dir: Optional[Path] = typer.Option(None, help="ground_truths cache directory."),
) -> None:
    """Download (or copy from GROUND_TRUTHS_LOCAL) ground truths into the cache and print their paths."""
    import ground_truths

    _maybe_cache(cache_dir)
    names = _split(names)
    bad = [n for n in names if n not in ground_truths.available()]
    if bad:
        _fail(f"unknown truth {', '.join(map(repr, bad))}; valid truths: {', '.join(ground_truths.available())}")
    console = _console()
    for n in names:
        console.print(f"{n}\t{ground_truths.fetch(n, force=force)}")


@truths_app.command("import")
@_user_errors
def truths_import(
    path: Path = typer.Argument(..., help="Edge table file (csv/tsv/parquet...)."),
    name: str = typer.Option(..., "--name", help="Name to register the truth under."),
    source: Optional[str] = typer.Option(None, help="Column of regulators."),
    target: Optional[str] = typer.Option(None, help="Column of targets."),
    weight: Optional[str] = typer.Option(None, help="Column of edge weights."),
    cache_dir: Optional[Path] = typer.Option(None, help="ground_truths cache directory."),
) -> None:
    """Register a user edge table as a named truth, usable afterwards as --truth NAME."""
    import ground_truths

    _maybe_cache(cache_dir)
    if not path.is_file():
        _fail(f"file {str(path)!r} not found")
    columns = {k: v for k, v in (("source", source), ("target", target), ("weight", weight)) if v}
    df = ground_truths.import_file(path, name, **columns)
    _console().print(f"imported {name!r}: {len(df)} edges from {path} (use --truth {name})")


# --------------------------------------------------------------------------------------------- compare
def _labels(paths: list[Path]) -> list[str]:
    labels = []
    for p in paths:
        p = Path(p)
        label = p.name if p.is_dir() else (p.parent.name if p.name == "results.json" else p.stem)
        labels.append(label or str(p))
    if len(set(labels)) < len(labels):
        labels = [str(p) for p in paths]
    return labels


@app.command()
@_user_errors
def compare(
    results: List[Path] = typer.Argument(..., help="results.json files or --out directories."),
    metric: str = typer.Option("auprc", help="Metric to tabulate and plot."),
    out: Path = typer.Option(Path("compare.png"), "--out", "-o", help="PNG of the grouped bar plot."),
) -> None:
    """Compare several results files: a table and a grouped bar plot of one metric."""
    from bengrn import report

    by_source = {}
    for label, path in zip(_labels(results), results):
        runs = report.read_results(path)
        if not any(metric in r["metrics"] for r in runs):
            available = sorted({k for r in runs for k in r["metrics"]})
            _fail(f"metric {metric!r} is not in {path}; metrics: {', '.join(available)}")
        by_source[label] = runs
    console = _console()
    console.print(report.compare_table(by_source, metric))
    report.plot_compare(by_source, metric, out)
    console.print(f"Wrote {out}")


# --------------------------------------------------------------------------------------------- check
@app.command()
@_user_errors
def check(
    results: Path = typer.Argument(..., help="results.json (or the --out directory of bengrn run)."),
    baseline: Path = typer.Option(..., "--baseline", "-b", help="Baseline JSON file (e.g. .ci/baseline.json)."),
    tolerance: Optional[List[str]] = typer.Option(
        None, "--tolerance", help="METRIC=abs:X,rel:Y (repeatable; '*=' sets the default)."),
    update: bool = typer.Option(False, "--update", help="Write the results as the new baseline."),
    show_all: bool = typer.Option(False, "--all", help="Show every compared metric, not only problems."),
) -> None:
    """Exit 1 if any metric of RESULTS is worse than the baseline by more than its tolerance (see docs/cli.md)."""
    from bengrn import check as chk
    from bengrn import report

    runs = report.read_results(results)
    tolerances = chk.parse_tolerances(tolerance or [])
    console = _console()
    if update:
        if baseline.exists():
            result = chk.compare(runs, chk.read_baseline(baseline), tolerances)
            console.print(chk.diff_table(result, show_all=show_all))
        chk.write_baseline(runs, baseline, source=str(results))
        console.print(f"Wrote baseline {baseline} ({len(runs)} runs)")
        return
    result = chk.compare(runs, chk.read_baseline(baseline), tolerances)
    n_metrics = sum(1 for r in result.rows if r.metric != "*")
    if result.failed or show_all or any(r.status == "improved" for r in result.rows):
        console.print(chk.diff_table(result, show_all=show_all))
    extra = f"; {result.n_new_runs} run(s) not in the baseline (ignored)" if result.n_new_runs else ""
    if result.failed:
        err = _console(stderr=True)
        err.print(f"[bold red]FAILED[/bold red]: {len(result.failures)} problem(s) in {result.n_runs} baseline "
                  f"run(s){extra}")
        raise typer.Exit(EXIT_REGRESSION)
    console.print(f"[green]OK[/green]: {result.n_runs} run(s), {n_metrics} metrics within tolerance{extra}")


def main() -> None:
    """Console-script entry point (``bengrn``)."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
