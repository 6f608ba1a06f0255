"""The ``bengrn`` application: the typer app, ``main()``, exit codes, logging and consoles.

Exit codes (docs/cli.md): 0 ok; 1 a regression found by ``bengrn check``; 2 bad input or usage - errors the user can
fix (:class:`bengrn.errors.BenchmarkError`, including unknown names and option values,
:class:`bengrn.errors.MissingDependencyError`, a full disk or a folder that cannot be written) are one red line on
stderr without a traceback; 3 an internal error (a bug): the traceback is saved to a log file named in the message
instead of being dumped on the user. ``--debug`` or ``BENGRN_DEBUG=1`` raises instead, with the traceback. SIGINT
(Ctrl-C) and SIGTERM stop the worker processes and exit 130 / 143 once every temporary file is removed.
"""
from __future__ import annotations

import contextlib
import errno
import functools
import logging
import multiprocessing
import os
import signal
import sys
import threading
import traceback
from pathlib import Path
from typing import Callable, Iterator, List, NoReturn, Optional

import platformdirs
import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape

import bengrn
import ground_truths
from bengrn.errors import EXIT_INTERNAL, EXIT_USAGE, BenchmarkError, MissingDependencyError
from bengrn.lock import TEMP_NAME
from bengrn.store import now, versions
from grnndata._files import atomic_write_text

__all__ = ["app", "main", "console", "fail", "user_errors", "log_to_stderr", "split_list", "use_cache_dir",
           "Interrupted", "stop_workers", "save_traceback", "EXIT_SIGNAL"]

app = typer.Typer(
    name="bengrn",
    help="Benchmark gene regulatory networks inferred from single-cell data against reference networks.",
    epilog="Documentation: the grnsuite site, built from docs/ and the docstrings with `mkdocs build` (extra "
    "grnsuite\\[docs]; `mkdocs serve` to browse it); every page is also a Markdown file in docs/ (cli.md: every option "
    "and exit code).",
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


#: Exit code of a command stopped by a signal: 128 + the signal number (the shell's convention).
EXIT_SIGNAL = {signal.SIGINT: 130, signal.SIGTERM: 143}
# OS errors the user fixes (a full disk, a read-only or forbidden path) rather than bugs.
_USER_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}


class Interrupted(KeyboardInterrupt):
    """SIGTERM, raised in the main thread like Ctrl-C's KeyboardInterrupt, so that every ``finally`` runs."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextlib.contextmanager
def _terminate_cleanly() -> Iterator[None]:
    """Turn the first SIGTERM into :class:`Interrupted` for the duration of a command (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        signal.signal(signum, signal.SIG_IGN)  # a second signal must not interrupt the clean-up
        raise Interrupted(signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def stop_workers() -> None:
    """Stop the worker processes this process started: joblib's loky pool (GENIE3...), multiprocessing children.

    (A Dask cluster's workers are not ours: the methods close their client when the interrupt unwinds them.)
    """
    loky = sys.modules.get("joblib.externals.loky.reusable_executor")
    executor = getattr(loky, "_executor", None)
    if executor is not None:
        executor.shutdown(wait=True, kill_workers=True)
    for child in multiprocessing.active_children():
        child.terminate()
        child.join(5)


def save_traceback(exc: BaseException) -> Path | None:
    """Write the traceback of ``exc`` with the command and versions to a log file; its path (``None`` if unwritable).

    Folder: ``$BENGRN_LOG_DIR``, else the platform's log folder (``~/.local/state/bengrn/log`` on Linux).
    """
    folder = Path(os.environ.get("BENGRN_LOG_DIR") or platformdirs.user_log_dir("bengrn"))
    stamp = now().replace(":", "").replace("+0000", "Z")  # 2026-01-31T120000Z: a file name on every system
    text = (f"command: {' '.join(sys.argv)}\ntime: {now()}\nversions: {versions()}\n\n"
            + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    try:
        return atomic_write_text(folder / f"bengrn-error-{stamp}-{os.getpid()}.log", text)
    except OSError:
        return None


def _os_error_message(exc: OSError) -> str | None:
    """A one-line message for an OS error the user can fix, ``None`` for anything else."""
    if exc.errno not in _USER_ERRNOS:
        return None
    where = f" {exc.filename}" if exc.filename else ""
    if exc.filename and TEMP_NAME.match(Path(exc.filename).name):  # name the folder, not our temporary file
        where = f" in {Path(exc.filename).parent}"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return (f"cannot write{where}: {exc.strerror or 'no space left on device'}; free some space or choose "
                "another location, then rerun (finished runs are kept and resume)")
    return f"cannot write or read{where}: {exc.strerror}; choose a location you can write to or fix its permissions"


def _internal_error(exc: Exception) -> NoReturn:
    log = save_traceback(exc)
    if log is None:
        traceback.print_exception(type(exc), exc, exc.__traceback__)
        where = "printed above (no log folder was writable)"
    else:
        where = f"saved in {log}"
    fail(f"internal error ({type(exc).__name__}: {exc}). This is a bug in bengrn: the traceback is {where}; "
         "please report it with that file (--debug or BENGRN_DEBUG=1 shows it here)", EXIT_INTERNAL)


def user_errors(func: Callable) -> Callable:
    """Run a command with the exit codes of :mod:`bengrn.cli.app`: user errors 2, bugs 3 (logged), signals 130/143."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        debug = bool(kwargs.get("debug") or os.environ.get("BENGRN_DEBUG"))
        try:
            with _terminate_cleanly():
                return func(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise  # exits carry their own code
        except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM through _terminate_cleanly
            stop_workers()
            if debug:
                raise
            signum = getattr(exc, "signum", signal.SIGINT)
            fail(f"interrupted by {signal.Signals(signum).name}: worker processes stopped, temporary files removed; "
                 "rerun the same command to resume from what was finished", EXIT_SIGNAL[signum])
        except (BenchmarkError, MissingDependencyError) as exc:
            if debug:
                raise
            fail(str(exc) or type(exc).__name__)
        except Exception as exc:
            if debug:
                raise
            message = _os_error_message(exc) if isinstance(exc, OSError) else None
            if message is None:
                _internal_error(exc)
            fail(message)

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


def _version(value: bool) -> None:
    if value:
        typer.echo(f"bengrn {bengrn.__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """Benchmark gene regulatory networks inferred from single-cell data against reference networks."""


def main() -> None:
    """Console-script entry point (``bengrn``)."""
    app()
