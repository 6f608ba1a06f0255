"""Atomic writes and file / matrix hashes: the one implementation used by grnndata, scprint_model and bengrn.

Every file the suite writes goes to a temporary name in the destination's directory (same file system, so the final
``os.replace`` is atomic) and is renamed only once complete; on any error, KeyboardInterrupt included, the temporary
file is removed. A reader therefore never sees half a file and nothing half-written is left on disk.
(``ground_truths`` may import none of the other packages, so its download/cache store keeps its own, stream-oriented
copy of this rule in ``ground_truths/_store/files.py``.)
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import scipy.sparse as sp

from grnndata._json import to_jsonable

__all__ = ["atomic_path", "atomic_write_bytes", "atomic_write_text", "atomic_write_json", "sha256_file",
           "sha256_bytes", "matrix_sha256"]

CHUNK = 1 << 20


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: str | os.PathLike, *, mode: int | None = None) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it onto ``path`` when the block succeeds, else remove it.

    The parent directory is created. The file gets the permissions a plain ``open`` would give (``mkstemp`` makes
    0600 files; results are meant to be shared), or ``mode`` when given.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        os.chmod(tmp_path, mode if mode is not None else 0o666 & ~_umask())
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8, newlines as given) to ``path`` atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike, obj: Any) -> Path:
    """JSON-encode ``obj`` with :func:`grnndata._json.to_jsonable` (strictly valid JSON) and write it atomically."""
    return atomic_write_text(path, json.dumps(to_jsonable(obj), indent=2, allow_nan=False) + "\n")


def sha256_file(path: str | os.PathLike, algorithm: str = "sha256") -> str:
    """Hex digest of a file, streamed in 1 MiB blocks."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_bytes(*chunks: bytes) -> str:
    """sha256 hex digest of the concatenation of ``chunks``."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


def matrix_sha256(matrix: Any, *labels: Any, dtype: Any = None) -> str:
    """sha256 of a matrix's content as canonical CSR (duplicates summed, zeros dropped, indices sorted; zero = no
    entry, so a dense and a sparse copy hash alike), prefixed by ``labels`` (bytes, or sequences of names).

    ``dtype`` fixes the value type first (e.g. float32 inputs hash alike whatever precision they came in).
    """
    m = sp.csr_matrix(matrix, dtype=dtype, copy=True)
    m.sum_duplicates()
    m.eliminate_zeros()
    m.sort_indices()
    chunks = [lab if isinstance(lab, bytes) else "\x1f".join(map(str, lab)).encode() + b"\x1e" for lab in labels]
    return sha256_bytes(*chunks, np.asarray(m.shape, dtype=np.int64).tobytes(), m.indptr.astype(np.int64).tobytes(),
                        m.indices.astype(np.int64).tobytes(), m.data.tobytes())

