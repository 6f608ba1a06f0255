"""Published scPRINT checkpoints from the Hugging Face hub: resumable download, checksum, local cache.

``fetch("medium-v1.5")`` returns the path of ``medium-v1.5.ckpt`` in the cache, downloading it from
``https://huggingface.co/jkobject/scPRINT/resolve/main/medium-v1.5.ckpt`` the first time: streamed into a ``.part``
file that a later call resumes with an HTTP ``Range`` request (also after a connection cut mid-file), checked against
the sha256 the hub announces for large files (``X-Linked-Etag``), then renamed into place, and its sha256 is recorded
in a manifest next to it. Every later call verifies the cached file against that manifest.

Cache: env var ``SCPRINT_MODEL_CACHE``, else ``platformdirs.user_cache_dir("scprint_model")`` (like the truths' cache),
layout ``checkpoints/<file>`` + ``checkpoints/<file>.json``. The hub address can be changed with
``SCPRINT_HUB_URL`` (a mirror; the tests point it at a server on 127.0.0.1).
"""
from __future__ import annotations

import http.client
import json
import logging
import os
import re
import socket
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

import platformdirs

from grnndata._files import atomic_write_json, sha256_file

from ._progress import as_callback
from .safe_load import CheckpointError

log = logging.getLogger(__name__)

REPO = "jkobject/scPRINT"
HUB_URL = f"https://huggingface.co/{REPO}/resolve/main"
#: scPRINT v1 checkpoints named in the scprint 2.3.8 README / configs (width x depth x heads); other file names of
#: the repository are accepted as well and fetched as ``<name>.ckpt``
KNOWN = {
    "small-v1": "d_model 128, 4 layers x 2 heads (config pretrain_small)",
    "medium-v1": "d_model 256, 8 layers x 4 heads (config pretrain_medium)",
    "large-v1": "d_model 512, 16 layers x 8 heads (config pretrain_large; README: `--ckpt_path large-v1.ckpt`)",
    "medium-v1.5": "d_model 256, 8 layers x 4 heads (README: `hf download jkobject/scPRINT medium-v1.5.ckpt`)",
    "large-v1.5": "d_model 512, 16 layers x 8 heads",
}
CHUNK = 1 << 20
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


class DownloadError(CheckpointError):
    """The checkpoint could not be downloaded (no network, unknown file, server error)."""


class ChecksumError(CheckpointError):
    """A downloaded or cached checkpoint does not match its expected sha256."""


def cache_dir() -> Path:
    """Directory of downloaded checkpoints (created on first use)."""
    root = os.environ.get("SCPRINT_MODEL_CACHE") or platformdirs.user_cache_dir("scprint_model")
    path = Path(root).expanduser() / "checkpoints"
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_name(name: str) -> str:
    """``"medium-v1.5"`` -> ``"medium-v1.5.ckpt"``; refuses names that could leave the cache folder."""
    name = name[: -len(".ckpt")] if name.endswith(".ckpt") else name
    if not _NAME.fullmatch(name) or ".." in name:
        raise CheckpointError(f"{name!r} is not a checkpoint name (letters, digits, '.', '_', '-'; e.g. "
                              f"{', '.join(KNOWN)}) nor an existing file")
    return f"{name}.ckpt"


def url_for(name: str) -> str:
    return f"{os.environ.get('SCPRINT_HUB_URL', HUB_URL).rstrip('/')}/{file_name(name)}"


def how_to_get(name: str) -> str:
    """The sentence every download error ends with."""
    fname = file_name(name)
    return (f" Without network, download {fname} elsewhere ({HUB_URL}/{fname}, or `hf download {REPO} {fname}`) "
            f"and pass its path: load_checkpoint('/path/to/{fname}') / infer_network(..., checkpoint=path) / "
            f"`bengrn run -m scprint -O checkpoint=/path/to/{fname}`; or copy it to {cache_dir() / fname}. "
            f"Known names: {', '.join(KNOWN)}.")


