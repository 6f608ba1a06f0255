"""The user's own edge files: :func:`from_file` (read + normalise) and :func:`import_file` (register as a truth).

Reading rules (each can be overridden by a parameter):

- ``sep``: from the extension (``.csv`` -> ``,``; ``.tsv``/``.tab``/``.txt`` -> tab), else sniffed.
- ``header``: sniffed by default. The first row is *data* when its source and target fields are both gene-like ids
  (a known human or mouse symbol, or an Ensembl id) and neither is a column word such as ``source``, ``tf`` or
  ``gene``; otherwise it is the header. So the headerless McCalla / Roy-lab layout (``TF<TAB>target``) keeps its
  first edge. ``header=True`` / ``False`` decide explicitly.
- ``organism``: detected from the symbol case by default (:func:`ground_truths.ids.detect_organism`: ``SOX2`` ->
  human, ``Sox2`` -> mouse) and logged; an explicit ``organism="human"`` on mouse-style symbols logs a warning
  instead of silently upper-casing them into a human truth.
- A file with no edge left after normalisation (header only, self-loops only, no gene id) is refused.

Imported truths are stored in the cache under their case-insensitive name (:func:`ground_truths.registry.truth_key`),
so ``import_file(path, "MyNet")`` then ``load("mynet")`` or ``load("MyNet")`` work alike.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import pandas as pd

from ._store import cache, file_hash
from .ids import check_organism, classify_ids, detect_organism
from .normalize import finalize
from .protocols import describe_protocol, make_context, make_protocol
from .registry import is_builtin, truth_key

__all__ = ["from_file", "import_file", "load_user", "user_info", "user_names"]

logger = logging.getLogger(__name__)

USER_RECIPE = "user-1"
#: Column words that mark a first row as a header even when they are also gene symbols (``TF`` is transferrin).
HEADER_WORDS = frozenset(
    "source target tf tfs gene genes regulator regulators target_gene from to gene1 gene2 node1 node2 protein1 "
    "protein2 a b weight score sign".split()
)


def _sep(path: Path, sep: str | None) -> str | None:
    if sep is not None:
        return sep
    # from the extension first: the python engine's sniffer is slow on big files
    base = "".join(path.suffixes).lower().replace(".gz", "").replace(".bz2", "").replace(".xz", "")
    if base.endswith((".tsv", ".tab", ".txt")):
        return "\t"
    if base.endswith(".csv"):
        return ","
    return None


def first_row_is_header(fields: list[str]) -> bool:
    """Header sniffing rule (module docstring): False when both fields are gene-like ids and not column words."""
    fields = [str(f).strip() for f in fields[:2]]
    if len(fields) < 2 or any(f.lower() in HEADER_WORDS for f in fields):
        return True
    gene_like = classify_ids(fields, "human").isin(["symbol", "ensembl"]).to_numpy() | classify_ids(
        fields, "mouse").isin(["symbol", "ensembl"]).to_numpy()
    return not bool(gene_like.all())


def _header_flag(header: Any) -> bool | None:
    """True / False, or None for "sniff" (pandas' ``header=0`` means True, ``header=None`` False)."""
    if isinstance(header, str) and header in ("sniff", "infer", "none"):
        return None if header != "none" else False
    if header is None or header is False:
        return False
    if header is True or (isinstance(header, int) and header == 0):
        return True
    raise ValueError(f"header must be True, False or 'sniff', got {header!r}")


def _read(path: Path, sep: str | None, header: Any) -> tuple[pd.DataFrame, bool | None]:
    """The file as strings and whether its first row was taken as the header (None for parquet)."""
    suffixes = "".join(path.suffixes).lower()
    if suffixes.endswith((".parquet", ".pq")):
        return pd.read_parquet(path), None  # named columns: no header question
    sep = _sep(path, sep)
    kwargs = {"sep": sep, "header": None, "dtype": str, "keep_default_na": False}
    frame = pd.read_csv(path, **kwargs) if sep is not None else pd.read_csv(path, engine="python", **{**kwargs,
                                                                                                       "sep": None})
    flag = _header_flag(header)
    if flag is None:
        flag = len(frame) > 0 and first_row_is_header(frame.iloc[0].tolist())
    if flag and len(frame):
        names = [str(v).strip() for v in frame.iloc[0]]
        if len(set(names)) != len(names):
            raise ValueError(f"{path}: the header row {names} repeats a column name; rename the columns or pass "
                             "header=False and 0-based positions")
        frame = frame.iloc[1:].reset_index(drop=True)
        frame.columns = names
    return frame, bool(flag)


def _column(frame: pd.DataFrame, spec: Any, role: str) -> pd.Series:
    if isinstance(spec, int) and spec not in frame.columns:
        if not -frame.shape[1] <= spec < frame.shape[1]:
            raise KeyError(f"{role} column position {spec} out of range: file has {frame.shape[1]} columns")
        return frame.iloc[:, spec]
    if spec not in frame.columns:
        raise KeyError(
            f"{role} column {spec!r} not in file columns {list(frame.columns)[:10]}; pass {role}=<name or 0-based "
            "position>, and header=None for headerless files"
        )
    return frame[spec]


def _organism(raw: pd.DataFrame, organism: str | None, path: Path) -> tuple[str, dict]:
    detected, counts = detect_organism(pd.concat([raw["source"], raw["target"]]))
    if organism is None:
        if detected is None:
            raise ValueError(f"{path}: cannot tell the organism from the symbol case ({counts['n_upper_case']} "
                             f"upper-case, {counts['n_mouse_case']} mouse-style ids); pass organism='human' or "
                             "'mouse'")
        logger.info("%s: organism %s detected from the symbol case (%d upper-case, %d mouse-style ids)", path.name,
                    detected, counts["n_upper_case"], counts["n_mouse_case"])
        return detected, {"organism_detected": True, **counts}
    organism = check_organism(organism)
    if organism == "human" and detected == "mouse":
        logger.warning("%s: organism='human' but %d of %d ids look like mouse symbols (e.g. Sox2); they are upper-"
                       "cased into human symbols. Pass organism='mouse' if this is a mouse network", path.name,
                       counts["n_mouse_case"], counts["n_ids"])
    return organism, {"organism_detected": False, **counts}


def _no_edges_error(path: Path, stats: dict, organism: str, header_used: bool) -> ValueError:
    dropped = {k[len("dropped_"):]: v for k, v in stats.items() if k.startswith("dropped_") and k != "dropped_ids_total"
               and v}
    return ValueError(
        f"{path}: no edge left after normalisation ({stats['n_raw']} row(s) read"
        f"{', first row taken as the header' if header_used else ''}; {stats['n_self_loops']} self-loop(s) dropped; "
        f"{stats['dropped_ids_total']} row(s) with a non-gene id dropped{' ' + str(dropped) if dropped else ''}; "
        f"organism {organism}). "
        "Check the columns (source=, target=), header= and organism=."
    )


def from_file(
    path: str | os.PathLike,
    name: str | None = None,
    *,
    source: Any = None,
    target: Any = None,
    weight: Any = None,
    sign: Any = None,
    sep: str | None = None,
    header: Any = "sniff",
    organism: str | None = None,
    directed: bool = True,
) -> pd.DataFrame:
    """Read a user edge file and normalise it like any built-in truth.

    Parameters
    ----------
    path
        CSV, TSV (optionally compressed) or parquet file.
    name
        Name stored in ``attrs["name"]`` (default: file stem).
    source, target
        Column names or 0-based positions. Defaults: ``"source"``/``"target"`` when present, else the first two
        columns.
    weight, sign
        Optional column names or positions.
    sep
        Separator; ``None`` guesses from the extension or sniffs.
    header
        ``"sniff"`` (default, see the module docstring), ``True``, or ``False``/``None`` for headerless files.
    organism
        ``"human"``, ``"mouse"`` or ``None`` (default: detected from the symbol case).
    directed
        Undirected files are expanded to both directions.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"edge file {path} does not exist")
    frame, header_used = _read(path, sep, header)
    if frame.shape[1] < 2:
        raise ValueError(f"{path} has {frame.shape[1]} column(s); an edge file needs at least source and target "
                         "(wrong separator? pass sep=...)")
    if source is None:
        source = "source" if "source" in frame.columns else 0
    if target is None:
        target = "target" if "target" in frame.columns else 1
    raw = pd.DataFrame({"source": _column(frame, source, "source").to_numpy(),
                        "target": _column(frame, target, "target").to_numpy()})
    if weight is not None:
        raw["weight"] = pd.to_numeric(_column(frame, weight, "weight"), errors="coerce").to_numpy()
    if sign is not None:
        raw_sign = _column(frame, sign, "sign").astype(str).str.strip()
        raw["sign"] = raw_sign.map({"+": 1, "-": -1, "1": 1, "-1": -1, "1.0": 1, "-1.0": -1}).fillna(0).to_numpy()
    organism, organism_note = _organism(raw, organism, path)
    edges, stats = finalize(raw, organism=organism, directed=directed)
    if edges.empty:
        raise _no_edges_error(path, stats, organism, header_used)
    digest = f"sha256:{file_hash(path)}"
    edges.attrs = {
        "name": name or path.name.split(".")[0],
        "description": f"user file {path.name}",
        "source": str(path.resolve()),
        "version": "user",
        "upstream_checksum": digest,
        "checksum": digest,
        "directed": directed,
        "expanded": not directed,
        "organism": organism,
        "organism_detection": organism_note,
        "header": header_used,
        "normalisation": stats,
        "columns": {"source": source, "target": target, "weight": weight, "sign": sign},
        "protocol": make_protocol("user", edges, organism),
        "context": make_context(organism),
    }
    return edges


def import_file(path: str | os.PathLike, name: str, **columns: Any) -> pd.DataFrame:
    """Register a user edge file as truth ``name`` in the cache so that ``load(name)`` works afterwards.

    ``name`` is case-insensitive (stored lower-cased). ``columns`` are passed to :func:`from_file` (``source``,
    ``target``, ``weight``, ``sign``, ``sep``, ``header``, ``organism``, ``directed``). Nothing is written when the
    file is refused.
    """
    key = truth_key(name)
    if is_builtin(key):
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
    return cache.attach(table, manifest, directory)


def _user_manifest(name: Any) -> tuple[Path, dict] | None:
    latest = cache.latest_entry(truth_key(name))
    manifest = cache.read_manifest(latest) if latest else None
    return (latest, manifest) if manifest and manifest.get("user") else None


def user_names() -> list[str]:
    """Names of the imported truths in the current cache."""
    base = cache.cache_dir() / "truths"
    if not base.is_dir():
        return []
    return sorted(d.name for d in base.iterdir() if d.is_dir() and _user_manifest(d.name) is not None)


def load_user(name: Any) -> pd.DataFrame | None:
    """The imported truth ``name`` (re-imported from its file when the cached copy is corrupt), or None."""
    found = _user_manifest(name)
    if found is None:
        return None
    latest, manifest = found
    hit = cache.read_entry(latest)
    if hit is not None:
        return cache.attach(*hit, latest)
    source = manifest.get("attrs", {}).get("source")
    if source and Path(source).is_file():
        logger.warning("imported truth %s is corrupt in the cache; re-importing from %s", name, source)
        return import_file(source, manifest["name"], **manifest.get("options", {}))
    raise ValueError(f"cached copy of imported truth {name!r} is corrupt and its file {source} is gone; "
                     "import it again with ground_truths.import_file")


def user_info(name: Any) -> dict | None:
    """JSON-able description of the imported truth ``name``, or None."""
    found = _user_manifest(name)
    if found is None:
        return None
    latest, manifest = found
    attrs = manifest.get("attrs", {})
    return {"name": manifest["name"], "description": attrs.get("description", "user file"), "url": attrs.get("source"),
            "version": attrs.get("version"), "checksum": f"sha256:{manifest['table_sha256']}",
            "directed": attrs.get("directed", True), "organism": attrs.get("organism"), "options": {},
            "cached": str(latest / cache.TABLE), "n_edges": manifest.get("n_edges"), "user": True,
            "protocol": describe_protocol(attrs["protocol"]) if "protocol" in attrs else None,
            "context": attrs.get("context")}
