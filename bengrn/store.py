"""The output folder of a benchmark: file names, fingerprints, resume of runs and networks, provenance, results.

Layout of ``out``: ``runs/<method>__<truth>__<celltype>.json`` (one per grid cell, ``celltype`` = ``all`` without a
cell-type split), ``networks/<method>__<dataset>__<celltype>.h5ad`` (+ a ``.json`` sidecar with its fingerprint, file
sha256 and timing), ``enrichment/<network stem>.json``, ``results.json``, ``results.csv`` and ``plots/``.

A run is reused when its file exists and its fingerprint matches; a network when its sidecar fingerprint and file
checksum match; ``force=True`` ignores what is on disk. Every file is written atomically.
"""
from __future__ import annotations

import datetime as _dt
import json
import logging
import platform
import re
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Sequence

import numpy as np

import grnndata
from bengrn.results import write_results
from grnndata._files import atomic_write_json, sha256_bytes, sha256_file
from grnndata._json import to_jsonable

logger = logging.getLogger(__name__)

__all__ = ["NON_RESULT_OPTIONS", "fingerprint", "slug", "run_file_name", "network_file_name", "pr_plot_name",
           "versions", "now", "Store"]

# Method options that change how fast a result comes, not the result: left out of fingerprints.
NON_RESULT_OPTIONS = frozenset({"scheduler", "n_jobs", "progress", "device"})


def fingerprint(obj: Any) -> str:
    """sha256 of the canonical JSON of ``obj`` (sorted keys)."""
    return sha256_bytes(json.dumps(to_jsonable(obj), sort_keys=True).encode())


def slug(text: str) -> str:
    """File-name-safe version of ``text``; a short hash keeps distinct names distinct after replacement."""
    out = re.sub(r"[^A-Za-z0-9._+-]+", "_", str(text)).strip("_") or "x"
    if out != str(text):
        out = f"{out}-{sha256_bytes(str(text).encode())[:6]}"
    return out


def _celltype(celltype: str | None) -> str:
    return "all" if celltype is None else slug(celltype)


def run_file_name(method: str, truth: str, celltype: str | None) -> str:
    """``<method>__<truth>__<celltype>.json`` (``all`` without a cell-type split)."""
    return f"{slug(method)}__{slug(truth)}__{_celltype(celltype)}.json"


def network_file_name(method: str, dataset: str, celltype: str | None) -> str:
    """``<method>__<dataset>__<celltype>.h5ad``."""
    return f"{slug(method)}__{slug(dataset)}__{_celltype(celltype)}.h5ad"


def pr_plot_name(truth: str, celltype: str | None) -> str:
    """``pr__<truth>[__<celltype>].png``."""
    return f"pr__{slug(truth)}" + ("" if celltype is None else f"__{slug(celltype)}") + ".png"


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def versions() -> dict[str, str | None]:
    """Versions recorded with every result; torch and distributed once a method has loaded them."""
    out = {
        "python": platform.python_version(),
        "grnsuite": _version("grnsuite"),
        "numpy": np.__version__,
        "scipy": _version("scipy"),
        "scikit-learn": _version("scikit-learn"),
        "pandas": _version("pandas"),
        "anndata": _version("anndata"),
    }
    for optional in ("torch", "distributed"):
        if optional in sys.modules:
            out[optional] = _version(optional)
    return out


def now() -> str:
    """UTC time stamp, ISO 8601, seconds."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


@dataclass(frozen=True)
class Store:
    """The output folder ``out``; with ``force`` nothing on disk is reused."""

    out: Path
    force: bool = False

    # -- runs
    def run_path(self, method: str, truth: str, celltype: str | None) -> Path:
        return self.out / "runs" / run_file_name(method, truth, celltype)

    def load_run(self, method: str, truth: str, celltype: str | None, fp: str) -> dict | None:
        """The stored run of this grid cell if its fingerprint is ``fp``."""
        old = None if self.force else _read_json(self.run_path(method, truth, celltype))
        return old if old is not None and old.get("provenance", {}).get("fingerprint") == fp else None

    def save_run(self, run: dict) -> dict:
        """Write ``run`` and return its JSON form, so that fresh and resumed runs are the very same objects."""
        doc = to_jsonable(run)
        atomic_write_json(self.run_path(run["method"], run["truth"], run.get("celltype")), doc)
        return doc

    # -- networks
    def network_path(self, method: str, dataset: str, celltype: str | None) -> Path:
        return self.out / "networks" / network_file_name(method, dataset, celltype)

    def load_network(self, path: Path, fp: str) -> tuple[Any, dict] | None:
        """``(GRnnData, sidecar)`` of a saved network whose sidecar fingerprint is ``fp`` and whose file is intact."""
        sidecar = None if self.force else _read_json(path.with_suffix(".json"))
        if sidecar is None or sidecar.get("fingerprint") != fp or not path.is_file():
            return None
        if sha256_file(path) != sidecar.get("sha256"):
            logger.warning("network %s changed on disk since it was written; recomputing", path)
            return None
        return grnndata.read_h5ad(path), sidecar

    def save_network(self, net, path: Path, sidecar: dict) -> None:
        """Write the network (GRnnData.write_h5ad is atomic) and then its sidecar with the file's sha256."""
        path.parent.mkdir(parents=True, exist_ok=True)
        net.write_h5ad(path)
        atomic_write_json(path.with_suffix(".json"), {**sidecar, "sha256": sha256_file(path)})

    # -- per-network summaries (enrichment)
    def summary_path(self, kind: str, network_path: Path) -> Path:
        return self.out / kind / f"{network_path.stem}.json"

    def load_summary(self, path: Path, fp: str) -> Any | None:
        cached = None if self.force else _read_json(path)
        return cached["summary"] if cached is not None and cached.get("fingerprint") == fp else None

    def save_summary(self, path: Path, fp: str, summary: Any) -> Any:
        doc = to_jsonable(summary)
        atomic_write_json(path, {"fingerprint": fp, "summary": doc})
        return doc

    # -- results and plots
    @property
    def plots(self) -> Path:
        return self.out / "plots"

    def relative(self, path: Path) -> str:
        return str(path.relative_to(self.out))

    def write_results(self, runs: Sequence[dict]) -> tuple[Path, Path]:
        return write_results(runs, self.out)
