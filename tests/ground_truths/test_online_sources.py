"""OmniPath / CollecTRI / DoRothEA through their clients (omnipath, decoupler) on recorded responses, no network;
and the offline paths on the real snapshots of the shared data."""
from __future__ import annotations

import io
import urllib.response
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import ground_truths as gt
from ground_truths._store import download as dl
from ground_truths.ids import map_alternative_ids
from ground_truths.normalize import finalize
from ground_truths.sources import _online, collectri, dorothea, omnipath

# OmniPath web-service TSV (interactions?genesymbols=1), the layout both the client and our parser read
INTERACTIONS = pd.DataFrame({
    "source": ["P01100", "COMPLEX:P01100_P05412", "P04637", "Q01860", "P49757", "P04637"],
    "target": ["P01106", "P01106", "Q00987", "P48431", "Q9Y6Q9", "P04637"],
    "source_genesymbol": ["FOS", "FOS_JUN", "TP53", "OCT4", "P49757", "TP53"],  # OCT4: alias; P49757: no symbol
    "target_genesymbol": ["MYC", "MYC", "MDM2", "SOX2", "NCOA3", "TP53"],
    "is_directed": [1, 1, 1, 1, 1, 1],
    "is_stimulation": [1, 0, 0, 1, 1, 1],
    "is_inhibition": [0, 1, 1, 0, 0, 0],
    "consensus_direction": [1, 1, 1, 1, 1, 1],
    "consensus_stimulation": [1, 0, 0, 1, 1, 1],
    "consensus_inhibition": [0, 1, 1, 0, 0, 0],
    "curation_effort": [3, 1, 5, 2, 1, 1],
    "references": ["SIGNOR:1", "SIGNOR:2", "TRIP:3", "DoRothEA:4", "SIGNOR:5", "SIGNOR:6"],
    "sources": ["SIGNOR", "SIGNOR", "TRIP", "DoRothEA", "SIGNOR", "SIGNOR"],
    "type": ["transcriptional", "transcriptional", "post_translational", "transcriptional", "post_translational",
             "transcriptional"],
})
DOROTHEA = INTERACTIONS.iloc[[0, 2, 3]].assign(dorothea_level=["A", "B", "C"], type="transcriptional")
COLLECTRI = pd.DataFrame({  # Zenodo 8192729 CollecTRI_regulons.csv layout
    "source": ["MYC", "TP53", "AP1", "SOX2", "TP53"], "target": ["TERT", "MDM2", "MMP1", "NANOG", "MDM2"],
    "weight": [1, 1, 1, -1, 1], "resources": ["ExTRI;CollecTRI"] * 5,
    "references": ["CollecTRI:1", "CollecTRI:2", "CollecTRI:3", "CollecTRI:4", "CollecTRI:5"],
    "sign.decision": ["default activation", "PMID", "PMID", "PMID", "PMID"],
})


def _tsv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(sep="\t", index=False).encode()


@pytest.fixture
def offline(tmp_path, monkeypatch):
    """No mirror, an empty cache."""
    monkeypatch.delenv("GROUND_TRUTHS_LOCAL", raising=False)
    monkeypatch.setenv("GROUND_TRUTHS_CACHE", str(tmp_path / "cache"))
    gt.set_cache_dir(None)
    yield tmp_path
    gt.set_cache_dir(None)


@pytest.fixture
def recorded(monkeypatch):
    """Serve recorded responses at the requests transport (what both clients use): {url fragment: bytes}."""
    requests = pytest.importorskip("requests")
    monkeypatch.setenv("OMNIPATH_AUTOLOAD", "0")  # before any import of the client: no queries at import
    routes: dict[str, bytes] = {}
    seen: list[str] = []

    def send(self, request, **kwargs):
        seen.append(request.url)
        body = next((data for key, data in routes.items() if key in request.url), None)
        response = requests.models.Response()
        response.status_code = 200 if body is not None else 404
        response._content = body if body is not None else b"not recorded"
        response._content_consumed = True
        response.headers["Content-Length"] = str(len(response._content))
        response.url, response.request, response.raw = request.url, request, io.BytesIO(response._content)
        return response

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", send)
    return routes, seen


def _same_edges(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))


def test_omnipath_client_equals_the_service_parser(offline, recorded, monkeypatch):
    pytest.importorskip("omnipath")
    routes, seen = recorded
    routes["omnipathdb.org/interactions"] = _tsv(INTERACTIONS)
    client = gt.load("omnipath", snapshot="client")
    assert client.attrs["mode"] == "client" and client.attrs["upstream"]["client"] == "omnipath"
    request = next(u for u in seen if "omnipathdb.org/interactions" in u)
    assert "genesymbols=1" in request or "genesymbols=yes" in request
    assert "small_molecule" not in request and "lncrna_mrna" not in request and "datasets=" in request
    # the same recorded bytes through our own downloader and parse_service_tsv
    monkeypatch.setattr(dl, "_urlopen", lambda url, timeout: _Body(_tsv(INTERACTIONS)))
    service = gt.load("omnipath", snapshot="live")
    _same_edges(client, service)
    # expected by hand: OCT4 -> POU5F1 (alias), FOS_JUN complex split, P49757 (NUMB) mapped by UniProt, loop gone
    pairs = set(zip(client["source"], client["target"]))
    assert pairs == {("FOS", "MYC"), ("JUN", "MYC"), ("TP53", "MDM2"), ("POU5F1", "SOX2"), ("NUMB", "NCOA3")}
    assert client.attrs["id_mapping"] == {"source_alias": 1, "source_uniprot": 1}


