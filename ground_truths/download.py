"""Checksum-verified downloads: urllib, retries with exponential backoff, timeout, temp file + ``os.replace``.

Nothing half-written is ever visible under the final name: the body goes to ``<dest>.<random>.part`` in the same
directory, is verified (sha256 or md5), then atomically renamed. A verification failure deletes the temp file and
raises :class:`ChecksumError` (a ``ValueError``) without retrying (the upstream changed: retrying will not help);
network errors are retried ``retries`` times.
"""
from __future__ import annotations

import hashlib
import logging
import os
import socket
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable

logger = logging.getLogger(__name__)

CHUNK = 1 << 20

# Indirection so tests can count attempts or simulate failures without network access.
_urlopen: Callable = urllib.request.urlopen
_sleep: Callable[[float], None] = time.sleep


class ChecksumError(ValueError):
    """Downloaded or cached bytes do not match the pinned checksum."""


class DownloadError(OSError):
    """All download attempts failed."""


def file_hash(path: str | os.PathLike, algorithm: str = "sha256") -> str:
    """Hex digest of a file (streamed)."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def parse_checksum(checksum: str) -> tuple[str, str]:
    """``"md5:abc"`` / ``"sha256:abc"`` -> (algorithm, hex). A bare hex string is md5 (32) or sha256 (64)."""
    if ":" in checksum:
        algo, value = checksum.split(":", 1)
    else:
        algo, value = {32: "md5", 64: "sha256"}.get(len(checksum), ""), checksum
    algo = algo.lower()
    if algo not in ("md5", "sha256") or not value:
        raise ValueError(f"checksum must look like 'md5:<hex>' or 'sha256:<hex>', got {checksum!r}")
    return algo, value.lower()


def verify(path: str | os.PathLike, checksum: str) -> None:
    """Raise :class:`ChecksumError` when ``path`` does not match ``checksum``."""
    algo, expected = parse_checksum(checksum)
    actual = file_hash(path, algo)
    if actual != expected:
        raise ChecksumError(f"{path}: {algo} is {actual}, expected {expected} (corrupt or changed upstream file)")


def download(
    url: str,
    dest: str | os.PathLike,
    *,
    checksum: str | None = None,
    retries: int = 3,
    backoff: float = 2.0,
    timeout: float = 60.0,
) -> Path:
    """Download ``url`` to ``dest`` atomically, verifying ``checksum`` when given.

    Parameters
    ----------
    url
        http(s):// or file:// URL.
    dest
        Final path; its directory is created.
    checksum
        ``"md5:<hex>"`` or ``"sha256:<hex>"``; ``None`` skips verification (user-supplied URLs only).
    retries
        Extra attempts after the first on network errors; waits ``backoff * 2**attempt`` seconds between them.
    timeout
        Socket timeout in seconds for each attempt.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    last_error: Exception | None = None
    tried = 0
    for attempt in range(retries + 1):
        fd, tmp_name = tempfile.mkstemp(prefix=dest.name + ".", suffix=".part", dir=dest.parent)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out, _urlopen(url, timeout=timeout) as response:
                headers = getattr(response, "headers", None) or {}
                length = str(headers.get("Content-Length") or "")
                total = int(length) if length.isdigit() else 0
                done, next_log = 0, 0.0
                for block in iter(lambda: response.read(CHUNK), b""):
                    out.write(block)
                    done += len(block)
                    if total > 0 and done / total >= next_log:
                        logger.info("downloading %s: %.0f%% of %d bytes", url, 100 * done / total, total)
                        next_log += 0.1
            if checksum is not None:
                verify(tmp, checksum)
            os.replace(tmp, dest)
            logger.info("downloaded %s -> %s", url, dest)
            return dest
        except ChecksumError:
            tmp.unlink(missing_ok=True)
            raise
        except (urllib.error.URLError, OSError, TimeoutError) as err:
            tmp.unlink(missing_ok=True)
            last_error, tried = err, attempt + 1
            if isinstance(getattr(err, "reason", None), socket.gaierror):
                break  # host name does not resolve (offline): retrying only wastes time
            if attempt < retries:
                wait = backoff * 2**attempt
                logger.warning("download of %s failed (%s); retry %d/%d in %.1fs", url, err, attempt + 1, retries, wait)
                _sleep(wait)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    raise DownloadError(
        f"could not download {url} after {tried} attempt(s) ({last_error}); no network? "
        "Point GROUND_TRUTHS_LOCAL to a local mirror (laid out like ../shared/data) instead."
    ) from last_error
