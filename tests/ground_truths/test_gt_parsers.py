"""Parsers of upstream formats that are not obtainable offline, on small files written here in the real layouts.

Each fixture is built at run time in a temporary mirror laid out like ../shared/data, then loaded through the
public API (``GROUND_TRUTHS_LOCAL`` = that mirror), and compared with edges derived by hand from the fixture.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import ground_truths as gt
from ground_truths.sources import gwps


@pytest.fixture
def mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "mirror"
    root.mkdir()
    monkeypatch.setenv("GROUND_TRUTHS_LOCAL", str(root))
    monkeypatch.setenv("GROUND_TRUTHS_CACHE", str(tmp_path / "cache"))
    gt.set_cache_dir(None)
    return root


def _pairs(edges: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(edges["source"], edges["target"]))


# ---------------------------------------------------------------- gwps (figshare 38349308 layout)
def _write_gwps(path: Path) -> None:
    # first column unnamed = responding gene; perturbation columns "<id>_<...>_<GENE>"; BH-adjusted p-values.
    # The second TP53 column duplicates the perturbation name: the loader must keep the FIRST one.
    text = (
        ",1_TP53_P1P2_TP53,2_MYC_P1_MYC,3_GATA1_P2_GATA1,1_TP53_P1P2_TP53\n"
        "CDKN1A,0.001,0.5,0.2,0.9\n"
        "MDM2,0.049,0.05,,0.0\n"
        "TP53,0.0,0.01,0.3,0.5\n"
        "HBG1,0.7,0.6,1e-10,0.001\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt") as handle:
        handle.write(text)


def test_gwps_parser_by_hand(tmp_path):
    path = tmp_path / "gwps.csv.gz"
    _write_gwps(path)
    raw = gwps.parse_pvalue_matrix(path, cutoff=0.05, chunk_rows=2)  # chunking across rows must not matter
    # p < 0.05 (strict), first TP53 column only; MDM2/MYC at exactly 0.05 is not an edge; empty cell = no edge
    expected = {("TP53", "CDKN1A"), ("TP53", "MDM2"), ("TP53", "TP53"), ("MYC", "TP53"), ("GATA1", "HBG1")}
    assert set(zip(raw.source, raw.target)) == expected
    w = dict(zip(zip(raw.source, raw.target), raw.weight))
    assert w[("TP53", "CDKN1A")] == pytest.approx(3.0) and w[("GATA1", "HBG1")] == pytest.approx(10.0)
    assert gwps.perturbed_gene("5_ENSG00000141510_TP53") == "TP53"


def test_gwps_through_registry_cutoff_is_configurable(mirror):
    _write_gwps(mirror / "truths" / "gwps" / "gwps_pvalues.csv.gz")
    edges = gt.load("gwps")
    # self-loop TP53 -> TP53 dropped by the normalisation
    assert _pairs(edges) == {("TP53", "CDKN1A"), ("TP53", "MDM2"), ("MYC", "TP53"), ("GATA1", "HBG1")}
    strict = gt.load("gwps", cutoff=0.005)
    assert _pairs(strict) == {("TP53", "CDKN1A"), ("GATA1", "HBG1")}
    assert edges.attrs["checksum"] != strict.attrs["checksum"] and strict.attrs["cutoff"] == 0.005
    with pytest.raises(ValueError, match="cutoff"):
        gt.load("gwps", cutoff=0)


# ---------------------------------------------------------------- cellmap (NDEx CX2)
def _cx2() -> list:
    return [
        {"CXVersion": "2.0", "hasFragments": False},
        {"metaData": [{"name": "attributeDeclarations", "elementCount": 1}, {"name": "nodes", "elementCount": 5},
                      {"name": "edges", "elementCount": 5}]},
        {"attributeDeclarations": [{
            "nodes": {"name": {"d": "string", "a": "n"}, "represents": {"d": "string"}},
            "edges": {"score": {"d": "double", "v": 0.5}},
            "networkAttributes": {"name": {"d": "string"}, "version": {"d": "string"}},
        }]},
        {"networkAttributes": [{"name": "U2OS cell map PPI", "version": "1.0"}]},
        {"nodes": [{"id": 10, "v": {"n": "TP53"}, "x": 0.0, "y": 1.0},
                   {"id": 11, "v": {"n": "MDM2"}},
                   {"id": 12, "v": {"n": "EP300"}}]},
        {"nodes": [{"id": 13, "v": {"n": "P04637"}},  # a UniProt label: dropped by the ids rule
                   {"id": 14, "v": {"n": "CREBBP"}}]},
        {"edges": [{"id": 0, "s": 10, "t": 11, "v": {"score": 0.9}},
                   {"id": 1, "s": 12, "t": 10},  # score from the declared default 0.5
                   {"id": 2, "s": 11, "t": 10, "v": {"score": 0.7}},  # same pair again: merged, max weight
                   {"id": 3, "s": 13, "t": 14},
                   {"id": 4, "s": 14, "t": 12, "v": {"score": 0.2}}]},
        {"status": [{"error": "", "success": True}]},
    ]


def test_cellmap_cx2_is_parsed_and_expanded(mirror):
    path = mirror / "truths" / "cellmap" / "cellmap.cx2"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(_cx2()))
    edges = gt.load("cellmap", weight_attribute="score")
    undirected = {frozenset(p) for p in [("TP53", "MDM2"), ("EP300", "TP53"), ("CREBBP", "EP300")]}
    assert {frozenset(p) for p in _pairs(edges)} == undirected
    assert len(edges) == 6  # each undirected pair in both directions
    assert all((t, s) in _pairs(edges) for s, t in _pairs(edges))  # symmetric
    w = dict(zip(zip(edges.source, edges.target), edges.weight))
    assert w[("TP53", "MDM2")] == w[("MDM2", "TP53")] == pytest.approx(0.9)
    assert w[("EP300", "TP53")] == pytest.approx(0.5)
    assert edges.attrs["directed"] is False and edges.attrs["expanded"] is True
    assert edges.attrs["network_version"] == "1.0"
    assert edges.attrs["normalisation"]["dropped_uniprot"] == 1
    with pytest.raises(KeyError, match="node_attribute"):
        gt.load("cellmap", node_attribute="GeneSymbol")


def test_cx2_parser_agrees_with_ndex2_reference(tmp_path):
    """ndex2 (the NDEx client) reads the same fixture: our stdlib parser must give the same node labels per edge."""
    ndex_cx2 = pytest.importorskip("ndex2.cx2")
    from ground_truths.sources.cellmap import parse_cx2

    path = tmp_path / "net.cx2"
    path.write_text(json.dumps(_cx2()))
    net = ndex_cx2.CX2Network()
    net.create_from_raw_cx2(_cx2())
    nodes = net.get_nodes()
    reference = [(nodes[e["s"]]["v"]["name"], nodes[e["t"]]["v"]["name"], e["v"]["score"])
                 for _, e in sorted(net.get_edges().items())]
    raw, network = parse_cx2(path, weight_attribute="score")
    assert list(zip(raw.source, raw.target, raw.weight)) == reference
    assert network == net.get_network_attributes()


def test_cellmap_rejects_non_cx2(mirror):
    path = mirror / "truths" / "cellmap" / "cellmap.cx2"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"data": []}))
    with pytest.raises(ValueError, match="CX2"):
        gt.load("cellmap")


# ---------------------------------------------------------------- RF2-PPI interactome (Dryad / humanPPI)
FINAL_COLUMNS = ["Protein1", "Protein2", "Name1", "Name2", "RFprob", "AFprob", "STRING", "Source"]


def _write_interactome(root: Path, scores_text: str) -> None:
    folder = root / "truths" / "interactome"
    folder.mkdir(parents=True, exist_ok=True)
    final80 = pd.DataFrame([
        ["P04637", "Q00987", "TP53", "MDM2", 0.95, 0.8, 999, "known"],
        ["Q09472", "P04637", "EP300", "TP53", 0.75, 0.7, 900, "known"],
        ["P00533", "P62993", "EGFR", "GRB2", 0.72, 0.9, 999, "known"],
    ], columns=FINAL_COLUMNS)
    final90 = final80.iloc[[0]]
    with tarfile.open(folder / "final_predictions.tar.gz", "w:gz") as tar:
        for name, frame in (("final_predictions/final_predictions_80.tsv", final80),
                            ("final_predictions/final_predictions_90.tsv", final90)):
            data = frame.to_csv(sep="\t", index=False).encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    with gzip.open(folder / "RF2-PPI_scores.gz", "wt") as handle:
        handle.write(scores_text)


SCORES_HEADERLESS = (
    "P04637 Q00987 0.95\n"
    "Q09472 P04637 0.75\n"
    "P00533 P62993 0.55\n"
    "P00533 Q00987 0.39\n"
    "A0A000 P04637 0.80\n"  # accession absent from the UniProt->symbol map: dropped
)


def test_interactome_cutoffs_and_symmetry(mirror):
    _write_interactome(mirror, SCORES_HEADERLESS)
    low = gt.load("interactome")
    high = gt.load("interactome-hq")
    assert {frozenset(p) for p in _pairs(low)} == {frozenset(p) for p in
                                                   [("TP53", "MDM2"), ("EP300", "TP53"), ("EGFR", "GRB2")]}
    assert {frozenset(p) for p in _pairs(high)} == {frozenset(p) for p in [("TP53", "MDM2"), ("EP300", "TP53")]}
    for edges in (low, high):
        assert all((t, s) in _pairs(edges) for s, t in _pairs(edges))
        assert edges.attrs["directed"] is False and edges.attrs["expanded"] is True
    assert low.attrs["normalisation"]["dropped_uniprot"] == 1
    w = dict(zip(zip(low.source, low.target), low.weight))
    assert w[("GRB2", "EGFR")] == pytest.approx(0.55)


def test_interactome_scores_with_header_and_final_files(mirror):
    _write_interactome(mirror, "Protein1\tProtein2\tRFprob\nP04637_1\tQ00987_2\t0.9\nP00533\tP62993\t0.3\n")
    edges = gt.load("interactome")
    assert {frozenset(p) for p in _pairs(edges)} == {frozenset(("TP53", "MDM2"))}  # segment suffix stripped
    final90 = gt.load("interactome-hq", file="final90", cutoff=0)
    assert {frozenset(p) for p in _pairs(final90)} == {frozenset(("TP53", "MDM2"))}
    final80 = gt.load("interactome", file="final80", cutoff=0.74)
    assert {frozenset(p) for p in _pairs(final80)} == {frozenset(("TP53", "MDM2")), frozenset(("EP300", "TP53"))}


# ---------------------------------------------------------------- CollecTRI official release, OmniPath service
def test_collectri_official_recipe(mirror):
    path = mirror / "truths" / "collectri" / "CollecTRI_regulons.csv"
    path.parent.mkdir(parents=True)
    pd.DataFrame({
        "source": ["MYC", "AP1", "NFKB", "TP53", "TP53", "SOX2"],
        "target": ["TERT", "MMP1", "NFKBIA", "CDKN1A", "CDKN1A", None],
        "weight": [1, 1, 1, -1, 1, 1],
        "resources": ["ExTRI;CollecTRI"] * 6,
        "references": ["CollecTRI:1"] * 6,
        "sign.decision": ["default"] * 6,
    }).to_csv(path, index=False)
    edges = gt.load("collectri")
    assert edges.attrs["approximation"] is False
    ap1 = {"JUN", "JUNB", "JUND", "FOS", "FOSB", "FOSL1", "FOSL2"}
    nfkb = {"NFKB1", "NFKB2", "RELA", "RELB", "REL"}
    expected = {("MYC", "TERT"), ("TP53", "CDKN1A")} | {(m, "MMP1") for m in ap1} | {(m, "NFKBIA") for m in nfkb}
    assert _pairs(edges) == expected
    sign = dict(zip(zip(edges.source, edges.target), edges.sign))
    assert sign[("TP53", "CDKN1A")] == -1  # decoupler keeps the first of duplicated (source, target)


def test_omnipath_live_service_tsv_parser(tmp_path):
    from ground_truths.sources.omnipath import parse_service_tsv

    path = tmp_path / "interactions.tsv"
    pd.DataFrame({
        "source": ["P01100", "COMPLEX:P01100_P05412", "P04637"],
        "target": ["P01106", "P01106", "Q00987"],
        "source_genesymbol": ["FOS", "FOS_JUN", "TP53"],
        "target_genesymbol": ["MYC", "MYC", "MDM2"],
        "is_directed": [1, 1, 1],
        "consensus_stimulation": [1, 1, 0],
        "consensus_inhibition": [0, 0, 1],
        "type": ["transcriptional"] * 3,
    }).to_csv(path, sep="\t", index=False)
    raw = parse_service_tsv(path)
    assert raw["source"].tolist() == ["FOS", "COMPLEX:FOS_JUN", "TP53"]
    assert raw["sign"].tolist() == [1, 1, -1]
    assert np.all(raw["target"] == ["MYC", "MYC", "MDM2"])


# ---------------------------------------------------------------- end to end through the download path (no network)
class _Served(io.BytesIO):
    def __init__(self, data: bytes):
        super().__init__(data)
        self.headers = {"Content-Length": str(len(data))}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def test_unpinned_download_is_cached_and_keys_the_table(tmp_path, monkeypatch):
    """gwps without a mirror: downloaded once from the figshare URL (served here), then reused; force re-downloads."""
    from ground_truths._store import download as dl

    monkeypatch.delenv("GROUND_TRUTHS_LOCAL", raising=False)
    monkeypatch.setenv("GROUND_TRUTHS_CACHE", str(tmp_path / "cache"))
    gt.set_cache_dir(None)
    fixture = tmp_path / "served.csv.gz"
    _write_gwps(fixture)
    served = []

    def fake_urlopen(url, timeout):
        served.append(url)
        return _Served(fixture.read_bytes())

    monkeypatch.setattr(dl, "_urlopen", fake_urlopen)
    edges = gt.load("gwps")
    assert served == ["https://plus.figshare.com/ndownloader/files/38349308"]
    assert _pairs(edges) == {("TP53", "CDKN1A"), ("TP53", "MDM2"), ("MYC", "TP53"), ("GATA1", "HBG1")}
    md5 = "md5:" + hashlib.md5(fixture.read_bytes()).hexdigest()
    assert edges.attrs["upstream_checksums"] == {"gwps": md5}
    gt.load("gwps", cutoff=0.01)  # other option: new table, same downloaded file
    assert len(served) == 1
    gt.fetch("gwps", force=True)
    assert len(served) == 2


def test_omnipath_live_snapshot_end_to_end(tmp_path, monkeypatch):
    from ground_truths._store import download as dl

    monkeypatch.delenv("GROUND_TRUTHS_LOCAL", raising=False)
    monkeypatch.setenv("GROUND_TRUTHS_CACHE", str(tmp_path / "cache"))
    gt.set_cache_dir(None)
    table = pd.DataFrame({
        "source": ["P01100", "COMPLEX:P01100_P05412", "P04637", "P04637"],
        "target": ["P01106", "P01106", "Q00987", "P04637"],
        "source_genesymbol": ["FOS", "FOS_JUN", "TP53", "TP53"],
        "target_genesymbol": ["MYC", "MYC", "MDM2", "TP53"],
        "consensus_stimulation": [1, 0, 0, 1],
        "consensus_inhibition": [0, 1, 1, 0],
        "type": ["transcriptional", "transcriptional", "post_translational", "transcriptional"],
    }).to_csv(sep="\t", index=False).encode()
    urls = []
    monkeypatch.setattr(dl, "_urlopen", lambda url, timeout: (urls.append(url), _Served(table))[1])
    edges = gt.load("omnipath-tf", snapshot="live")
    assert urls[0].startswith("https://omnipathdb.org/interactions?") and "genesymbols=yes" in urls[0]
    # FOS->MYC twice (+1 direct, -1 via the FOS_JUN complex): merged with sign 0; JUN->MYC from the complex;
    # TP53->MDM2 is post-translational (not in -tf); TP53->TP53 is a self-loop
    assert dict(zip(zip(edges.source, edges.target), edges.sign)) == {("FOS", "MYC"): 0, ("JUN", "MYC"): -1}
