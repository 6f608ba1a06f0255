"""Published-checkpoint download against a local HTTP server on 127.0.0.1: resume, checksums, cache, errors."""
import hashlib
import http.server
import json
import socket
import threading
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

import scprint_model  # noqa: E402
from scprint_model import hub  # noqa: E402
from scprint_model.safe_load import CheckpointError  # noqa: E402

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "scprint_ref" / "tiny_sum.ckpt"
DATA = TINY.read_bytes()
SHA = hashlib.sha256(DATA).hexdigest()


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass

    def do_GET(self):  # noqa: N802 - http.server's name
        srv = self.server
        srv.requests.append((self.path, self.headers.get("Range")))
        name = self.path.rsplit("/", 1)[-1]
        if self.path.startswith("/redirect/"):  # the hub: a redirect carrying the LFS sha256, then the storage
            self.send_response(302)
            self.send_header("Location", f"/files/{name}")
            self.send_header("X-Linked-Etag", f'"{srv.sha}"')
            self.end_headers()
            return
        if name != "medium-v1.5.ckpt":
            self.send_error(404, "Entry not found")
            return
        start = int(self.headers["Range"].split("=")[1].rstrip("-")) if self.headers.get("Range") else 0
        body = DATA[start:]
        self.send_response(206 if start else 200)
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(DATA) - 1}/{len(DATA)}")
        self.send_header("Content-Length", str(len(body)))
        if srv.sha_on_file:
            self.send_header("X-Linked-Etag", srv.sha)
        self.end_headers()
        if srv.cut_after is not None and not start:
            self.wfile.write(body[: srv.cut_after])  # then drop the connection mid-file
            self.wfile.flush()
            self.close_connection = True
            srv.cut_after = None
            return
        self.wfile.write(body)


@pytest.fixture
def server(monkeypatch, tmp_path):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.requests, srv.cut_after, srv.sha, srv.sha_on_file = [], None, SHA, False
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("SCPRINT_HUB_URL", f"http://127.0.0.1:{srv.server_port}/files")
    monkeypatch.setenv("SCPRINT_MODEL_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(hub.time, "sleep", lambda s: None)
    yield srv
    srv.shutdown()
    srv.server_close()


def test_download_records_checksum_and_then_uses_the_cache(server):
    events = []
    path = hub.fetch("medium-v1.5", progress=lambda event, info: events.append((event, dict(info))))
    assert path == hub.cache_dir() / "medium-v1.5.ckpt" and path.read_bytes() == DATA
    manifest = json.loads(path.with_name("medium-v1.5.ckpt.json").read_text())
    assert manifest["sha256"] == SHA and manifest["size"] == len(DATA)
    assert manifest["url"].endswith("/files/medium-v1.5.ckpt") and manifest["verified_against_server"] is False
    assert events[-1] == ("download", {"done": len(DATA), "total": len(DATA), "name": "medium-v1.5"})
    assert [e[1]["done"] for e in events] == sorted(e[1]["done"] for e in events)
    n = len(server.requests)
    ck = scprint_model.load_checkpoint("medium-v1.5")  # from the cache, verified, no request
    assert len(server.requests) == n
    assert ck.kind == "scprint-v1" and ck.name == "medium-v1.5" and ck.checksum == SHA
    assert ck.label == "scPRINT v1 published checkpoint medium-v1.5 (jkobject/scPRINT)"


def test_resume_after_a_cut_connection(server):
    server.cut_after = 30_000
    path = hub.fetch("medium-v1.5")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == SHA
    assert server.requests == [("/files/medium-v1.5.ckpt", None), ("/files/medium-v1.5.ckpt", "bytes=30000-")]
    assert not list(path.parent.glob("*.part"))


def test_partial_file_is_resumed_by_the_next_call(server):
    part = hub.cache_dir() / "medium-v1.5.ckpt.part"
    part.write_bytes(DATA[:12_345])  # left by an interrupted earlier run
    hub.fetch("medium-v1.5")
    assert server.requests == [("/files/medium-v1.5.ckpt", "bytes=12345-")]
    assert (hub.cache_dir() / "medium-v1.5.ckpt").read_bytes() == DATA


def test_server_checksum_is_verified(server, monkeypatch):
    monkeypatch.setenv("SCPRINT_HUB_URL", f"http://127.0.0.1:{server.server_port}/redirect")
    path = hub.fetch("medium-v1.5")  # the sha256 comes with the redirect, as on huggingface.co
    assert json.loads(path.with_name(path.name + ".json").read_text())["verified_against_server"] is True


def test_checksum_mismatch_removes_the_download(server):
    server.sha_on_file, server.sha = True, "0" * 64
    with pytest.raises(hub.ChecksumError, match=f"has sha256 {SHA}, the server announced 0000"):
        hub.fetch("medium-v1.5")
    assert list(hub.cache_dir().iterdir()) == []


def test_changed_cached_file_is_refused(server):
    path = hub.fetch("medium-v1.5")
    path.write_bytes(DATA[:-1] + b"x")
    with pytest.raises(hub.ChecksumError, match="changed since it was downloaded"):
        scprint_model.load_checkpoint("medium-v1.5")
    path.with_name(path.name + ".json").unlink()
    with pytest.raises(hub.ChecksumError, match="no download record"):
        hub.fetch("medium-v1.5")


def test_unknown_file_and_bad_names(server):
    with pytest.raises(hub.DownloadError, match=r"HTTP 404 .*'nope-v9.ckpt' a file of jkobject/scPRINT"):
        hub.fetch("nope-v9")
    for bad in ("../etc/passwd", "a/b", "..ckpt", ""):
        with pytest.raises(CheckpointError):
            scprint_model.load_checkpoint(bad)


def test_offline_error_says_how_to_get_the_file(monkeypatch, tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("SCPRINT_HUB_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("SCPRINT_MODEL_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(hub.time, "sleep", lambda s: None)
    with pytest.raises(hub.DownloadError) as err:
        scprint_model.load_checkpoint("medium-v1.5")
    text = str(err.value)
    assert "could not download" in text and "Without network" in text
    assert "https://huggingface.co/jkobject/scPRINT/resolve/main/medium-v1.5.ckpt" in text
    assert "hf download jkobject/scPRINT medium-v1.5.ckpt" in text and "checkpoint=/path/to/medium-v1.5.ckpt" in text
