"""``bengrn truths list|info|fetch|import``: the reference networks of ``ground_truths``."""
from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer
from rich.table import Table

import ground_truths
from bengrn.cli.app import app, console, split_list, use_cache_dir, user_errors
from bengrn.errors import BenchmarkError, UnknownNameError
from bengrn.truths import ground_truths_errors
from grnndata._json import to_jsonable

__all__ = ["truths_app"]

truths_app = typer.Typer(help="List, describe, download and import ground-truth networks.", no_args_is_help=True)
app.add_typer(truths_app, name="truths")

_CACHE_DIR = typer.Option(None, "--cache-dir", help="ground_truths cache directory.")


def _check_truths(names: list[str]) -> None:
    bad = [n for n in names if n not in ground_truths.available()]
    if bad:
        raise UnknownNameError("truth", bad, ground_truths.available())


@truths_app.command("list")
@user_errors
def truths_list(cache_dir: Optional[Path] = _CACHE_DIR) -> None:
    """List the ground truths (and the datasets) available."""
    use_cache_dir(cache_dir)
    table = Table(title="ground truths")
    for col in ("name", "organism", "cached", "description"):
        table.add_column(col)
    for name in ground_truths.available():
        try:
            info = ground_truths.info(name)
        except (OSError, ValueError, KeyError) as exc:  # one broken entry must not hide the list
            info = {"description": f"(info failed: {exc})"}
        table.add_row(name, str(info.get("organism") or ""), "yes" if info.get("cached") else "no",
                      str(info.get("description") or "").split("\n")[0])
    stdout = console()
    stdout.print(table)
    stdout.print("datasets: " + ", ".join(ground_truths.available_datasets()))


@truths_app.command("info")
@user_errors
def truths_info(name: str = typer.Argument(..., help="Ground-truth name."), cache_dir: Optional[Path] = _CACHE_DIR,
                ) -> None:
    """Show a ground truth's description, source, version, checksum and cache state (JSON)."""
    use_cache_dir(cache_dir)
    _check_truths([name])
    console().print_json(json.dumps(to_jsonable(ground_truths.info(name))))


@truths_app.command("fetch")
@user_errors
def truths_fetch(
    names: List[str] = typer.Argument(..., help="Ground-truth name(s)."),
    force: bool = typer.Option(False, "--force", help="Download again even if cached."),
    cache_dir: Optional[Path] = _CACHE_DIR,
) -> None:
    """Download (or copy from GROUND_TRUTHS_LOCAL) ground truths into the cache and print their paths."""
    use_cache_dir(cache_dir)
    names = split_list(names)
    _check_truths(names)
    stdout = console()
    for n in names:
        with ground_truths_errors(f"could not fetch truth {n!r}"):
            path = ground_truths.fetch(n, force=force)
        stdout.print(f"{n}\t{path}")


@truths_app.command("import")
@user_errors
def truths_import(
    path: Path = typer.Argument(..., help="Edge table file (csv/tsv/parquet...)."),
    name: str = typer.Option(..., "--name", help="Name to register the truth under."),
    source: Optional[str] = typer.Option(None, help="Column of regulators."),
    target: Optional[str] = typer.Option(None, help="Column of targets."),
    weight: Optional[str] = typer.Option(None, help="Column of edge weights."),
    header: Optional[bool] = typer.Option(
        None, "--header/--no-header",
        help="Whether the first row is a header (default: sniffed; a first row of two gene symbols is data)."),
    sep: Optional[str] = typer.Option(None, "--sep", help="Field separator (default: from the extension, else sniffed)."),
    organism: Optional[str] = typer.Option(
        None, "--organism", help="human or mouse (default: detected from the symbol case and printed)."),
    cache_dir: Optional[Path] = _CACHE_DIR,
) -> None:
    """Register a user edge table as a named truth, usable afterwards as --truth NAME (names ignore case)."""
    use_cache_dir(cache_dir)
    if not path.is_file():
        raise BenchmarkError(f"file {str(path)!r} not found")
    columns = {k: v for k, v in (("source", source), ("target", target), ("weight", weight), ("sep", sep),
                                 ("organism", organism)) if v}
    if header is not None:
        columns["header"] = header
    with ground_truths_errors(f"could not import {str(path)!r}"):
        df = ground_truths.import_file(path, name, **columns)
    attrs = df.attrs
    detected = " (detected from the symbol case)" if attrs["organism_detection"]["organism_detected"] else ""
    first_row = "" if attrs["header"] is None else f", first row {'a header' if attrs['header'] else 'data'}"
    console().print(f"imported {attrs['name']!r}: {len(df)} edges from {path}, organism {attrs['organism']}{detected}"
                    f"{first_row} (use --truth {attrs['name']})")
