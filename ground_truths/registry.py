"""Registry of named truths, and the load / fetch / info / import machinery around the cache.

Each source module registers a :class:`TruthSpec`: which upstream files it needs (:class:`~ground_truths._store.Resource`),
a ``build`` function turning those files into a raw edge table, default options, organism and directedness. Loading
resolves the files, computes the cache key from (name, recipe version, upstream checksums, options), returns the
verified cached table or builds, normalises (:func:`ground_truths.normalize.finalize`) and caches it.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from ._store import Resource, cache, download_path, locate, resolve
from .normalize import finalize
from .userfile import from_file

logger = logging.getLogger(__name__)

USER_RECIPE = "user-1"


@dataclass
class TruthSpec:
    """Description of one named truth.

    ``build(paths, **options)`` receives ``{resource.key: Path}`` and the merged options and returns a raw edge table
    (columns ``source``, ``target`` and optional ``weight``, ``sign``, ``evidence``), optionally with a dict of extra
    attrs as a second element. ``resources(options)`` returns the list of needed files.
    """

    name: str
    description: str
    url: str
    version: str
    organism: str | Callable[[dict], str]
    directed: bool
    resources: Callable[[dict], list[Resource]]
    build: Callable[..., Any]
    defaults: dict = field(default_factory=dict)
    recipe_version: str = "1"
    citation: str = ""
    notes: str = ""

    def organism_for(self, options: dict) -> str:
        return self.organism(options) if callable(self.organism) else self.organism


_REGISTRY: dict[str, TruthSpec] = {}


def register(spec: TruthSpec) -> TruthSpec:
    _REGISTRY[spec.name] = spec
    return spec


def builtin_names() -> list[str]:
    return sorted(_REGISTRY)


def _user_names() -> list[str]:
    base = cache.cache_dir() / "truths"
    if not base.is_dir():
        return []
    names = []
    for entry in base.iterdir():
        latest = cache.latest_entry(entry.name) if entry.is_dir() else None
        manifest = cache.read_manifest(latest) if latest else None
        if manifest and manifest.get("user") and entry.name not in _REGISTRY:
            names.append(entry.name)
    return sorted(names)


def available() -> list[str]:
    """Names accepted by :func:`load`: built-in truths plus files registered with :func:`import_file`."""
    return builtin_names() + _user_names()


def get_spec(name: str) -> TruthSpec:
    key = str(name).lower()
    if key not in _REGISTRY:
        raise KeyError(f"unknown truth {name!r}; available: {', '.join(available())}")
    return _REGISTRY[key]


def _merge_options(spec: TruthSpec, options: dict) -> dict:
    unknown = set(options) - set(spec.defaults)
    if unknown:
        allowed = ", ".join(sorted(spec.defaults)) or "none"
        raise TypeError(f"truth {spec.name!r} got unknown option(s) {sorted(unknown)}; allowed: {allowed}")
    return {**spec.defaults, **options}


def _attach(table: pd.DataFrame, manifest: dict, directory: Path) -> pd.DataFrame:
    attrs = dict(manifest.get("attrs", {}))
    attrs["checksum"] = f"sha256:{manifest['table_sha256']}"
    attrs["cache_path"] = str(directory / cache.TABLE)
    table.attrs = attrs
    return table


def _resolve_all(spec: TruthSpec, opts: dict) -> tuple[dict[str, Path], dict[str, str]]:
    paths, checksums = {}, {}
    for res in spec.resources(opts):
        path, checksum = resolve(res)
        paths[res.key] = path
        checksums[res.key] = checksum
    return paths, checksums


def _build(spec: TruthSpec, opts: dict, paths: dict[str, Path]) -> tuple[pd.DataFrame, dict]:
    result = spec.build(paths, **opts)
    raw, extra = result if isinstance(result, tuple) else (result, {})
    organism = spec.organism_for(opts)
    edges, stats = finalize(raw, organism=organism, directed=spec.directed)
    logger.info("truth %s: %d raw rows -> %d edges over %d genes", spec.name, stats["n_raw"], stats["n_edges"], stats["n_genes"])
    attrs = {
        "name": spec.name,
        "description": spec.description,
        "source": spec.url,
        "version": spec.version,
        "recipe_version": spec.recipe_version,
        "organism": organism,
        "directed": spec.directed,
        "expanded": not spec.directed,
        "options": opts,
        "normalisation": stats,
        "citation": spec.citation,
    }
    attrs.update(extra)
    return edges, attrs


def load(name: str, **options: Any) -> pd.DataFrame:
    """Load a truth as a normalised directed edge table.

    Parameters
    ----------
    name
        One of :func:`available` (built-in, or registered with :func:`import_file`).
    **options
        Source-specific options (see :func:`info` ``["options"]``), e.g. ``levels="ABC"`` for DoRothEA,
        ``variant="chip_kd"`` for McCalla, ``cutoff=0.05`` for gwps.

    Returns
    -------
    DataFrame with columns ``source``, ``target`` (symbols) and optional ``weight``, ``sign``, ``evidence``;
    ``attrs`` holds ``name``, ``source`` (upstream URL), ``version``, ``checksum`` (sha256 of the normalised table),
    ``upstream_checksums``, ``directed``, ``expanded``, ``organism``, ``options`` and normalisation counts.
    """
    key = str(name).lower()
    if key not in _REGISTRY:
        return _load_user(name, options)
    spec = _REGISTRY[key]
    opts = _merge_options(spec, options)
    paths, checksums = _resolve_all(spec, opts)
    directory = cache.entry_dir(spec.name, cache.entry_key(spec.name, spec.recipe_version, checksums, opts))
    hit = cache.read_entry(directory)
    if hit is not None:
        return _attach(*hit, directory)
    edges, attrs = _build(spec, opts, paths)
    attrs["upstream_checksums"] = checksums
    attrs["upstream_files"] = {k: str(v) for k, v in paths.items()}
    manifest = {"name": spec.name, "recipe_version": spec.recipe_version, "checksums": checksums, "options": opts,
                "attrs": attrs, "user": False}
    manifest = cache.write_entry(directory, edges, manifest)
    return _attach(edges, manifest, directory)


def _load_user(name: str, options: dict) -> pd.DataFrame:
    if options:
        raise TypeError(f"imported truth {name!r} takes no options; re-import it with other columns instead")
    latest = cache.latest_entry(name)
    manifest = cache.read_manifest(latest) if latest else None
    if not manifest or not manifest.get("user"):
        raise KeyError(f"unknown truth {name!r}; available: {', '.join(available())}. "
                       "Register your own file with ground_truths.import_file(path, name).")
    hit = cache.read_entry(latest)
    if hit is None:
        source = manifest.get("attrs", {}).get("source")
        if source and Path(source).is_file():
            logger.warning("imported truth %s is corrupt in the cache; re-importing from %s", name, source)
            return import_file(source, name, **manifest.get("options", {}))
        raise ValueError(f"cached copy of imported truth {name!r} is corrupt and its file {source} is gone; "
                         "import it again with ground_truths.import_file")
    return _attach(*hit, latest)


def fetch(name: str, *, force: bool = False, **options: Any) -> Path:
    """Make sure the truth is downloaded, normalised and cached; return the cached parquet path.

    ``force=True`` deletes the cached table first and re-downloads unpinned upstream files (live services, NDEx,
    figshare); pinned files are re-verified, not re-downloaded.
    """
    if force:
        spec = get_spec(name)
        opts = _merge_options(spec, options)
        for res in spec.resources(opts):
            if res.checksum is None and res.url:
                download_path(res).unlink(missing_ok=True)
        _, checksums = _resolve_all(spec, opts)
        cache.remove_entry(cache.entry_dir(spec.name, cache.entry_key(spec.name, spec.recipe_version, checksums, opts)))
    table = load(name, **options)
    return Path(table.attrs["cache_path"])


def info(name: str) -> dict:
    """JSON-able description: description, url, version, checksum, directed, organism, options, cached path, n_edges."""
    key = str(name).lower()
    if key not in _REGISTRY:
        latest = cache.latest_entry(name)
        manifest = cache.read_manifest(latest) if latest else None
        if not manifest or not manifest.get("user"):
            raise KeyError(f"unknown truth {name!r}; available: {', '.join(available())}")
        attrs = manifest.get("attrs", {})
        return {"name": name, "description": attrs.get("description", "user file"), "url": attrs.get("source"),
                "version": attrs.get("version"), "checksum": f"sha256:{manifest['table_sha256']}",
                "directed": attrs.get("directed", True), "organism": attrs.get("organism"), "options": {},
                "cached": str(latest / cache.TABLE), "n_edges": manifest.get("n_edges"), "user": True}
    spec = _REGISTRY[key]
    opts = dict(spec.defaults)
    files, checksums, cached, n_edges = [], {}, None, None
    for res in spec.resources(opts):
        path = locate(res)
        files.append({"key": res.key, "url": res.url, "pinned_checksum": res.checksum,
                      "local": str(path) if path else None, "note": res.note})
    if all(f["local"] for f in files):
        _, checksums = _resolve_all(spec, opts)
        directory = cache.entry_dir(spec.name, cache.entry_key(spec.name, spec.recipe_version, checksums, opts))
        manifest = cache.read_manifest(directory)
        if manifest is not None and (directory / cache.TABLE).is_file():
            cached, n_edges = str(directory / cache.TABLE), manifest.get("n_edges")
    return {
        "name": spec.name,
        "description": spec.description,
        "url": spec.url,
        "version": spec.version,
        "recipe_version": spec.recipe_version,
        "checksum": checksums or {f["key"]: f["pinned_checksum"] for f in files},
        "directed": spec.directed,
        "organism": spec.organism_for(opts),
        "options": opts,
        "files": files,
        "cached": cached,
        "n_edges": n_edges,
        "citation": spec.citation,
        "notes": spec.notes,
        "user": False,
    }


def import_file(path: str | os.PathLike, name: str, **columns: Any) -> pd.DataFrame:
    """Register a user edge file as truth ``name`` in the cache so that ``load(name)`` works afterwards.

    ``columns`` are passed to :func:`ground_truths.userfile.from_file` (``source``, ``target``, ``weight``, ``sign``,
    ``sep``, ``header``, ``organism``, ``directed``).
    """
    key = str(name).lower()
    if key in _REGISTRY:
        raise ValueError(f"{name!r} is a built-in truth name; choose another name for your file")
    if not key or any(c in key for c in "/\\") or key.startswith("."):
        raise ValueError(f"truth name {name!r} must be a plain non-empty name without path separators")
    table = from_file(path, name=key, **columns)
    attrs = dict(table.attrs)
    checksums = {"file": attrs.get("upstream_checksum", "")}
    directory = cache.entry_dir(key, cache.entry_key(key, USER_RECIPE, checksums, columns))
    manifest = {"name": key, "recipe_version": USER_RECIPE, "checksums": checksums, "options": columns,
                "attrs": attrs, "user": True}
    manifest = cache.write_entry(directory, table, manifest)
    return _attach(table, manifest, directory)
