"""Refuse to run from a package folder that another installed distribution also owns.

``pip install grnndata==1.3.2`` (or ``bengrn==1.3.2``) writes into the same ``grnndata/`` / ``bengrn/`` folder as this
suite: pip silently merges the two, the last install wins file by file, and uninstalling one deletes the other's
files (our ``__init__.py`` included). At import, every ``sys.path`` folder holding the package is checked for a
``*.dist-info`` / ``*.egg-info`` of a distribution other than ``grnsuite`` that declares it (``top_level.txt``, or
its file list when it has none); one found raises :class:`PackageClashError` with the fix. Only folders that
contain the package are read, so the check costs a directory listing in the usual case.
"""
from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Sequence

SUITE = "grnsuite"
FIX = ("pip uninstall grnndata bengrn, then reinstall this suite "
       "(pip install --force-reinstall grnsuite, or pip install -e . in a checkout)")


class PackageClashError(ImportError):
    """Another installed distribution owns the same top-level package folder as this suite."""


def _project(entry: str) -> tuple[str, str]:
    """(normalised project name, version) from a ``name-version.dist-info`` / ``.egg-info`` folder name."""
    stem = entry.rsplit(".", 1)[0]
    name, _, rest = stem.partition("-")
    return re.sub(r"[-_.]+", "-", name).lower(), rest.split("-")[0]


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None


def _declares(meta_dir: str, package: str) -> bool:
    top = _read(os.path.join(meta_dir, "top_level.txt"))
    if top is not None:
        return package in top.split()
    for listing in ("RECORD", "installed-files.txt", "SOURCES.txt"):
        files = _read(os.path.join(meta_dir, listing))
        if files is not None:
            return re.search(rf"(^|[\s,/]){re.escape(package)}/", files, flags=re.MULTILINE) is not None
    return False


def owners(package: str, paths: Iterable[str] | None = None) -> list[str]:
    """Distributions other than grnsuite that declare ``package`` in a folder of ``paths`` (default ``sys.path``)
    holding that package, as ``"name version (metadata folder)"``."""
    found = []
    for folder in dict.fromkeys(os.path.abspath(p or os.curdir) for p in (sys.path if paths is None else paths)):
        if not os.path.isdir(os.path.join(folder, package)):
            continue
        with os.scandir(folder) as entries:
            metas = [e.name for e in entries if e.name.endswith((".dist-info", ".egg-info")) and e.is_dir()]
        for meta in sorted(metas):
            name, version = _project(meta)
            if name != SUITE and _declares(os.path.join(folder, meta), package):
                found.append(f"{name} {version} ({os.path.join(folder, meta)})")
    return found


def clash_message(package: str, others: Sequence[str]) -> str:
    return (f"the package folder '{package}' is shared with another installed distribution: {', '.join(others)}. "
            f"pip merges packages that share a folder name, so this is neither the suite's '{package}' nor the "
            f"other one, and uninstalling either deletes files of both. Fix: {FIX}.")


def check_sole_owner(packages: Sequence[str], paths: Iterable[str] | None = None) -> None:
    """Raise :class:`PackageClashError` when another distribution owns one of ``packages`` (see module doc)."""
    for package in packages:
        others = owners(package, paths)
        if others:
            raise PackageClashError(clash_message(package, others))


check_sole_owner(("grnndata", "bengrn"))
