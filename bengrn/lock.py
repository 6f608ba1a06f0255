"""Exclusive use of an output folder: one run at a time, writable before any work, no stale temporary files.

:func:`exclusive_out` holds an ``fcntl`` lock on ``<out>/.bengrn.lock`` for the duration of one benchmark; a second
run on the same folder fails at once with a :class:`~bengrn.errors.BenchmarkError` naming the holder's pid. The
kernel drops the lock when its process dies (even by ``kill -9``), so a lock is never stale. Before the lock is
taken the folder is checked: a file, a read-only folder or an uncreatable path is refused before any data is
loaded. Once it is held, temporary files of our own naming left by a killed run (``.<name>.<random>.tmp``, see
:func:`grnndata._files.atomic_path`) are removed: no live writer can own them any more.
"""
from __future__ import annotations

import contextlib
import errno
import functools
import logging
import os
import re
import socket
import tempfile
from pathlib import Path
from typing import Callable, Iterator, TypeVar

from bengrn.errors import BenchmarkError
from bengrn.store import now

try:
    import fcntl
except ImportError:  # Windows has no flock: runs there are not protected from each other (warned once per run)
    fcntl = None

logger = logging.getLogger(__name__)

__all__ = ["LOCK_NAME", "OUT_FOLDERS", "TEMP_NAME", "check_writable", "out_lock", "remove_stale_temp_files",
           "exclusive_out"]

LOCK_NAME = ".bengrn.lock"
#: Folders of ``out`` the runner writes into (see :mod:`bengrn.store`); checked and cleaned with ``out`` itself.
OUT_FOLDERS = ("runs", "networks", "enrichment", "plots")
# grnndata._files.atomic_path names its temporary files ".<final name>.<8 random characters>.tmp" (mkstemp).
TEMP_NAME = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")

F = TypeVar("F", bound=Callable)


def _not_writable(what: str, folder: Path, exc: OSError) -> BenchmarkError:
    return BenchmarkError(
        f"{what} {folder} is not writable ({exc.strerror or exc}); choose another location or fix its permissions"
    )


def _missing_folders(out: Path) -> list[Path]:
    """``out`` and its ancestors that do not exist yet, outermost first."""
    missing = []
    for folder in (out, *out.parents):
        if folder.exists():
            break
        missing.append(folder)
    return missing[::-1]


def check_writable(out: str | os.PathLike, *, what: str = "--out",
                   subfolders: tuple[str, ...] = OUT_FOLDERS) -> list[Path]:
    """Create folder ``out`` if needed and prove that it and its existing ``subfolders`` take a new file.

    Raises :class:`BenchmarkError` (naming the option ``what``) for a path that is a file or a folder that cannot be
    created or written (read-only, no permission, read-only file system); nothing is left behind. Returns the folders
    it created, outermost first.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise BenchmarkError(f"{what} {out} is a file, not a folder; give a folder path (it is created if needed)")
    created = _missing_folders(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _not_writable(what, out, exc) from exc
    try:
        for folder in (out, *(out / f for f in subfolders)):
            if folder.exists() and not folder.is_dir():
                raise BenchmarkError(f"{what} {out}: {folder.name} is a file, but the run writes a folder there; "
                                     "move it away or choose another location")
            if not folder.is_dir():
                continue
            try:
                fd, probe = tempfile.mkstemp(prefix=".bengrn-probe.", suffix=".tmp", dir=folder)
            except OSError as exc:
                raise _not_writable(what, folder, exc) from exc
            os.close(fd)
            os.unlink(probe)
    except BenchmarkError:
        _remove_empty(created)
        raise
    return created


def _remove_empty(folders: list[Path]) -> None:
    for folder in reversed(folders):
        with contextlib.suppress(OSError):
            folder.rmdir()  # only succeeds when empty


def _holder(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        text = ""
    return text or "pid unknown"


@contextlib.contextmanager
def out_lock(out: str | os.PathLike) -> Iterator[Path]:
    """Hold the exclusive lock of ``out`` (created and checked first) until the block ends.

    Raises :class:`BenchmarkError` naming the holder (pid, host, start time) when another process holds it.
    """
    out = Path(out)
    created = check_writable(out)
    try:
        fd = _lock(out / LOCK_NAME, out)
    except BaseException:
        _remove_empty(created)
        raise
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} on {socket.gethostname()}, started {now()}\n".encode())
        yield out
    finally:
        with contextlib.suppress(OSError):
            os.unlink(out / LOCK_NAME)  # before the lock is released, so that nobody locks a file being removed
        os.close(fd)
        _remove_empty(created)  # a run that failed before writing anything leaves no empty folder


def _lock(path: Path, out: Path) -> int:
    """File descriptor of ``path`` holding its exclusive lock, or a :class:`BenchmarkError` naming the holder."""
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise _not_writable("--out", out, exc) from exc
        if fcntl is None:
            logger.warning("no file locking on this platform: nothing stops another run from using %s", out)
            return fd
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise
            raise BenchmarkError(
                f"--out {out} is in use by another bengrn run ({_holder(path)}); wait for it to finish or choose "
                "another --out"
            ) from None
        # The previous holder unlinks the file when it is done: a lock on an unlinked file locks nothing.
        try:
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)


def remove_stale_temp_files(out: str | os.PathLike) -> list[Path]:
    """Remove the temporary files of our naming in ``out`` and its output folders (call while holding the lock)."""
    out = Path(out)
    removed = []
    for folder in (out, *(out / f for f in OUT_FOLDERS)):
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            if TEMP_NAME.match(path.name) and path.is_file():
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    removed.append(path)
    if removed:
        logger.warning("removed %d temporary file(s) left in %s by an interrupted run", len(removed), out)
    return removed


def exclusive_out(func: F) -> F:
    """Decorate ``func(config, ...)`` to run holding :func:`out_lock` on ``config.out``, stale temp files removed."""

    @functools.wraps(func)
    def wrapper(config, *args, **kwargs):
        with out_lock(config.out) as out:
            remove_stale_temp_files(out)
            return func(config, *args, **kwargs)

    return wrapper  # type: ignore[return-value]