def _manifest(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def fetch(name: str, *, progress=None, retries: int = 3, timeout: float = 60.0) -> Path:
    """Path of the published checkpoint ``name`` in the cache, downloaded (resumably) when absent.

    Parameters
    ----------
    name
        a checkpoint name such as ``"medium-v1.5"`` (``.ckpt`` optional).
    progress
        ``progress(event, info)`` callback: ``"download"`` with ``{"done", "total", "name"}`` in bytes.
    retries
        extra attempts after a failed or cut transfer; each resumes where the previous one stopped.
    """
    path = cache_dir() / file_name(name)
    if path.exists():
        verify_cached(path)
        return path
    url, part = url_for(name), path.with_name(path.name + ".part")
    expected = _download(url, part, as_callback(progress), retries, timeout, name=name)
    digest = sha256_file(part)
    if expected and digest != expected:
        part.unlink(missing_ok=True)
        raise ChecksumError(f"{url}: downloaded file has sha256 {digest}, the server announced {expected}; the "
                            "corrupt download was removed, try again." + how_to_get(name))
    # the record first, then the file: a checkpoint in the cache always has its checksum next to it
    atomic_write_json(_manifest(path), {"name": path.stem, "url": url, "sha256": digest, "size": part.stat().st_size,
                                        "verified_against_server": bool(expected),
                                        "downloaded": datetime.now(timezone.utc).isoformat()})
    os.replace(part, path)
    log.info("downloaded %s (%d bytes, sha256 %s)", url, path.stat().st_size, digest)
    return path


def verify_cached(path: Path) -> None:
    """A cached checkpoint must match the sha256 recorded when it was downloaded."""
    manifest = _manifest(path)
    if not manifest.exists():
        raise ChecksumError(f"{path} has no download record ({manifest.name}), so it cannot be verified; delete it "
                            "to download it again, or pass the file's path to load it as a local file")
    recorded = json.loads(manifest.read_text())["sha256"]
    actual = sha256_file(path)
    if actual != recorded:
        raise ChecksumError(f"{path} changed since it was downloaded (sha256 {actual}, recorded {recorded}); "
                            "delete it and its .json record to download it again")


class _RecordRedirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects like urllib's default handler, keeping each hop's headers (the hub's checksum header is on
    its redirect to the storage server, not on the final response)."""

    def __init__(self):
        super().__init__()
        self.headers: list = []

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        self.headers.append(headers)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _server_sha256(headers: list) -> str | None:
    """The hub announces a large (LFS) file's sha256 as ``X-Linked-Etag``; other ETags are not sha256s."""
    for h in headers:
        value = (h.get("X-Linked-Etag") or "").strip().removeprefix("W/").strip('"')
        if re.fullmatch(r"[0-9a-f]{64}", value):
            return value
    return None


def _download(url: str, part: Path, report, retries: int, timeout: float, *, name: str) -> str | None:
    """Stream ``url`` into ``part``, resuming from its current size; returns the server's sha256 (or None)."""
    expected, last_error = None, None
    for attempt in range(retries + 1):
        start = part.stat().st_size if part.exists() else 0
        request = urllib.request.Request(url, headers={"Range": f"bytes={start}-"} if start else {})
        hops = _RecordRedirects()
        try:
            with urllib.request.build_opener(hops).open(request, timeout=timeout) as response:
                expected = _server_sha256([*hops.headers, response.headers]) or expected
                if start and response.status != 206:  # the server ignored the range: start over
                    start = 0
                length = response.headers.get("Content-Length")
                total = start + int(length) if length and length.isdigit() else None
                with open(part, "ab" if start else "wb") as out:
                    done = start
                    for block in iter(lambda: response.read(CHUNK), b""):
                        out.write(block)
                        done += len(block)
                        if report is not None:
                            report("download", {"done": done, "total": total, "name": name})
                if total is not None and done < total:
                    raise urllib.error.ContentTooShortError(f"got {done} of {total} bytes", None)
                return expected
        except urllib.error.HTTPError as exc:
            if exc.code == 416 and start:  # range past the end: the part file is stale; start over
                part.unlink(missing_ok=True)
                last_error = exc
                continue
            if exc.code in (401, 403, 404):
                raise DownloadError(f"{url}: HTTP {exc.code} {exc.reason}; is {file_name(name)!r} a file of "
                                    f"{REPO}?" + how_to_get(name)) from None
            last_error = exc
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:  # incl. a cut connection
            last_error = exc
            if isinstance(getattr(exc, "reason", None), socket.gaierror):
                break  # the host name does not resolve (offline): retrying only wastes time
        if attempt < retries:
            log.warning("download of %s interrupted (%s); resuming (%d/%d)", url, last_error, attempt + 1, retries)
            time.sleep(min(0.5 * 2.0 ** attempt, 10.0))
    raise DownloadError(f"could not download {url} ({last_error}); the partial file {part} is kept and resumed by "
                        "the next call." + how_to_get(name))
