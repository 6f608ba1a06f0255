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
