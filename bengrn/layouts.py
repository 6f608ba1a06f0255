"""Edge tables as other tools write them: file formats, column layouts and which columns hold what.

- :func:`detect_format`: ``"h5ad"``, ``"parquet"`` or ``"text"`` from the file's first bytes, then its name; text may
  be gzip-compressed and its separator is sniffed from the header line (tab, comma, else whitespace), since tools
  write tab-separated text under a ``.csv`` name (BEELINE's ``rankedEdges.csv``);
- :data:`LAYOUTS` and :func:`detect_layout`: the column layouts of pySCENIC / arboreto, BEELINE, CellOracle, GENIE3,
  decoupler and headerless tables, recognised from the column names (case ignored);
- :func:`resolve_columns`: the source, target and weight columns of a table (a layout's, or chosen by the caller),
  with the one error a user meets for a table that fits no layout: the columns found and the layouts known;
- :func:`read_edge_table`: those three columns of a file, renamed ``source``, ``target``, ``weight``.

:func:`bengrn.networks.read_network` turns them into a network.
"""
from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import pandas as pd

from bengrn.errors import BenchmarkError

__all__ = ["Layout", "LAYOUTS", "detect_format", "open_text", "detect_layout", "resolve_columns", "standard_columns",
           "read_edge_table"]


@dataclass(frozen=True)
class Layout:
    """Column names of one tool's edge table: regulator, target, default score column, and what else it has."""

    name: str
    source: str
    target: str
    weight: str | None
    marker: tuple[str, ...] = ()  # further columns that identify the layout (besides source/target)
    description: str = ""


#: Known edge-table layouts, in detection order (a more specific layout before a more general one).
LAYOUTS: dict[str, Layout] = {lay.name: lay for lay in (
    Layout("celloracle", "source", "target", "coef_abs", ("coef_mean", "coef_abs"),
           "CellOracle links: source,target,coef_mean,coef_abs,p,-logp (scored by coef_abs)"),
    Layout("arboreto", "TF", "target", "importance", (),
           "pySCENIC / arboreto / GRNBoost2 adjacencies: TF,target,importance"),
    Layout("beeline", "Gene1", "Gene2", "EdgeWeight", (), "BEELINE rankedEdges.csv: Gene1,Gene2,EdgeWeight"),
    Layout("genie3", "regulatoryGene", "targetGene", "weight", (), "GENIE3 (R) getLinkList: regulatoryGene,targetGene,"
           "weight"),
    Layout("edges", "source", "target", "weight", (), "source,target[,weight]: decoupler nets, GRnnData.to_edges"),
    Layout("headerless", "0", "1", "2", (), "no header: source, target[, weight]"),
)}

_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


