"""On-disk cache of normalised truth tables.

Layout (under :func:`cache_dir`)::

    truths/<name>/<key>/edges.parquet      normalised edge table
    truths/<name>/<key>/manifest.json      name, recipe version, upstream checksums, options, sha256 of the parquet,
                                           n_edges, attrs (written LAST: an entry without a manifest is partial)
    downloads/<checksum>-<filename>        verified upstream files

``key`` is a short sha256 of (name, recipe version, upstream checksums, options), so a new upstream file, a new
recipe or other options never reuse a stale table. On read the parquet's sha256 must match the manifest; otherwise
(truncated, corrupt, manifest missing) the entry is reported as invalid and the caller rebuilds it. Both files are
written through :func:`ground_truths._store.files.atomic_path` (temp file + rename).

Location: ``set_cache_dir(path)`` > env var ``GROUND_TRUTHS_CACHE`` > ``platformdirs.user_cache_dir("ground_truths")``.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import platformdirs

from .files import atomic_path, atomic_write_bytes, bytes_hash, file_hash

logger = logging.getLogger(__name__)

_CACHE_OVERRIDE: Path | None = None
MANIFEST = "manifest.json"
TABLE = "edges.parquet"


def cache_dir() -> Path:
    """Current cache directory (created on first use)."""
    if _CACHE_OVERRIDE is not None:
        path = _CACHE_OVERRIDE
    elif os.environ.get("GROUND_TRUTHS_CACHE"):
        path = Path(os.environ["GROUND_TRUTHS_CACHE"]).expanduser()
    else:
        path = Path(platformdirs.user_cache_dir("ground_truths"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def set_cache_dir(path: str | os.PathLike | None) -> Path | None:
    """Use ``path`` as the cache directory for this process (``None`` restores env var / platform default)."""
    global _CACHE_OVERRIDE
    _CACHE_OVERRIDE = None if path is None else Path(path).expanduser().resolve()
    return _CACHE_OVERRIDE


def entry_key(name: str, recipe_version: str, checksums: dict[str, str], options: dict[str, Any]) -> str:
    """Short stable hash identifying one normalised table."""
    payload = json.dumps(
        {"name": name, "recipe": recipe_version, "checksums": checksums, "options": options},
        sort_keys=True,
        default=str,
    )
    return bytes_hash(payload.encode())[:16]


def entry_dir(name: str, key: str) -> Path:
    return cache_dir() / "truths" / name / key


def write_entry(directory: Path, table: pd.DataFrame, manifest: dict[str, Any]) -> dict[str, Any]:
    """Write ``table`` and its manifest atomically (table first, manifest last); return the full manifest."""
    with atomic_path(directory / TABLE) as tmp:
        clean = table.copy()
        clean.attrs = {}
        clean.to_parquet(tmp, index=False)
        digest = file_hash(tmp, "sha256")
    manifest = dict(manifest)
    manifest.update(
        table_sha256=digest,
        n_edges=int(len(table)),
        written=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )
    atomic_write_bytes(directory / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True, default=str).encode())
    return manifest


def read_manifest(directory: Path) -> dict[str, Any] | None:
    path = directory / MANIFEST
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def read_entry(directory: Path) -> tuple[pd.DataFrame, dict[str, Any]] | None:
    """Return (table, manifest) when the entry is complete and its checksum verifies, else None (and log why)."""
    manifest = read_manifest(directory)
    table_path = directory / TABLE
    if manifest is None:
        if table_path.exists():
            logger.warning("cache entry %s has no valid manifest (partial write?); rebuilding", directory)
        return None
    if not table_path.is_file():
        logger.warning("cache entry %s lost its table; rebuilding", directory)
        return None
    actual = file_hash(table_path, "sha256")
    if actual != manifest.get("table_sha256"):
        logger.warning("cache entry %s is corrupt (sha256 %s != manifest); rebuilding", directory, actual[:12])
        return None
    try:
        table = pd.read_parquet(table_path)
    except Exception as err:  # noqa: BLE001 - any parquet decoding error means a bad entry
        logger.warning("cache entry %s unreadable (%s); rebuilding", directory, err)
        return None
    return table, manifest


def attach(table: pd.DataFrame, manifest: dict[str, Any], directory: Path) -> pd.DataFrame:
    """Give a table read from (or written to) the cache its attrs: the manifest's, its checksum and its path."""
    attrs = dict(manifest.get("attrs", {}))
    attrs["checksum"] = f"sha256:{manifest['table_sha256']}"
    attrs["cache_path"] = str(directory / TABLE)
    table.attrs = attrs
    return table


def remove_entry(directory: Path) -> None:
    shutil.rmtree(directory, ignore_errors=True)


def latest_entry(name: str) -> Path | None:
    """Most recently written valid-looking entry of ``name`` (for ``info`` and imported truths)."""
    base = cache_dir() / "truths" / name
    if not base.is_dir():
        return None
    candidates = [d for d in base.iterdir() if (d / MANIFEST).is_file()]
    if not candidates:
        return None
    return max(candidates, key=lambda d: (d / MANIFEST).stat().st_mtime)
