"""Any user edge file (CSV/TSV/parquet, with or without header) -> normalised edge table."""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import pandas as pd

from ._store import file_hash
from .ids import check_organism
from .normalize import finalize

logger = logging.getLogger(__name__)


def _read(path: Path, sep: str | None, header: Any) -> pd.DataFrame:
    suffixes = "".join(path.suffixes).lower()
    if suffixes.endswith(".parquet") or suffixes.endswith(".pq"):
        return pd.read_parquet(path)
    if header in (False, None, "none"):
        header_arg: Any = None
    elif header in (True, "infer"):
        header_arg = 0 if header is True else "infer"
    else:
        header_arg = header
    if sep is None:
        # sniff from the extension first: the python engine's sniffer is slow on big files
        base = suffixes.replace(".gz", "").replace(".bz2", "").replace(".xz", "")
        if base.endswith((".tsv", ".tab", ".txt")):
            sep = "\t"
        elif base.endswith(".csv"):
            sep = ","
    if sep is None:
        return pd.read_csv(path, sep=None, engine="python", header=header_arg, dtype=str)
    return pd.read_csv(path, sep=sep, header=header_arg, dtype=str)


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


def from_file(
    path: str | os.PathLike,
    name: str | None = None,
    *,
    source: Any = None,
    target: Any = None,
    weight: Any = None,
    sign: Any = None,
    sep: str | None = None,
    header: Any = "infer",
    organism: str = "human",
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
        Separator; ``None`` guesses from the extension (``.csv`` -> ``,``; ``.tsv``/``.txt`` -> tab) or sniffs.
    header
        ``"infer"`` (default), ``True``, or ``None``/``False`` for headerless files (then use positions).
    organism, directed
        Passed to the normalisation (undirected files are expanded to both directions).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"edge file {path} does not exist")
    organism = check_organism(organism)
    frame = _read(path, sep, header)
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
    edges, stats = finalize(raw, organism=organism, directed=directed)
    edges.attrs = {
        "name": name or path.name.split(".")[0],
        "description": f"user file {path.name}",
        "source": str(path.resolve()),
        "version": "user",
        "upstream_checksum": f"sha256:{file_hash(path)}",
        "checksum": f"sha256:{file_hash(path)}",
        "directed": directed,
        "expanded": not directed,
        "organism": organism,
        "normalisation": stats,
        "columns": {"source": source, "target": target, "weight": weight, "sign": sign},
    }
    return edges