def detect_format(path: Path) -> str:
    """``"h5ad"``, ``"parquet"`` or ``"text"`` from the first bytes (then the name) of ``path``."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(_HDF5_MAGIC):
        return "h5ad"
    if head.startswith(b"PAR1"):
        return "parquet"
    if path.suffix.lower() in (".h5ad", ".h5"):
        raise BenchmarkError(f"network file {str(path)!r} is named .h5ad but is not an HDF5 file")
    return "text"


def open_text(path: Path):
    with open(path, "rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rt", encoding="utf-8", errors="replace") if gz else open(
        path, encoding="utf-8", errors="replace")


def _sniff(path: Path) -> tuple[str, list[str]]:
    """Separator and the fields of the first non-empty, non-comment line of a text table."""
    with open_text(path) as fh:
        line = next((ln for ln in fh if ln.strip() and not ln.startswith("#")), "")
    if not line:
        raise BenchmarkError(f"network file {str(path)!r} is empty")
    line = line.rstrip("\r\n")
    sep = "\t" if "\t" in line else "," if "," in line else r"\s+"
    fields = line.split(sep) if sep != r"\s+" else line.split()
    return sep, [f.strip().strip('"') for f in fields]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _layout_error(what: str, columns: Sequence[str], problem: str) -> BenchmarkError:
    known = "; ".join(f"{lay.name} ({lay.description})" for lay in LAYOUTS.values())
    return BenchmarkError(
        f"{what}: {problem}; columns found: {', '.join(map(repr, columns)) or '(none)'}. Known layouts: {known}. "
        "Pass --layout NAME, or --source/--target/--weight COL"
    )


def detect_layout(columns: Sequence[str], what: str = "edge table") -> Layout:
    """The first layout of :data:`LAYOUTS` whose source, target and marker columns are all in ``columns``.

    Matching ignores case; the returned layout carries the table's own spelling of the names. A table of three
    columns whose third "name" is a number is ``headerless`` (two columns without a header cannot be told from a
    header: ``layout="headerless"``).
    """
    cols = [str(c) for c in columns]
    by_key = {c.lower(): c for c in cols}
    for lay in LAYOUTS.values():
        if lay.name == "headerless":
            continue
        needed = (lay.source, lay.target, *lay.marker)
        if all(n.lower() in by_key for n in needed):
            weight = by_key.get(lay.weight.lower()) if lay.weight else None
            if lay.name == "edges" and weight is None:
                weight = by_key.get("score")  # source,target,score is as common as weight
            return Layout(lay.name, by_key[lay.source.lower()], by_key[lay.target.lower()], weight, lay.marker,
                          lay.description)
    if len(cols) == 3 and _is_number(cols[2]):
        return LAYOUTS["headerless"]
    raise _layout_error(what, cols, "no known layout matches its columns")


def resolve_columns(columns: Sequence[str], what: str = "edge table", *, layout: str | Layout | None = None,
                    source: str | None = None, target: str | None = None,
                    weight: str | None = None) -> tuple[Layout, str, str, str | None]:
    """The layout and the source, target and weight columns of a table with ``columns``.

    The layout is ``layout`` (a name of :data:`LAYOUTS` or a detected :class:`Layout`), else ``custom`` when both
    ``source`` and ``target`` are given, else detected (:func:`detect_layout`); ``source`` / ``target`` / ``weight``
    override its columns. Every chosen column must exist (matched ignoring case), else the error lists the columns
    found and the layouts known.
    """
    cols = [str(c) for c in columns]
    if isinstance(layout, Layout):
        lay = layout
    elif layout is not None:
        if layout not in LAYOUTS:
            raise BenchmarkError(f"unknown layout {layout!r}; known: {', '.join(LAYOUTS)}")
        lay = LAYOUTS[layout]
        if lay.name == "headerless" and len(cols) < 3:
            lay = Layout("headerless", "0", "1", None)
    elif source and target:
        lay = Layout("custom", source, target, weight)
    else:
        lay = detect_layout(cols, what)
    by_key = {c.lower(): c for c in cols}
    chosen = []
    for role, name in zip(("source", "target", "weight"), (source or lay.source, target or lay.target,
                                                            weight or lay.weight)):
        real = None if name is None else name if name in cols else by_key.get(str(name).lower())
        if name is not None and real is None:
            raise _layout_error(what, cols, f"{role} column {name!r} is not there")
        chosen.append(real)
    return lay, chosen[0], chosen[1], chosen[2]


# --------------------------------------------------------------------------------------------- reading
def read_edge_table(path: Path, fmt: str, *, layout, source, target, weight) -> tuple[pd.DataFrame, dict]:
    """The (source, target, weight) columns of an edge file (renamed so) and what was detected: format, layout,
    separator, the columns found and the ones chosen."""
    what = f"network file {str(path)!r}"
    if fmt == "parquet":
        import pyarrow.parquet as pq  # a core dependency, needed only for this format

        sep, columns = None, pq.read_schema(path).names
    else:
        sep, columns = _sniff(path)
    if layout is None and not (source and target):
        layout = detect_layout(columns, what)
    header = getattr(layout, "name", layout) != "headerless"
    if not header:
        columns = [str(i) for i in range(len(columns))]
    lay, src, tgt, w = resolve_columns(columns, what, layout=layout, source=source, target=target, weight=weight)
    use = [c for c in (src, tgt, w) if c is not None]
    try:
        if fmt == "parquet":
            df = pd.read_parquet(path, columns=use)
        else:
            df = pd.read_csv(path, sep=sep, header=0 if header else None, names=None if header else columns,
                             usecols=use, dtype={src: str, tgt: str}, comment="#",
                             engine="python" if sep == r"\s+" else "c")
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise BenchmarkError(f"could not read {what} as a {lay.name} table: {exc}") from exc
    detected = {"format": fmt, "layout": lay.name, "separator": sep, "columns": list(map(str, columns)),
                "source_column": src, "target_column": tgt, "weight_column": w}
    return standard_columns(df, src, tgt, w), detected


def standard_columns(df: pd.DataFrame, src: str, tgt: str, w: str | None) -> pd.DataFrame:
    """The chosen columns renamed ``source``, ``target`` (and ``weight``)."""
    df = df[[c for c in (src, tgt, w) if c is not None]]
    df.columns = ["source", "target", "weight"][: df.shape[1]]
    return df


