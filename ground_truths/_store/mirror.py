"""Where upstream files come from: local mirror, shipped package data, or a verified download.

A :class:`Resource` names one upstream file: its real upstream location (``url``), its path inside a local mirror
laid out like ``../shared/data`` (``local_path``), an optional shipped copy (``package_file``) and a pinned checksum.
:func:`resolve` looks, in order, at

1. ``$GROUND_TRUTHS_LOCAL/<local_path>`` (offline mirror; CI points it to ``../shared/data``),
2. the shipped copy in ``ground_truths/data`` (only the default truth, the default dataset, THP1 and the TF lists),
3. ``<cache>/downloads/`` (a previous download; it must still match its pinned checksum, or for unpinned upstreams
   the checksum recorded when it arrived; otherwise it is deleted and downloaded again),
4. a fresh download of ``url`` (checksum-verified when a checksum is pinned; a mismatch is an error and nothing is
   kept; ``force=True`` always downloads again).

A downloaded file that does not match its pinned checksum is never served. A local mirror or shipped file whose
checksum differs from the pin is used with a warning (a user may mirror a newer release); its actual checksum is what
keys the cache, so tables never go stale.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from . import cache
from .download import Progress, download
from .files import ChecksumError, atomic_write_bytes, bytes_hash, file_hash, parse_checksum
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
    """Actual checksum of a mirrored or shipped file in the pinned algorithm (md5 by default), warning on mismatch."""
    algo, expected = parse_checksum(res.checksum) if res.checksum else ("md5", None)
    actual = file_hash(path, algo)
    if expected is not None and actual != expected:
        logger.warning("%s: %s %s differs from pinned %s; using it anyway (a local mirror may hold another "
                       "release; its own checksum keys the cache)", path, algo, actual, expected)
    return f"{algo}:{actual}"


def _local(res: Resource) -> Path | None:
    """The mirrored or shipped copy of ``res``, if any."""
    root = local_root()
    if root is not None and res.local_path and (root / res.local_path).is_file():
        return root / res.local_path
    if res.package_file:
        return package_file(res.package_file)
    return None


def locate(res: Resource) -> Path | None:
    """Path of the resource without hashing it, or None when it must still be downloaded."""
    local = _local(res)
    if local is not None:
        return local
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


def recorded_checksum_path(dest: Path) -> Path:
    """Side file holding the checksum a download had when it arrived (trust on first use for unpinned files)."""
    return dest.with_name(dest.name + ".checksum")


def forget_download(res: Resource) -> None:
    """Delete the cached download of ``res`` and its recorded checksum."""
    dest = download_path(res)
    dest.unlink(missing_ok=True)
    recorded_checksum_path(dest).unlink(missing_ok=True)


def _expected(res: Resource, dest: Path) -> str | None:
    """The checksum a cached download must have: the pin, else the one recorded when it arrived."""
    if res.checksum:
        return "{}:{}".format(*parse_checksum(res.checksum))
    recorded = recorded_checksum_path(dest)
    if not recorded.is_file():
        return None
    return recorded.read_text().strip() or None


def _cached_download(res: Resource) -> tuple[Path, str] | None:
    """The cached download when it still has its expected checksum; a mismatching one is deleted (never served)."""
    dest = download_path(res)
    if not dest.is_file():
        return None
    expected = _expected(res, dest)
    algo = parse_checksum(expected)[0] if expected else "md5"
    actual = f"{algo}:{file_hash(dest, algo)}"
    if expected is None:  # complete (downloads are atomic) but its checksum was never recorded: record it now
        atomic_write_bytes(recorded_checksum_path(dest), actual.encode())
        return dest, actual
    if actual == expected:
        return dest, actual
    logger.warning("cached download %s has %s, expected %s (%s): deleting it and downloading it again", dest, actual,
                   expected, "pinned" if res.checksum else "recorded at first download")
    forget_download(res)
    return None


def resolve(
    res: Resource, *, allow_download: bool = True, force: bool = False, progress: Progress | None = None
) -> tuple[Path, str]:
    """Return (path, checksum) of the resource, downloading it when needed and allowed.

    ``force=True`` deletes a cached download first (a mirrored or shipped copy is used as it is). A cached download
    that no longer matches its pinned (or first-recorded) checksum is deleted and downloaded again; a fresh
    download that does not match the pin raises :class:`ChecksumError` and leaves nothing behind.
    """
    local = _local(res)
    if local is not None:
        return local, _check(local, res)
    if res.url and force:
        forget_download(res)
    hit = _cached_download(res) if res.url else None
    if hit is not None:
        return hit
    if not allow_download or not res.url:
        raise MissingDataError(_missing_message(res))
    dest = download_path(res)
    try:
        download(res.url, dest, checksum=res.checksum, progress=progress)
    except ChecksumError as err:
        raise ChecksumError(
            f"data file {res.key!r}: the file downloaded from {res.url} does not match its pinned checksum, so it was "
            f"deleted ({err}). The upstream file changed or the transfer was corrupted: try again later, or set "
            f"GROUND_TRUTHS_LOCAL to a mirror holding the pinned file ({res.local_path or res.key})."
        ) from err
    except OSError as err:
        raise MissingDataError(f"{_missing_message(res)} Download failed: {err}") from err
    algo = parse_checksum(res.checksum)[0] if res.checksum else "md5"
    checksum = f"{algo}:{file_hash(dest, algo)}"
    if not res.checksum:
        atomic_write_bytes(recorded_checksum_path(dest), checksum.encode())
    return dest, checksum


def _missing_message(res: Resource) -> str:
    where = f"upstream {res.url}" if res.url else "no direct upstream URL"
    mirror = f"$GROUND_TRUTHS_LOCAL/{res.local_path}" if res.local_path else "(not part of the local mirror)"
    return (
        f"data file {res.key!r} is not available ({where}). Set GROUND_TRUTHS_LOCAL to a mirror laid out like "
        f"../shared/data so that {mirror} exists, or run with network access. {res.note}"
    ).strip()
