"""The ``bengrn`` application: the typer app, ``main()``, user errors, logging and consoles.

Errors the user can fix (:class:`bengrn.errors.BenchmarkError`, including unknown names, and
:class:`bengrn.errors.MissingDependencyError`) are printed in red on stderr without a traceback (``--debug`` or
``BENGRN_DEBUG=1`` shows it) and exit with code 2; ``check`` exits 1 on a regression. Anything else is a bug and
keeps its traceback.
"""
from __future__ import annotations

import contextlib
import functools
import logging
import os
import sys
from pathlib import Path
from typing import Callable, Iterator, List, NoReturn, Optional

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape

import ground_truths
from bengrn.errors import EXIT_USAGE, BenchmarkError, MissingDependencyError

__all__ = ["app", "main", "console", "fail", "user_errors", "log_to_stderr", "split_list", "use_cache_dir"]

app = typer.Typer(
    name="bengrn",
    help="Benchmark gene regulatory networks inferred from single-cell data against reference networks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Loggers of the suite's packages, shown on stderr while a command runs.
_LOGGERS = ("bengrn", "ground_truths", "grnndata", "scprint_model")


def console(stderr: bool = False) -> Console:
    """A rich console on stdout (or stderr): the terminal's width, or 200 columns into a file or pipe (CI logs)."""
    stream = sys.stderr if stderr else sys.stdout
    return Console(file=stream, width=None if stream.isatty() else 200, highlight=False)


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """Print ``message`` as a red error line on stderr and exit with ``code``."""
    console(stderr=True).print(f"[bold red]Error:[/bold red] [red]{escape(message)}[/red]")
    raise typer.Exit(code)


def user_errors(func: Callable) -> Callable:
    """Turn the errors a user can fix into a red one-line message and exit code 2 (traceback with --debug)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (BenchmarkError, MissingDependencyError) as exc:
            if kwargs.get("debug") or os.environ.get("BENGRN_DEBUG"):
                raise
            fail(str(exc) or type(exc).__name__)

    return wrapper


@contextlib.contextmanager
def log_to_stderr(verbose: bool) -> Iterator[None]:
    """Log the suite's packages to stderr through rich for the duration of one command, then restore everything.

    The handler is removed afterwards so that in-process callers (tests, notebooks) are left untouched.
    """
    handler = RichHandler(console=console(stderr=True), show_path=False, show_time=False)
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


def split_list(values: Optional[List[str]]) -> list[str]:
    """``["a,b", "c"]`` -> ``["a", "b", "c"]``: options accept comma lists and repetition."""
    return [x.strip() for v in values or [] for x in v.split(",") if x.strip()]


def use_cache_dir(cache_dir: Optional[Path]) -> None:
    """``--cache-dir``: where ``ground_truths`` caches truths."""
    if cache_dir is not None:
        ground_truths.set_cache_dir(cache_dir)


def main() -> None:
    """Console-script entry point (``bengrn``)."""
    app()
