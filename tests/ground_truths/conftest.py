"""Fixtures private to the ground_truths tests: isolated cache, local mirror, session cache for real truths."""
from __future__ import annotations

from pathlib import Path

import pytest

import ground_truths as gt


@pytest.fixture
def gt_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Empty cache in tmp_path, no local mirror (only shipped data and file:// downloads are available)."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("GROUND_TRUTHS_CACHE", str(cache))
    monkeypatch.delenv("GROUND_TRUTHS_LOCAL", raising=False)
    gt.set_cache_dir(None)
    yield cache
    gt.set_cache_dir(None)


@pytest.fixture(scope="session")
def real_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache for the whole session so each real truth is normalised once."""
    return tmp_path_factory.mktemp("gt_real_cache")


@pytest.fixture
def real_env(shared_data: Path, real_cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Local mirror = the shared data, cache = the session cache."""
    monkeypatch.setenv("GROUND_TRUTHS_LOCAL", str(shared_data))
    monkeypatch.setenv("GROUND_TRUTHS_CACHE", str(real_cache_dir))
    gt.set_cache_dir(None)
    yield shared_data
    gt.set_cache_dir(None)


class _Files(dict):
    """Bytes served by path, with per-path counters of requests and of connections to cut short."""

    def __init__(self):
        super().__init__()
        self.requests: list[tuple[str, str | None]] = []  # (path, Range header)
        self.cut: dict[str, int] = {}  # path -> number of next responses to cut after half the body


@pytest.fixture
def http_server():
    """A real HTTP server on 127.0.0.1 (a thread) serving ``server.files[path] = bytes``; honours ``Range``."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    files = _Files()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep test output clean
            pass

        def do_GET(self):
            rng = self.headers.get("Range")
            files.requests.append((self.path, rng))
            if self.path not in files:
                self.send_error(404)
                return
            data = files[self.path]
            start = int(rng.split("=")[1].split("-")[0]) if rng else 0
            body = data[start:]
            self.send_response(206 if rng else 200)
            if rng:
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if files.cut.get(self.path, 0) > 0:
                files.cut[self.path] -= 1
                self.wfile.write(body[: len(body) // 2])  # then drop the connection mid-body
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.files = files
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()
