"""Issue 12 for downloads and caches, against a real HTTP server on 127.0.0.1: a wrong file is never served."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

import ground_truths as gt
from ground_truths import registry
from ground_truths._store import ChecksumError, MissingDataError, Resource, download_path, resolve
from ground_truths._store import download as dl
from ground_truths._store.mirror import recorded_checksum_path

EDGES = b"tf\tgene\n" + b"SOX2\tNANOG\nPOU5F1\tNANOG\nKLF4\tMYC\n" * 200  # ~5 kB, 3 distinct edges


@pytest.fixture(autouse=True)
def _no_waiting(monkeypatch):
    monkeypatch.setattr(dl, "_sleep", lambda seconds: None)


def _md5(data: bytes) -> str:
    return "md5:" + hashlib.md5(data).hexdigest()


def _downloads(cache: Path) -> list[str]:
    folder = cache / "downloads"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def _resource(server, path="/net.tsv", pinned: bytes | None = EDGES) -> Resource:
    return Resource(key="test-net", url=server.url + path, checksum=_md5(pinned) if pinned is not None else None,
                    local_path="truths/test/net.tsv")


def test_http_download_verifies_and_reports_progress(http_server, gt_cache):
    http_server.files["/net.tsv"] = EDGES
    events = []
    path, checksum = resolve(_resource(http_server), progress=lambda event, info: events.append((event, info)))
    assert path.read_bytes() == EDGES and checksum == _md5(EDGES)
    assert {e for e, _ in events} == {"download"}
    done = [info["done"] for _, info in events]
    assert done == sorted(done) and done[-1] == len(EDGES) and events[-1][1]["total"] == len(EDGES)


def test_interrupted_transfer_resumes_with_a_range_request(http_server, tmp_path):
    data = bytes(range(256)) * 8192  # 2 MiB: the first response is cut after 1 MiB
    http_server.files["/big.bin"] = data
    http_server.files.cut["/big.bin"] = 1
    dest = tmp_path / "big.bin"
    dl.download(http_server.url + "/big.bin", dest, checksum="sha256:" + hashlib.sha256(data).hexdigest())
    assert dest.read_bytes() == data and sorted(p.name for p in tmp_path.iterdir()) == ["big.bin"]
    (first, r1), (second, r2) = http_server.files.requests
    assert r1 is None and r2 is not None
    resumed_from = int(r2.split("=")[1].rstrip("-"))
    assert 0 < resumed_from < len(data)  # only the missing bytes were asked for


def test_cached_download_with_wrong_pinned_checksum_is_deleted_and_downloaded_again(http_server, gt_cache, caplog):
    http_server.files["/net.tsv"] = EDGES
    res = _resource(http_server)
    path, _ = resolve(res)
    path.write_bytes(EDGES[: len(EDGES) // 2])  # the cached copy went bad (5,796 of 11,619 edges, as in issue 12)
    with caplog.at_level("WARNING", logger="ground_truths._store.mirror"):
        again, checksum = resolve(res)
    assert "deleting it and downloading it again" in caplog.text
    assert again == path and again.read_bytes() == EDGES and checksum == _md5(EDGES)
    assert len(http_server.files.requests) == 2


def test_redownload_that_mismatches_again_fails_clearly_and_keeps_nothing(http_server, gt_cache):
    http_server.files["/net.tsv"] = EDGES
    res = _resource(http_server, pinned=b"the pinned release")
    with pytest.raises(ChecksumError) as err:
        resolve(res)
    msg = str(err.value)
    assert "'test-net'" in msg and "does not match its pinned checksum" in msg and "GROUND_TRUTHS_LOCAL" in msg
    assert _md5(EDGES).split(":")[1] in msg  # names what arrived
    assert _downloads(gt_cache) == []  # nothing partial or wrong is kept


def test_partial_download_never_becomes_a_cached_file(http_server, gt_cache, monkeypatch):
    http_server.files["/net.tsv"] = EDGES
    http_server.files.cut["/net.tsv"] = 99  # every attempt is cut short
    monkeypatch.setitem(registry._REGISTRY, "http-test", _spec(_resource(http_server)))
    with pytest.raises(MissingDataError, match="'test-net' is not available.*Download failed.*after 4 attempt"):
        gt.load("http-test")
    assert _downloads(gt_cache) == [] and not (gt_cache / "truths" / "http-test").exists()


def _spec(res: Resource) -> registry.TruthSpec:
    def build(paths):
        return pd.read_csv(paths[res.key], sep="\t").rename(columns={"tf": "source", "gene": "target"})

    return registry.TruthSpec(name="http-test", description="test", url=res.url, version="1", organism="human",
                              directed=True, resources=lambda o: [res], build=build)


def test_fetch_force_downloads_pinned_files_again(http_server, gt_cache, monkeypatch):
    http_server.files["/net.tsv"] = EDGES
    monkeypatch.setitem(registry._REGISTRY, "http-test", _spec(_resource(http_server)))
    table = gt.load("HTTP-Test")  # names are case-insensitive
    assert len(table) == 3 and len(http_server.files.requests) == 1
    assert gt.fetch("http-test") == Path(table.attrs["cache_path"]) and len(http_server.files.requests) == 1
    path = gt.fetch("http-test", force=True)
    assert len(http_server.files.requests) == 2 and path.is_file()
    pd.testing.assert_frame_equal(pd.read_parquet(path), pd.read_parquet(table.attrs["cache_path"]))


def test_unpinned_download_records_its_checksum_and_is_verified_later(http_server, gt_cache, caplog):
    http_server.files["/live.tsv"] = EDGES
    res = _resource(http_server, "/live.tsv", pinned=None)
    path, checksum = resolve(res)
    assert recorded_checksum_path(path).read_text() == checksum == _md5(EDGES)
    assert resolve(res) == (path, checksum) and len(http_server.files.requests) == 1  # reused
    path.write_bytes(b"tampered")
    with caplog.at_level("WARNING", logger="ground_truths._store.mirror"):
        assert resolve(res) == (path, checksum)
    assert "recorded at first download" in caplog.text and len(http_server.files.requests) == 2
    assert download_path(res) == path
