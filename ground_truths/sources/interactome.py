"""RF2-PPI predicted human protein interactome (``interactome`` cut at 0.4, ``interactome-hq`` cut at 0.7).

Upstream: Zhang J et al. (2025) "Predicting protein-protein interactions in the human proteome" (Science), data on
Dryad doi:10.5061/dryad.15dv41p84 (Sep 16, 2025 version) and the lab's humanPPI site
(http://prodata.swmed.edu/humanPPI/bulk_download, mirror https://conglab.swmed.edu/humanPPI/downloads/):

- ``RF2-PPI_scores.gz`` (443.5 MB): RF2-PPI score of every screened pair (~190 M pairs). Column names could not be
  checked offline; the parser accepts a header naming two protein columns and a score column (``Protein1``,
  ``Protein2``, ``RFprob``/``score``/...) or a headerless whitespace table ``id1 id2 ... score`` (score = last
  column). Ids are UniProt accessions (an optional ``_segment`` suffix is stripped).
- ``final_predictions.tar.gz`` (14.1 MB): ``final_predictions_80.tsv`` / ``final_predictions_90.tsv`` (expected
  precision 80% / 90%), tab-separated with columns ``Protein1``, ``Protein2`` (UniProt), ``Name1``, ``Name2``
  (gene symbols), ``RFprob``, ``AFprob``, ... It provides the UniProt -> symbol map used for the scores file.

No checksum is pinned (not obtainable offline): the first download's checksum is recorded and keys the cache.
Mirror paths: ``truths/interactome/RF2-PPI_scores.gz`` and ``truths/interactome/final_predictions.tar.gz``.

Options: ``file`` = ``"scores"`` (default; the scPRINT-2 recipe: pairs with score >= cutoff) or ``"final80"`` /
``"final90"`` (published high-confidence pairs; ``cutoff`` then applies to ``RFprob``, default 0 = keep all);
``cutoff`` (0.4 for ``interactome``, 0.7 for ``interactome-hq``).

Rules: undirected -> expanded to both directions; weight = score; ids without a symbol (UniProt accessions absent
from the final-predictions map) are dropped and counted; self-interactions (homodimers) dropped.
"""
from __future__ import annotations

import io
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd

from ..ids import UNIPROT_RE
from .._store import Resource
from ..registry import TruthSpec, register

SITE = "https://conglab.swmed.edu/humanPPI/downloads"
SCORES = Resource(key="rf2ppi-scores", url=f"{SITE}/RF2-PPI_scores.gz", checksum=None,
                  local_path="truths/interactome/RF2-PPI_scores.gz",
                  note="Dryad doi:10.5061/dryad.15dv41p84 file RF2-PPI_scores.gz (443.5 MB).")
FINAL = Resource(key="rf2ppi-final", url=f"{SITE}/final_predictions.tar.gz", checksum=None,
                 local_path="truths/interactome/final_predictions.tar.gz",
                 note="Dryad doi:10.5061/dryad.15dv41p84 file final_predictions.tar.gz (14.1 MB).")

_ID_COLS = (("protein1", "protein2"), ("proteina", "proteinb"), ("uniprot1", "uniprot2"), ("id1", "id2"))
_SCORE_COLS = ("rfprob", "rf2-ppi", "rf2_ppi", "rf2ppi", "score", "prob", "probability")


def read_final_predictions(path: Path, which: str = "80") -> pd.DataFrame:
    """Read ``final_predictions_<which>.tsv`` from the tar.gz (or a plain TSV path)."""
    if tarfile.is_tarfile(path):
        with tarfile.open(path) as tar:
            member = next((m for m in tar.getmembers() if m.name.endswith(f"final_predictions_{which}.tsv")), None)
            if member is None:
                names = [m.name for m in tar.getmembers()]
                raise KeyError(f"final_predictions_{which}.tsv not in {path}: {names}")
            data = tar.extractfile(member).read()
        frame = pd.read_csv(io.BytesIO(data), sep="\t", dtype=str)
    else:
        frame = pd.read_csv(path, sep="\t", dtype=str)
    missing = {"Protein1", "Protein2", "Name1", "Name2"} - set(frame.columns)
    if missing:
        raise ValueError(f"{path}: final predictions lack columns {sorted(missing)}; have {list(frame.columns)}")
    return frame


