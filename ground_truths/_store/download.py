"""Checksum-verified downloads: urllib, retries with exponential backoff, resume, progress to a callback, atomic.

Nothing half-written is ever visible under the final name: the body goes to a temporary ``.part`` file in the same
directory, is verified (sha256 or md5), then atomically renamed; on any failure the temporary file is removed. A
verification failure raises :class:`ChecksumError` (a ``ValueError``) without retrying (the upstream changed:
retrying will not help); network errors are retried ``retries`` times, and a retry after a partial transfer asks the
server for the remaining bytes only (HTTP ``Range``; a server that ignores it sends the whole file again).

Why our own code and not pooch: pooch (hash-checked, retried, atomic) is the model, but it cannot resume an
interrupted transfer (the K562 single cells are several GB), reports progress only to a tqdm-like bar object, waits
a fixed time between retries, and has no ``file://`` downloader for local mirrors. Everything here is stdlib.
"""
from __future__ import annotations

import http.client
import logging
import os
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable

from .files import CHUNK, ChecksumError, atomic_path, parse_checksum, verify

__all__ = ["ChecksumError", "DownloadError", "Progress", "download", "parse_checksum", "verify"]

logger = logging.getLogger(__name__)

#: ``progress(event, info)``: event ``"download"``, info with ``url``, ``done`` and ``total`` bytes (0 = unknown).
Progress = Callable[[str, dict], None]

# Indirection so tests can count attempts or simulate failures without network access.
_urlopen: Callable = urllib.request.urlopen
_sleep: Callable[[float], None] = time.sleep


class DownloadError(OSError):
    """All download attempts failed."""


def _content_length(response) -> int:
    headers = getattr(response, "headers", None) or {}
    length = str(headers.get("Content-Length") or "")
    return int(length) if length.isdigit() else 0


def _transfer(url: str, tmp: Path, done: int, timeout: float, progress: Progress | None) -> int:
    """One attempt: append to ``tmp`` when the server honours the Range request for bytes ``done:``, else restart."""
    request = urllib.request.Request(url, headers={"Range": f"bytes={done}-"}) if done else url
    with _urlopen(request, timeout=timeout) as response:
        resumed = done > 0 and getattr(response, "status", None) == 206
        if not resumed:
            done = 0
        total = _content_length(response) + done
        next_log = 0.0
        with open(tmp, "ab" if resumed else "wb") as out:
            for block in iter(lambda: response.read(CHUNK), b""):
                out.write(block)
                done += len(block)
                if progress is not None:
                    progress("download", {"url": url, "done": done, "total": total})
                if total > 0 and done / total >= next_log:
                    logger.info("downloading %s: %.0f%% of %d bytes", url, 100 * done / total, total)
                    next_log += 0.1
    if total and done < total:  # http.client returns b"" when the server closes early: a short body is an error
        raise ConnectionError(f"transfer ended after {done} of {total} bytes")
    return done


def download(
    url: str,
    dest: str | os.PathLike,
    *,
    checksum: str | None = None,
    retries: int = 3,
    backoff: float = 2.0,
    timeout: float = 60.0,
    progress: Progress | None = None,
) -> Path:
    """Download ``url`` to ``dest`` atomically, verifying ``checksum`` when given.

    Parameters
    ----------
    url
        http(s):// or file:// URL.
    dest
        Final path; its directory is created.
    checksum
        ``"md5:<hex>"`` or ``"sha256:<hex>"``; ``None`` skips verification (unpinned upstreams: the caller records
        the checksum of what arrived).
    retries
        Extra attempts after the first on network errors; waits ``backoff * 2**attempt`` seconds between them.
    timeout
        Socket timeout in seconds for each attempt.
    progress
        Called as ``progress("download", {"url", "done", "total"})`` after every block (no bar is drawn here).
    """
    dest = Path(dest)
    last_error: Exception | None = None
    tried = 0
    with atomic_path(dest, suffix=".part") as tmp:
        done, ok = 0, False
        for attempt in range(retries + 1):
            try:
                done, ok = _transfer(url, tmp, done, timeout, progress), True
                break
            except (urllib.error.URLError, OSError, TimeoutError, http.client.HTTPException) as err:
                # HTTPException: IncompleteRead when the server closes the connection mid-body
                last_error, tried = err, attempt + 1
                done = tmp.stat().st_size if tmp.exists() else 0
                if isinstance(getattr(err, "reason", None), socket.gaierror):
                    break  # host name does not resolve (offline): retrying only wastes time
                if attempt < retries:
                    wait = backoff * 2**attempt
                    logger.warning("download of %s failed (%s); retry %d/%d in %.1fs", url, err, attempt + 1,
                                   retries, wait)
                    _sleep(wait)
        if not ok:
            raise DownloadError(
                f"could not download {url} after {tried} attempt(s) ({last_error}); no network? "
                "Point GROUND_TRUTHS_LOCAL to a local mirror (laid out like ../shared/data) instead."
            ) from last_error
        if checksum is not None:
            verify(tmp, checksum)
    logger.info("downloaded %s -> %s (%d bytes)", url, dest, done)
    return dest
