"""Downloads: file:// URLs, checksum verification, retries with backoff, atomic writes (no network)."""
from __future__ import annotations

import hashlib
import io
import socket
import urllib.error
from pathlib import Path

import pytest

from ground_truths._store import download as dl


@pytest.fixture
def payload(tmp_path: Path) -> tuple[Path, bytes]:
    data = b"Gene1,Gene2\nTP53,CDKN1A\n" * 1000
    src = tmp_path / "upstream.csv"
    src.write_bytes(data)
    return src, data


def test_file_url_download_verified_md5_and_sha256(payload, tmp_path):
    src, data = payload
    for checksum in (f"md5:{hashlib.md5(data).hexdigest()}", f"sha256:{hashlib.sha256(data).hexdigest()}",
                     hashlib.sha256(data).hexdigest()):
        dest = tmp_path / "out" / "file.csv"
        out = dl.download(src.as_uri(), dest, checksum=checksum)
        assert out.read_bytes() == data
        dest.unlink()


def test_checksum_mismatch_raises_and_leaves_nothing(payload, tmp_path, monkeypatch):
    src, _ = payload
    calls = []
    real = dl._urlopen
    monkeypatch.setattr(dl, "_urlopen", lambda *a, **k: (calls.append(1), real(*a, **k))[1])
    dest = tmp_path / "out" / "file.csv"
    with pytest.raises(dl.ChecksumError, match="md5"):
        dl.download(src.as_uri(), dest, checksum="md5:" + "0" * 32)
    assert not dest.exists()
    assert list(dest.parent.iterdir()) == []  # temp .part file removed
    assert len(calls) == 1  # a wrong checksum is not retried


class _FakeResponse(io.BytesIO):
    headers = {"Content-Length": "0"}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def test_retries_with_exponential_backoff(payload, tmp_path, monkeypatch):
    _, data = payload
    attempts, sleeps = [], []

    def flaky(url, timeout):
        attempts.append(timeout)
        if len(attempts) < 3:
            raise urllib.error.URLError(ConnectionResetError("reset by peer"))
        resp = _FakeResponse(data)
        resp.headers = {"Content-Length": str(len(data))}
        return resp

    monkeypatch.setattr(dl, "_urlopen", flaky)
    monkeypatch.setattr(dl, "_sleep", sleeps.append)
    out = dl.download("https://example.invalid/x", tmp_path / "x.csv", checksum=f"md5:{hashlib.md5(data).hexdigest()}",
                      retries=3, backoff=0.5, timeout=7)
    assert out.read_bytes() == data
    assert len(attempts) == 3 and attempts == [7, 7, 7]
    assert sleeps == [0.5, 1.0]  # backoff * 2**attempt


def test_gives_up_after_retries_with_clear_error(tmp_path, monkeypatch):
    attempts = []

    def broken(url, timeout):
        attempts.append(url)
        raise urllib.error.URLError(TimeoutError("timed out"))

    monkeypatch.setattr(dl, "_urlopen", broken)
    monkeypatch.setattr(dl, "_sleep", lambda s: None)
    with pytest.raises(dl.DownloadError, match="GROUND_TRUTHS_LOCAL"):
        dl.download("https://example.invalid/y", tmp_path / "y", retries=2)
    assert len(attempts) == 3
    assert not any(tmp_path.iterdir())


def test_unresolvable_host_is_not_retried(tmp_path, monkeypatch):
    attempts = []

    def offline(url, timeout):
        attempts.append(url)
        raise urllib.error.URLError(socket.gaierror(-2, "Name or service not known"))

    monkeypatch.setattr(dl, "_urlopen", offline)
    monkeypatch.setattr(dl, "_sleep", lambda s: pytest.fail("should not sleep"))
    with pytest.raises(dl.DownloadError):
        dl.download("https://example.invalid/z", tmp_path / "z", retries=5)
    assert len(attempts) == 1


def test_interrupted_transfer_leaves_no_partial_file(tmp_path, monkeypatch):
    class Dying(_FakeResponse):
        def read(self, n=-1):
            chunk = super().read(10)
            if not chunk:
                raise ConnectionResetError("connection dropped mid-transfer")
            return chunk

    monkeypatch.setattr(dl, "_urlopen", lambda url, timeout: Dying(b"0123456789" * 5))
    monkeypatch.setattr(dl, "_sleep", lambda s: None)
    dest = tmp_path / "partial.bin"
    with pytest.raises(dl.DownloadError):
        dl.download("https://example.invalid/p", dest, retries=1)
    assert not dest.exists() and list(tmp_path.iterdir()) == []


def test_parse_checksum_errors():
    with pytest.raises(ValueError, match="checksum"):
        dl.parse_checksum("crc32:1234")
    assert dl.parse_checksum("MD5:ABC") == ("md5", "abc")