def uniprot_to_symbol(final: pd.DataFrame) -> dict[str, str]:
    ids = pd.concat([final["Protein1"], final["Protein2"]], ignore_index=True)
    names = pd.concat([final["Name1"], final["Name2"]], ignore_index=True)
    ok = ids.notna() & names.notna()
    return dict(zip(ids[ok].str.strip(), names[ok].str.strip()))


def _strip_segment(ids: pd.Series) -> pd.Series:
    base = ids.astype(str).str.strip().str.split(r"[_.]", n=1, regex=True).str[0]
    return base.where(base.str.match(UNIPROT_RE.pattern), ids.astype(str).str.strip())


def _columns(header: list[str]) -> tuple[int, int, int] | None:
    lower = [h.strip().lower() for h in header]
    for a, b in _ID_COLS:
        if a in lower and b in lower:
            score = next((lower.index(s) for s in _SCORE_COLS if s in lower), None)
            if score is None:
                raise ValueError(f"no score column among {header}; expected one of {_SCORE_COLS}")
            return lower.index(a), lower.index(b), score
    return None


def parse_scores(path: Path, cutoff: float, id_map: dict[str, str], *, chunk_rows: int = 2_000_000) -> pd.DataFrame:
    """RF2-PPI scores table -> raw undirected pairs with score >= cutoff, ids mapped to symbols when known."""
    with open(path, "rb") as probe:
        gz = probe.read(2) == b"\x1f\x8b"
    head = pd.read_csv(path, sep=r"\s+", nrows=1, header=None, dtype=str, compression="gzip" if gz else None)
    first = head.iloc[0].tolist()
    cols = _columns(first)
    if cols is None:
        try:
            float(first[-1])
        except ValueError as err:
            raise ValueError(f"{path}: cannot find protein/score columns in first line {first}") from err
        cols, header = (0, 1, len(first) - 1), None
    else:
        header = 0
    names = list(cols) if header is None else [first[i] for i in cols]
    out = []
    reader = pd.read_csv(path, sep=r"\s+", header=header, usecols=list(cols), dtype=str, chunksize=chunk_rows,
                    compression="gzip" if gz else None)
    for chunk in reader:
        a, b, s = (chunk[name] for name in names)
        score = pd.to_numeric(s, errors="coerce").to_numpy()
        keep = score >= cutoff
        if not keep.any():
            continue
        ida, idb = _strip_segment(a[keep]), _strip_segment(b[keep])
        out.append(pd.DataFrame({
            "source": ida.map(lambda x: id_map.get(x, x)).to_numpy(),
            "target": idb.map(lambda x: id_map.get(x, x)).to_numpy(),
            "weight": score[keep],
        }))
    if not out:
        return pd.DataFrame({"source": [], "target": [], "weight": []})
    return pd.concat(out, ignore_index=True)


def _resources(opts: dict) -> list[Resource]:
    if opts["file"] == "scores":
        return [SCORES, FINAL]
    if opts["file"] in ("final80", "final90"):
        return [FINAL]
    raise ValueError(f"file must be 'scores', 'final80' or 'final90', got {opts['file']!r}")


def build(paths: dict[str, Path], cutoff: float, file: str) -> tuple[pd.DataFrame, dict]:
    if file == "scores":
        id_map = uniprot_to_symbol(read_final_predictions(paths[FINAL.key], "80"))
        raw = parse_scores(paths[SCORES.key], cutoff, id_map)
    else:
        final = read_final_predictions(paths[FINAL.key], file[-2:])
        prob = pd.to_numeric(final.get("RFprob", pd.Series(np.nan, index=final.index)), errors="coerce")
        keep = (prob >= cutoff).to_numpy() | (cutoff <= 0)
        raw = pd.DataFrame({"source": final["Name1"].to_numpy()[keep], "target": final["Name2"].to_numpy()[keep],
                            "weight": prob.to_numpy()[keep]})
    raw["evidence"] = f"rf2-ppi:{file}"
    return raw, {"cutoff": cutoff, "file": file}


for _name, _cut in (("interactome", 0.4), ("interactome-hq", 0.7)):
    register(TruthSpec(
        name=_name,
        description=f"RF2-PPI predicted human PPI, score >= {_cut} (undirected, expanded to both directions)",
        url="https://doi.org/10.5061/dryad.15dv41p84",
        version="Dryad 2025-09-16",
        organism="human",
        directed=False,
        resources=_resources,
        build=build,
        defaults={"cutoff": _cut, "file": "scores"},
        citation="Zhang J et al. (2025) Science, RoseTTAFold2-PPI human interactome",
        protocol="interaction",
    ))
