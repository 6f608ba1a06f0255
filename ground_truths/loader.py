"""Load, fetch and describe truths: :func:`load`, :func:`fetch`, :func:`info`, :func:`available`.

Loading a built-in truth resolves its upstream files (:func:`ground_truths._store.resolve`), computes the cache key
from (name, recipe version, upstream checksums, options), and returns the verified cached table or builds,
normalises (:func:`ground_truths.normalize.finalize`) and caches it. Names are case-insensitive
(:func:`ground_truths.registry.truth_key`); names that are not built in are the user's imported files
(:mod:`ground_truths.userfile`).
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd

from ._store import MissingDataError, cache, locate, resolve
from ._store.download import Progress
from .normalize import finalize
from .protocols import PROTOCOLS, describe_protocol, make_context, make_protocol
from .registry import TruthNames, TruthSpec, builtin_names, get_spec, is_builtin, merge_options
from .userfile import load_user, user_info, user_names

__all__ = ["available", "load", "fetch", "info"]

logger = logging.getLogger(__name__)


def available() -> TruthNames:
    """Names accepted by :func:`load`: built-in truths plus files registered with :func:`import_file`.

    A list whose ``in`` ignores case, like every name lookup of ``ground_truths``.
    """
    return TruthNames(builtin_names() + [n for n in user_names() if not is_builtin(n)])


def _unknown(name: Any) -> KeyError:
    return KeyError(f"unknown truth {name!r}; available: {', '.join(available())}. "
                    "Register your own file with ground_truths.import_file(path, name).")


def _resolve_all(spec: TruthSpec, opts: dict, *, force: bool = False, allow_download: bool = True,
                 progress: Progress | None = None) -> tuple[dict[str, Path], dict[str, str]]:
    paths, checksums = {}, {}
    for res in spec.resources(opts) + spec.protocol_resources(opts):
        paths[res.key], checksums[res.key] = resolve(res, force=force, allow_download=allow_download,
                                                     progress=progress)
    return paths, checksums


#: Bumped when the attrs every truth carries change (v2: protocol and context), so old cache entries are rebuilt.
ATTRS_VERSION = "2"


def _entry(spec: TruthSpec, opts: dict, checksums: dict[str, str]) -> Path:
    recipe = f"{spec.recipe_version}+attrs{ATTRS_VERSION}"
    return cache.entry_dir(spec.name, cache.entry_key(spec.name, recipe, checksums, opts))


def _build(spec: TruthSpec, opts: dict, paths: dict[str, Path]) -> tuple[pd.DataFrame, dict]:
    result = spec.build(paths, **opts)
    raw, extra = result if isinstance(result, tuple) else (result, {})
    organism = spec.organism_for(opts)
    edges, stats = finalize(raw, organism=organism, directed=spec.directed)
    logger.info("truth %s: %d raw rows -> %d edges over %d genes", spec.name, stats["n_raw"], stats["n_edges"],
                stats["n_genes"])
    protocol = extra.pop("protocol", {})
    by_dataset = extra.pop("protocols_by_dataset", {})  # a truth evaluated per dataset (McCalla)
    context = make_context(organism, **spec.context)
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
        "protocol": make_protocol(spec.protocol, edges, organism, **protocol),
        "context": context,
    }
    if by_dataset:
        attrs["protocols"] = {d: make_protocol(spec.protocol, edges, organism, **p) for d, p in by_dataset.items()}
    attrs.update(extra)
    return edges, attrs


def load(name: str, *, progress: Progress | None = None, **options: Any) -> pd.DataFrame:
    """Load a truth as a normalised directed edge table.

    Parameters
    ----------
    name
        One of :func:`available` (built-in, or registered with :func:`import_file`); case-insensitive.
    progress
        Receives ``("download", {"url", "done", "total"})`` while an upstream file is downloaded.
    **options
        Source-specific options (see :func:`info` ``["options"]``), e.g. ``levels="ABC"`` for DoRothEA,
        ``variant="chip_kd"`` for McCalla, ``cutoff=0.05`` for gwps.

    Returns
    -------
    DataFrame with columns ``source``, ``target`` (symbols) and optional ``weight``, ``sign``, ``evidence``;
    ``attrs`` holds ``name``, ``source`` (upstream URL), ``version``, ``checksum`` (sha256 of the normalised table),
    ``upstream_checksums``, ``directed``, ``expanded``, ``organism``, ``options`` and normalisation counts.
    """
    if not is_builtin(name):
        if options:
            raise TypeError(f"imported truth {name!r} takes no options; re-import it with other columns instead")
        table = load_user(name)
        if table is None:
            raise _unknown(name)
        return table
    spec = get_spec(name)
    opts = merge_options(spec, options)
    paths, checksums = _resolve_all(spec, opts, progress=progress)
    directory = _entry(spec, opts, checksums)
    hit = cache.read_entry(directory)
    if hit is not None:
        return cache.attach(*hit, directory)
    edges, attrs = _build(spec, opts, paths)
    data_keys = {res.key for res in spec.resources(opts)}
    attrs["upstream_checksums"] = {k: v for k, v in checksums.items() if k in data_keys}
    attrs["upstream_files"] = {k: str(v) for k, v in paths.items() if k in data_keys}
    attrs["protocol_checksums"] = {k: v for k, v in checksums.items() if k not in data_keys}
    manifest = {"name": spec.name, "recipe_version": spec.recipe_version, "checksums": checksums, "options": opts,
                "attrs": attrs, "user": False}
    manifest = cache.write_entry(directory, edges, manifest)
    return cache.attach(edges, manifest, directory)


def fetch(name: str, *, force: bool = False, progress: Progress | None = None, **options: Any) -> Path:
    """Make sure the truth is downloaded, normalised and cached; return the cached parquet path.

    ``force=True`` deletes the cached table and every cached download of the truth first and downloads them again
    (pinned or not); files found in the local mirror or shipped with the package are used as they are.
    """
    if force and is_builtin(name):
        spec = get_spec(name)
        opts = merge_options(spec, options)
        _, checksums = _resolve_all(spec, opts, force=True, progress=progress)
        cache.remove_entry(_entry(spec, opts, checksums))
    table = load(name, progress=progress, **options)
    return Path(table.attrs["cache_path"])


def info(name: str) -> dict:
    """JSON-able description: description, url, version, checksum, directed, organism, options, cached path, n_edges."""
    if not is_builtin(name):
        described = user_info(name)
        if described is None:
            raise _unknown(name)
        return described
    spec = get_spec(name)
    opts = dict(spec.defaults)
    files, checksums, cached, n_edges, protocol = [], {}, None, None, None
    for res in spec.resources(opts) + spec.protocol_resources(opts):
        path = locate(res)
        files.append({"key": res.key, "url": res.url, "pinned_checksum": res.checksum,
                      "local": str(path) if path else None, "note": res.note})
    try:
        if all(f["local"] for f in files):
            _, checksums = _resolve_all(spec, opts, allow_download=False)
            directory = _entry(spec, opts, checksums)
            manifest = cache.read_manifest(directory)
            if manifest is not None and (directory / cache.TABLE).is_file():
                cached, n_edges = str(directory / cache.TABLE), manifest.get("n_edges")
                protocol = manifest.get("attrs", {}).get("protocol")
    except MissingDataError:  # a cached download failed its checksum and was deleted: info never downloads
        checksums = {}
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
        "protocol": describe_protocol(protocol or {"name": spec.protocol, "description": PROTOCOLS[spec.protocol]},
                                      built=protocol is not None),
        "context": make_context(spec.organism_for(opts), **spec.context),
        "user": False,
    }
