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
