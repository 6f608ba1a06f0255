"""BEELINE reference networks (``beeline-*``) and the THP1 refNetwork (``beeline-thp1``).

Upstream: Pratapa et al. 2020 (Nat Methods 17:147), BEELINE-Networks (originally Zenodo 3701939), here the copies in
GitHub Murali-group/Beeline branch ``pytorch`` commit acc7ffc18c2fe0b8225f8916d0a867393e780611
(``inputs/...`` added in 13c8593d), mirrored under ``truths/beeline/``; md5 pinned per file.
Format: CSV with header ``Gene1,Gene2[,Score]`` (regulator, target), UPPER-CASE symbols even for mouse.

``beeline-thp1``: ``inputs/datasets/human/THP1/refNetwork.csv`` of branch ``parameter-search`` commit 4869e58f
(``Gene1,Gene2,Type``; Type ``+``/``-`` -> sign), shipped with the package (matched dataset ``thp1``).

Rules: kept directed as listed (Gene1 -> Gene2, the orientation BEELINE evaluates them in), ``Score`` -> weight
when present; mouse symbols are re-cased by the ids rule (``POU5F1`` -> ``Pou5f1``); self-loops dropped; duplicates
merged (the STRING files list every row twice).
Protocol ``beeline`` (as BEELINE's early-precision code): regulators with at least one edge x the genes of the truth
network. Contexts: HepG2 ChIP -> HepG2, mESC LOF/GOF -> embryonic stem cell, mDC ChIP -> dendritic cell, THP1 ->
THP-1; STRING and non-specific ChIP -> none.
Missing upstream networks (not in the mirror): hESC ChIP-seq, human non-specific ChIP, mESC ChIP, mHSC ChIP.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .._store import Resource
from ..protocols import CELLS
from ..registry import TruthSpec, register

COMMIT = "acc7ffc18c2fe0b8225f8916d0a867393e780611"
THP1_COMMIT = "4869e58fcee010722346a20e97ed7c75c20166a0"
RAW = "https://raw.githubusercontent.com/Murali-group/Beeline/{commit}/{path}"

# name -> (file in truths/beeline, md5, organism, description)
NETWORKS = {
    "beeline-string-human": ("human_STRING-network.csv", "5b6fb382408700c14716c4fa1f9a7d84", "human",
                             "BEELINE human STRING functional network"),
    "beeline-string-mouse": ("mouse_STRING-network.csv", "c5ad168b7a4f5a250f281ba04205a7ab", "mouse",
                             "BEELINE mouse STRING functional network"),
    "beeline-chip-hepg2": ("human_HepG2-ChIP-seq-network.csv", "ee5d661791ee827fbe5fc57d1553cc23", "human",
                           "BEELINE HepG2 cell-type-specific ChIP-seq network"),
    "beeline-lofgof-mesc": ("mouse_mESC-lofgof-network.csv", "370077c74bd753b623126b72cf646e27", "mouse",
                            "BEELINE mESC loss/gain-of-function network"),
    "beeline-chip-mdc": ("mouse_mDC-ChIP-seq-network.csv", "7f2633200ae36746f9b65032cd560d82", "mouse",
                         "BEELINE mouse dendritic cell ChIP-seq network (with Score)"),
    "beeline-chip-mouse": ("mouse_Non-Specific-ChIP-seq-network.csv", "aa885506cbba296cf8a56517ff95fe89", "mouse",
                           "BEELINE mouse non-specific ChIP-seq network"),
}


def parse_network(path: Path) -> pd.DataFrame:
    """BEELINE ``Gene1,Gene2[,Score|Type]`` CSV -> raw edges."""
    frame = pd.read_csv(path, dtype={"Gene1": str, "Gene2": str})
    if not {"Gene1", "Gene2"} <= set(frame.columns):
        raise ValueError(f"{path} is not a BEELINE network: columns {list(frame.columns)}")
    raw = pd.DataFrame({"source": frame["Gene1"].to_numpy(), "target": frame["Gene2"].to_numpy()})
    if "Score" in frame:
        raw["weight"] = pd.to_numeric(frame["Score"], errors="coerce").to_numpy()
    if "Type" in frame:
        raw["sign"] = frame["Type"].astype(str).str.strip().map({"+": 1, "-": -1}).fillna(0).astype(int).to_numpy()
    return raw


# cells each BEELINE network was measured in (STRING and the non-specific ChIP collection are context-free)
CONTEXTS = {"beeline-chip-hepg2": CELLS["HepG2"], "beeline-lofgof-mesc": CELLS["ESC"], "beeline-chip-mdc": CELLS["mDC"]}


def _register(name: str, fname: str, md5: str, organism: str, desc: str) -> None:
    res = Resource(
        key=name,
        url=RAW.format(commit=COMMIT, path=f"inputs/BEELINE-Networks/Networks/{organism}/{fname}"),
        checksum=f"md5:{md5}",
        local_path=f"truths/beeline/{fname}",
        note="BEELINE-Networks (Zenodo 3701939, BEELINE-Networks.zip); the raw GitHub path is the best known location "
             "and was not verifiable offline (the pinned md5 protects against a wrong file).",
    )

    def build(paths: dict[str, Path]) -> pd.DataFrame:
        return parse_network(paths[name]).assign(evidence=name)

    register(TruthSpec(
        name=name, description=desc, url="https://doi.org/10.5281/zenodo.3701939",
        version=f"Beeline@{COMMIT[:8]}", organism=organism, directed=True,
        resources=lambda o, r=res: [r], build=build, defaults={},
        citation="Pratapa A et al. (2020) Nat Methods 17:147",
        protocol="beeline", context=CONTEXTS.get(name, {"cell_line": None, "cell_type": None}),
    ))


for _name, (_f, _md5, _org, _desc) in NETWORKS.items():
    _register(_name, _f, _md5, _org, _desc)

THP1 = Resource(
    key="beeline-thp1",
    url=RAW.format(commit=THP1_COMMIT, path="inputs/datasets/human/THP1/refNetwork.csv"),
    checksum="md5:5cf6c7af9e2ebbbdcdf3d7d1bd3bb51d",
    local_path="expression/beeline/THP1/refNetwork.csv",
    package_file="THP1_refNetwork.csv",
)

register(TruthSpec(
    name="beeline-thp1",
    description="BEELINE THP1 reference network (signed, 335 edges among 45 TFs)",
    url=THP1.url,
    version=f"Beeline@{THP1_COMMIT[:8]}",
    organism="human",
    directed=True,
    resources=lambda o: [THP1],
    build=lambda paths: parse_network(paths[THP1.key]).assign(evidence="beeline-thp1"),
    defaults={},
    citation="Pratapa A et al. (2020) Nat Methods 17:147",
    protocol="beeline",
    context=CELLS["THP-1"],
))
