"""CollecTRI signed TF -> target regulons (``collectri``).

Upstream (official, ``release="official"``)
    Zenodo record 8192729, file ``CollecTRI_regulons.csv``
    (https://zenodo.org/records/8192729/files/CollecTRI_regulons.csv), the file ``decoupler.op.collectri`` downloads.
    Pinned sha256 4473c918...668701 (4,345,649 bytes, as recorded by an independent public manifest; verified on
    download). Columns: ``source``, ``target``, ``weight`` (+1/-1), ``resources``, ``references``, ``sign.decision``.
    Recipe = decoupler's: drop rows with missing values, drop duplicated (source, target).
    Complexes: the official file lists the AP-1 and NF-kB complexes as sources ``AP1`` and ``NFKB``; we split them
    into their members (AP1 -> JUN, JUNB, JUND, FOS, FOSB, FOSL1, FOSL2; NFKB -> NFKB1, NFKB2, RELA, RELB, REL), the
    members decoupler lists for them, consistent with the ``complexes="split"`` rule of every truth.

Offline approximation (``release="approx"``)
    ``truths/collectri_approx/collectri_subset_from_omnipath.tsv.gz`` of the shared data (md5 a286b4e3...):
    transcriptional OmniPath rows tagged CollecTRI, weight -1 if consensus inhibition else +1. It is NOT the official
    release (complex handling and sign rules differ): ``attrs["approximation"] = True`` and the description says so.
    ``COMPLEX:`` sources are split into members; UniProt members dropped.

Online through decoupler (``release="decoupler"``)
    ``decoupler.op.collectri(organism="human", remove_complexes=False)`` (``pip install "grnsuite[online]"``): the
    same Zenodo file as read and cleaned by decoupler (not checksum-verified by it); decoupler's version and a
    sha256 of its table are recorded in ``attrs["upstream"]`` and the cache manifest.

``release="auto"`` (default): the official file when it is already available (mirror path
``truths/collectri/CollecTRI_regulons.csv`` or a previous verified download), else the approximation when the
mirror has it (offline, as before; ``attrs["approximation"]`` says so), else decoupler when it is installed, else
download the official file (pinned sha256).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..ids import split_complexes
from .._store import Resource, local_root, locate
from ..registry import TruthSpec, register
from . import _online

OFFICIAL = Resource(
    key="collectri-official",
    url="https://zenodo.org/records/8192729/files/CollecTRI_regulons.csv?download=1",
    checksum="sha256:4473c9189dd53dacc80297709ad1452dda1086a1cc2185f9a56146c261668701",
    local_path="truths/collectri/CollecTRI_regulons.csv",
)
APPROX = Resource(
    key="collectri-approx",
    url=None,
    checksum="md5:a286b4e39b8e8313f9d6647a069058dd",
    local_path="truths/collectri_approx/collectri_subset_from_omnipath.tsv.gz",
    note="Derived from the OmniPath snapshot; only in the local mirror.",
)

COMPLEX_MEMBERS = {
    "AP1": ["JUN", "JUNB", "JUND", "FOS", "FOSB", "FOSL1", "FOSL2"],
    "NFKB": ["NFKB1", "NFKB2", "RELA", "RELB", "REL"],
}


def parse_official(path: Path) -> pd.DataFrame:
    """Official CollecTRI_regulons.csv -> raw edges (complex sources AP1/NFKB split into members)."""
    frame = pd.read_csv(path, dtype={"source": str, "target": str})
    try:
        return parse_official_frame(frame)
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None


def parse_official_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """CollecTRI regulons (the Zenodo CSV, or decoupler's table of it) -> raw edges (AP1/NFKB split)."""
    missing = {"source", "target", "weight"} - set(frame.columns)
    if missing:
        raise ValueError(f"not CollecTRI_regulons.csv: missing columns {sorted(missing)}")
    frame = frame.dropna(subset=["source", "target", "weight"]).drop_duplicates(["source", "target"])
    members = frame["source"].map(COMPLEX_MEMBERS)
    frame = frame.assign(source=members.where(members.notna(), frame["source"])).explode("source", ignore_index=True)
    return pd.DataFrame({
        "source": frame["source"].to_numpy(),
        "target": frame["target"].to_numpy(),
        "sign": np.sign(pd.to_numeric(frame["weight"], errors="coerce").fillna(0)).astype(np.int8).to_numpy(),
        "evidence": "collectri",
    })


def parse_approx(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, sep="\t", dtype={"source": str, "target": str})
    raw = pd.DataFrame({
        "source": frame["source"].to_numpy(),
        "target": frame["target"].to_numpy(),
        "sign": np.sign(pd.to_numeric(frame["weight"], errors="coerce").fillna(0)).astype(np.int8).to_numpy(),
        "evidence": "collectri-approx",
    })
    # complexes are split into members (members that are UniProt accessions are then dropped by the ids rule)
    raw, _ = split_complexes(raw, "source")
    raw, _ = split_complexes(raw, "target")
    return raw


def fetch_decoupler() -> tuple[pd.DataFrame, dict]:
    """CollecTRI through decoupler -> (raw edges, provenance)."""
    dc = _online.client("decoupler", "ground_truths.load('collectri') online")
    with _online.reaching("ground_truths.load('collectri')"):
        frame = dc.op.collectri(organism="human", remove_complexes=False)
    query = "decoupler.op.collectri(organism='human', remove_complexes=False)"
    return parse_official_frame(frame), _online.frame_provenance(frame, dc, query=query)


def _choose(release: str) -> Resource | None:
    """The file behind ``release``, or None for decoupler's table."""
    if release == "official":
        return OFFICIAL
    if release == "approx":
        return APPROX
    if release == "decoupler":
        return None
    if release != "auto":
        raise ValueError(f"release must be 'auto', 'official', 'approx' or 'decoupler', got {release!r}")
    if locate(OFFICIAL) is not None:
        return OFFICIAL
    root = local_root()
    if root is not None and (root / APPROX.local_path).is_file():
        return APPROX
    return None if _online.available("decoupler") else OFFICIAL


def build(paths: dict[str, Path], release: str) -> tuple[pd.DataFrame, dict]:
    res = _choose(release)
    if res is None:
        raw, upstream = fetch_decoupler()
        return raw, {"approximation": False, "release": "zenodo-8192729 via decoupler", "upstream": upstream}
    if res is OFFICIAL:
        return parse_official(paths[OFFICIAL.key]), {"approximation": False, "release": "zenodo-8192729"}
    extra = {
        "approximation": True,
        "release": "omnipath-collectri-subset",
        "description": "APPROXIMATION of CollecTRI: transcriptional OmniPath rows tagged CollecTRI (not Zenodo 8192729)",
    }
    return parse_approx(paths[APPROX.key]), extra


register(
    TruthSpec(
        name="collectri",
        description="CollecTRI signed TF regulons (Müller-Dott et al. 2023)",
        url="https://zenodo.org/records/8192729",
        version="Zenodo 8192729 (v2.0) or OmniPath-derived approximation, see attrs['approximation']",
        organism="human",
        directed=True,
        resources=lambda o: [r for r in (_choose(o["release"]),) if r is not None],
        build=build,
        defaults={"release": "auto"},
        citation="Müller-Dott S et al. (2023) Nucleic Acids Res 51:10934",
    )
)
