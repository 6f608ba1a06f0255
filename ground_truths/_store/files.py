"""Atomic writes and file hashes: the ONE implementation inside ``ground_truths``.

``ground_truths`` may import none of the suite's other packages (it must install and run on its own), so it cannot
use ``grnndata._files``; this module is its own copy of the same rule, used by every writer and hasher of
``ground_truths`` (downloads, the truth cache, imported user files, dataset subsets):

- a file is written to a temporary name in its destination's directory (same file system, so ``os.replace`` is
  atomic) and renamed only once complete; on any error, KeyboardInterrupt included, the temporary file is removed,
  so a reader never sees half a file;
- checksums are ``"<algorithm>:<hex>"`` strings (md5 or sha256), files are hashed streamed in 1 MiB blocks.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

__all__ = ["CHUNK", "atomic_path", "atomic_write_bytes", "bytes_hash", "file_hash", "parse_checksum", "ChecksumError", "verify"]

CHUNK = 1 << 20


class ChecksumError(ValueError):
    """Downloaded or cached bytes do not match the pinned checksum."""


@contextmanager
def atomic_path(path: str | os.PathLike, *, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it onto ``path`` when the block succeeds, else remove it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def file_hash(path: str | os.PathLike, algorithm: str = "sha256") -> str:
    """Hex digest of a file (streamed)."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def bytes_hash(data: bytes, algorithm: str = "sha256") -> str:
    """Hex digest of ``data`` (cache keys, URL tags)."""
    return hashlib.new(algorithm, data).hexdigest()


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
