"""Where upstream files come from: local mirror, shipped package data, or a verified download.

A :class:`Resource` names one upstream file: its real upstream location (``url``), its path inside a local mirror
laid out like ``../shared/data`` (``local_path``), an optional shipped copy (``package_file``) and a pinned checksum.
:func:`resolve` looks, in order, at

1. ``$GROUND_TRUTHS_LOCAL/<local_path>`` (offline mirror; CI points it to ``../shared/data``),
2. the shipped copy in ``ground_truths/data`` (only the default truth, the default dataset, THP1 and the TF lists),
3. ``<cache>/downloads/`` (a previous verified download; unpinned files are kept until ``fetch(name, force=True)``),
4. a fresh download of ``url`` (checksum-verified when a checksum is pinned).

A local or shipped file whose checksum differs from the pin is used anyway with a warning (a user may mirror a
newer release); its actual checksum is what keys the cache, so tables never go stale.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from . import cache
from .download import download
from .files import bytes_hash, file_hash, parse_checksum
from .package_data import package_file

logger = logging.getLogger(__name__)


class MissingDataError(FileNotFoundError):
    """An upstream file is neither mirrored, shipped, cached nor downloadable."""


@dataclass(frozen=True)
class Resource:
    """One upstream file.

    Attributes
    ----------
    key
        Short identifier used in cache file names.
    url
        Real upstream location (None when the only public copy is inside another package or a git history).
    checksum
        Pinned ``md5:`` / ``sha256:`` of the upstream bytes (None when upstream is not versioned).
    local_path
        Path relative to a mirror laid out like ``../shared/data``.
    package_file
        File name inside ``ground_truths/data`` when shipped.
    """

    key: str
    url: str | None
    checksum: str | None
    local_path: str | None = None
    package_file: str | None = None
    note: str = ""


def local_root() -> Path | None:
    value = os.environ.get("GROUND_TRUTHS_LOCAL")
    return Path(value).expanduser() if value else None


def _check(path: Path, res: Resource) -> str:
    """Actual checksum of ``path`` in the pinned algorithm (md5 by default), warning on mismatch."""
    algo, expected = parse_checksum(res.checksum) if res.checksum else ("md5", None)
    actual = file_hash(path, algo)
    if expected is not None and actual != expected:
        logger.warning("%s: %s %s differs from pinned %s; using it anyway", path, algo, actual, expected)
    return f"{algo}:{actual}"


def locate(res: Resource) -> Path | None:
    """Path of the resource without hashing it, or None when it must still be downloaded."""
    root = local_root()
    if root is not None and res.local_path and (root / res.local_path).is_file():
        return root / res.local_path
    if res.package_file:
        shipped = package_file(res.package_file)
        if shipped is not None:
            return shipped
    if res.url:
        cached = download_path(res)
        if cached.is_file():
            return cached
    return None


def download_path(res: Resource) -> Path:
    """Where a download of ``res`` is kept: named by the pinned checksum, or by the URL when unpinned."""
    tag = parse_checksum(res.checksum)[1][:16] if res.checksum else "url-" + bytes_hash(res.url.encode())[:12]
    base = Path(res.local_path).name if res.local_path else res.key
    return cache.cache_dir() / "downloads" / f"{tag}-{base}"


def resolve(res: Resource, *, allow_download: bool = True) -> tuple[Path, str]:
    """Return (path, checksum) of the resource, downloading it when needed and allowed."""
    path = locate(res)
    if path is not None:
        return path, _check(path, res)
    if not allow_download or not res.url:
        raise MissingDataError(_missing_message(res))
    dest = download_path(res)
    try:
        download(res.url, dest, checksum=res.checksum)
    except OSError as err:
        raise MissingDataError(f"{_missing_message(res)} Download failed: {err}") from err
    return dest, _check(dest, res)


def _missing_message(res: Resource) -> str:
    where = f"upstream {res.url}" if res.url else "no direct upstream URL"
    mirror = f"$GROUND_TRUTHS_LOCAL/{res.local_path}" if res.local_path else "(not part of the local mirror)"
    return (
        f"data file {res.key!r} is not available ({where}). Set GROUND_TRUTHS_LOCAL to a mirror laid out like "
        f"../shared/data so that {mirror} exists, or run with network access. {res.note}"
    ).strip()