def test_omnipath_client_provenance_is_recorded_and_cached(offline, recorded):
    pytest.importorskip("omnipath")
    routes, seen = recorded
    routes["omnipathdb.org/interactions"] = _tsv(INTERACTIONS)
    first = gt.load("omnipath")  # auto: no mirror, client installed -> client
    n_requests = len(seen)
    again = gt.load("omnipath")
    assert len(seen) == n_requests  # served from the verified cache
    assert again.attrs["upstream"] == first.attrs["upstream"] and first.attrs["mode"] == "client"
    manifest = gt.info("omnipath")
    assert manifest["options"]["snapshot"] == "auto"
    routes["omnipathdb.org/interactions"] = _tsv(INTERACTIONS.iloc[:5])
    gt.fetch("omnipath", force=True)
    refreshed = gt.load("omnipath")
    assert refreshed.attrs["upstream"]["sha256"] != first.attrs["upstream"]["sha256"]
    assert refreshed.attrs["upstream"]["rows"] == 5


def test_collectri_through_decoupler_equals_our_parser(offline, recorded, tmp_path):
    pytest.importorskip("decoupler")
    routes, seen = recorded
    routes["zenodo.org/records/8192729"] = COLLECTRI.to_csv(index=False).encode()
    edges = gt.load("collectri", release="decoupler")
    assert any("zenodo.org/records/8192729" in u for u in seen)
    path = tmp_path / "CollecTRI_regulons.csv"
    COLLECTRI.to_csv(path, index=False)
    expected, _ = finalize(collectri.parse_official(path), organism="human", directed=True)
    _same_edges(edges, expected)
    assert edges.attrs["upstream"]["client"] == "decoupler" and edges.attrs["approximation"] is False
    assert {"JUN", "FOSL2"} <= set(edges.loc[edges["target"] == "MMP1", "source"])  # AP1 split as documented


def test_dorothea_through_decoupler_equals_the_service_parser(offline, recorded, monkeypatch):
    pytest.importorskip("decoupler")
    routes, _ = recorded
    routes["datasets=dorothea"] = _tsv(DOROTHEA)
    client = gt.load("dorothea", snapshot="decoupler")
    monkeypatch.setattr(dl, "_urlopen", lambda url, timeout: _Body(_tsv(DOROTHEA)))
    service = gt.load("dorothea", snapshot="live")
    cols = ["source", "target", "sign", "evidence"]
    _same_edges(client[cols], service[cols])
    assert client.attrs["mode"] == "decoupler" and client.attrs["upstream"]["client"] == "decoupler"
    with pytest.raises(ValueError, match="levels A-D only"):
        gt.load("dorothea", snapshot="decoupler", levels="ABCDE")


def _Body(data: bytes) -> urllib.response.addinfourl:
    """A urllib response over recorded bytes (for ground_truths' own downloader)."""
    return urllib.response.addinfourl(io.BytesIO(data), {"Content-Length": str(len(data))}, "recorded")


def test_without_client_or_mirror_the_error_names_both_fixes(offline, monkeypatch):
    monkeypatch.setattr(_online, "available", lambda module: False)
    with pytest.raises(FileNotFoundError, match=r'grnsuite\[online\]') as err:
        gt.load("omnipath")
    assert "GROUND_TRUTHS_LOCAL" in str(err.value)
    with pytest.raises(ImportError, match=r'pip install "grnsuite\[online\]"'):
        _online.client("a_module_that_is_not_installed", "this test")


def test_offline_mirror_uses_the_pinned_snapshots(shared_data, tmp_path, monkeypatch):
    monkeypatch.setenv("GROUND_TRUTHS_LOCAL", str(shared_data))
    monkeypatch.setenv("GROUND_TRUTHS_CACHE", str(tmp_path / "cache"))
    gt.set_cache_dir(None)
    monkeypatch.setattr(_online, "client", lambda *a: pytest.fail("no client may be used with the mirror"))
    assert omnipath.mode_of("auto") == "snapshot" and dorothea.mode_of("auto", "human") == "dorothea-1.7.4"
    edges = gt.load("dorothea")
    assert edges.attrs["mode"] == "dorothea-1.7.4" and edges.attrs["upstream_checksums"] == {
        "dorothea-human": "md5:7f035bc480b5186913f2eb72ee223865"}
    approx = gt.load("collectri")
    assert approx.attrs["approximation"] is True
    gt.set_cache_dir(None)


def test_uniprot_and_alias_mapping_on_the_real_snapshot(shared_data):
    """Rows of the offline snapshot whose ids the new mapping recovers, checked id by id against the HGNC table."""
    raw = pd.read_parquet(shared_data / "truths" / "omnipath" / "omnipath.parquet", columns=["source", "target"])
    ids = pd.unique(np.r_[raw["source"].to_numpy(), raw["target"].to_numpy()])
    ids = ids[~pd.Series(ids).str.startswith("COMPLEX:").to_numpy()]
    mapped, how = map_alternative_ids(ids)
    table = pd.read_csv(Path(gt.__file__).parent / "data" / "hgnc_idmap.tsv.gz", sep="\t", dtype=str)
    uniprot = table[table["kind"] == "uniprot"].groupby("key")["symbol"].agg(set)
    picked = how.to_numpy() == "uniprot"
    assert picked.sum() > 3000  # of the 3,900 UniProt-shaped ids of the snapshot
    for raw_id, symbol in zip(ids[picked], mapped[picked]):
        assert uniprot[raw_id.split("-")[0].upper()] == {symbol}
    mapped, how = map_alternative_ids(["Q01860-2", "OCT4", "SOX2", "Sox2", "SLC9A3R2"])
    assert list(mapped) == ["POU5F1", "POU5F1", "SOX2", "Sox2", "NHERF2"]  # known symbols are left as they are
    assert list(how) == ["uniprot", "alias", "", "", "previous"]
    assert list(map_alternative_ids(["OCT4"], "mouse")[0]) == ["OCT4"]  # human only
