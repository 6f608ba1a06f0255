"""DoRothEA TF regulons (``dorothea``), confidence levels A-C by default.

Upstream: GitHub saezlab/dorothea commit 1461fb75e23e110c2281860526d4333920925282 (package 1.7.4),
``data/dorothea_hs.rda`` (md5 a9a97e72cf884a52ade6b0dd05e81afb) / ``data/dorothea_mm.rda`` (md5 031e1937...),
converted verbatim to TSV.gz in the shared mirror (``truths/dorothea/dorothea_{hs,mm}.tsv.gz``, md5 7f035bc4... /
1d14db25...), columns ``tf``, ``confidence`` (A-E), ``target``, ``mor`` (+1/-1). Reading ``.rda`` needs the
optional ``rdata`` package, so without the mirror the table comes from decoupler (``snapshot="decoupler"``:
``decoupler.op.dorothea(organism, levels)``, ``pip install "grnsuite[online]"``; its version and a sha256 of its
table go to ``attrs["upstream"]`` and the cache manifest) or from the OmniPath web service (``snapshot="live"``:
``datasets=dorothea&dorothea_levels=A,B,C``, parsed by :func:`ground_truths.sources.omnipath.parse_service_tsv`).
``snapshot="auto"`` (default): the pinned mirror TSV when the mirror has it (as before), else decoupler when
installed, else the pinned TSV (an error naming the fixes).

Options: ``levels`` (string of letters, default ``"ABC"`` as decoupler), ``organism`` (``human``/``mouse``).
Rules: sign = mor; evidence = ``dorothea:<level>``; symbols via the ids rule; self-loops dropped; duplicates merged.
Licence note: regulons CC BY-NC 4.0 (non-commercial) per the repository's LICENSE_data.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..ids import check_organism
from .._store import Resource, local_root
from ..registry import TruthSpec, register
from . import _online
from .omnipath import live_resource, parse_service_tsv

COMMIT = "1461fb75e23e110c2281860526d4333920925282"
FILES = {
    "human": ("dorothea_hs.tsv.gz", "7f035bc480b5186913f2eb72ee223865"),
    "mouse": ("dorothea_mm.tsv.gz", "1d14db25ffe0f38955fd8b090ce1eeaf"),
}


def _levels(levels: str) -> list[str]:
    letters = sorted(set(str(levels).upper()))
    if not letters or set(letters) - set("ABCDE"):
        raise ValueError(f"levels must be letters among A-E (e.g. 'ABC'), got {levels!r}")
    return letters


def _snapshot_resource(org: str) -> Resource:
    fname, md5 = FILES[org]
    return Resource(
        key=f"dorothea-{org}",
        url=None,
        checksum=f"md5:{md5}",
        local_path=f"truths/dorothea/{fname}",
        note=f"Upstream: https://github.com/saezlab/dorothea/raw/{COMMIT}/data/{fname.replace('.tsv.gz', '.rda')} "
             "(R data; convert with the 'rdata' package), or use snapshot='decoupler' (pip install "
             "\"grnsuite[online]\") or snapshot='live'.",
    )


def mode_of(snapshot: str, organism: str) -> str:
    """``"dorothea-1.7.4"`` (pinned TSV), ``"decoupler"`` or ``"live"`` for option ``snapshot``."""
    if snapshot in ("dorothea-1.7.4", "decoupler", "live"):
        return snapshot
    if snapshot != "auto":
        raise ValueError(f"snapshot must be 'auto', 'dorothea-1.7.4', 'decoupler' or 'live', got {snapshot!r}")
    root = local_root()
    if root is not None and (root / _snapshot_resource(check_organism(organism)).local_path).is_file():
        return "dorothea-1.7.4"
    return "decoupler" if _online.available("decoupler") else "dorothea-1.7.4"


def fetch_decoupler(organism: str, letters: list[str]) -> tuple[pd.DataFrame, dict]:
    """DoRothEA through decoupler -> (raw edges, provenance). decoupler serves levels A-D only."""
    if "E" in letters:
        raise ValueError("decoupler serves DoRothEA levels A-D only; drop 'E' or use snapshot='dorothea-1.7.4'")
    dc = _online.client("decoupler", "ground_truths.load('dorothea') online")
    with _online.reaching("ground_truths.load('dorothea')"):
        frame = dc.op.dorothea(organism=organism, levels=letters)
    raw = pd.DataFrame({
        "source": frame["source"].astype(str).to_numpy(),
        "target": frame["target"].astype(str).to_numpy(),
        "sign": np.sign(pd.to_numeric(frame["weight"], errors="coerce").fillna(0)).astype(np.int8).to_numpy(),
        "evidence": ("dorothea:" + frame["confidence"].astype(str)).to_numpy(),
    })
    query = f"decoupler.op.dorothea(organism={organism!r}, levels={letters})"
    return raw, _online.frame_provenance(frame, dc, query=query)


def _resources(opts: dict) -> list[Resource]:
    org = check_organism(opts["organism"])
    _levels(opts["levels"])
    how = mode_of(opts["snapshot"], org)
    if how == "decoupler":
        return []  # decoupler's table is fetched in build; the cache entry is keyed by the options
    if how == "live":
        if org != "human":
            raise ValueError("snapshot='live' DoRothEA is human only here; use the mirror snapshot for mouse")
        lv = ",".join(_levels(opts["levels"]))
        return [live_resource("dorothea", f"&dorothea_levels={lv}&fields=dorothea_level", key="dorothea-live")]
    return [_snapshot_resource(org)]


def parse_tsv(path: Path, levels: list[str]) -> pd.DataFrame:
    frame = pd.read_csv(path, sep="\t", dtype={"tf": str, "target": str, "confidence": str})
    frame = frame.loc[frame["confidence"].isin(levels)]
    return pd.DataFrame({
        "source": frame["tf"].to_numpy(),
        "target": frame["target"].to_numpy(),
        "sign": np.sign(frame["mor"].fillna(0)).astype(np.int8).to_numpy(),
        "evidence": ("dorothea:" + frame["confidence"]).to_numpy(),
    })


def build(paths: dict[str, Path], levels: str, organism: str, snapshot: str) -> tuple[pd.DataFrame, dict]:
    letters = _levels(levels)
    how = mode_of(snapshot, organism)
    if how == "decoupler":
        raw, upstream = fetch_decoupler(check_organism(organism), letters)
        return raw, {"levels": "".join(letters), "mode": how, "upstream": upstream}
    if how == "live":
        raw = parse_service_tsv(paths["dorothea-live"])
        if "level" in raw:
            raw = raw.loc[raw["level"].isin(letters)]
            raw["evidence"] = "dorothea:" + raw.pop("level")
    else:
        raw = parse_tsv(paths[f"dorothea-{check_organism(organism)}"], letters)
    return raw, {"levels": "".join(letters), "mode": how}


register(
    TruthSpec(
        name="dorothea",
        description="DoRothEA TF regulons (confidence A-C by default)",
        url=f"https://github.com/saezlab/dorothea/tree/{COMMIT}/data",
        version="dorothea 1.7.4",
        organism=lambda o: check_organism(o["organism"]),
        directed=True,
        resources=_resources,
        build=build,
        defaults={"levels": "ABC", "organism": "human", "snapshot": "auto"},
        citation="Garcia-Alonso L et al. (2019) Genome Res 29:1363",
    )
)
