"""The output folder of a benchmark: file names, fingerprints, resume of runs and networks, provenance, results.

Layout of ``out``: ``runs/<method>__<truth>__<celltype>.json`` (one per grid cell, ``celltype`` = ``all`` without a
cell-type split), ``networks/<method>__<dataset>__<celltype>.h5ad`` (+ a ``.json`` sidecar with its fingerprint, file
sha256 and timing), ``enrichment/<network stem>.json``, ``results.json``, ``results.csv`` and ``plots/``.

A run is reused when its file exists and its fingerprint matches; a network when its sidecar fingerprint and file
checksum match; ``force=True`` ignores what is on disk. Every file is written atomically.

Results are keyed by their parameters: the plain names hold the latest configuration, and a file of another
configuration is never overwritten. It is kept next to its name as ``<name>@<fingerprint[:12]><suffix>`` (a network
with its sidecar, ``results.json``/``results.csv`` as ``results@<id>.json/.csv`` with a warning naming the differing
parameters) and swapped back when that configuration runs again, so two runs with different options into one
``out`` lose nothing and a rerun of either reuses its own files. ``@`` never occurs in a :func:`slug`, so kept names
cannot clash with plain ones.
"""
from __future__ import annotations

import datetime as _dt
import json
import logging
import os
import platform
import re
import shutil
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

import grnndata
from bengrn.results import write_results
from grnndata._files import atomic_write_json, sha256_bytes, sha256_file
from grnndata._json import to_jsonable

logger = logging.getLogger(__name__)

__all__ = ["NON_RESULT_OPTIONS", "fingerprint", "slug", "run_file_name", "network_file_name", "pr_plot_name",
           "kept_path", "versions", "now", "read_json", "Store"]

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


def kept_path(path: Path, fp: str) -> Path:
    """Where a file of the configuration with fingerprint ``fp`` is kept while another one holds ``path``."""
    return path.with_name(f"{path.stem}@{fp[:12]}{path.suffix}")


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


def read_json(path: Path) -> Any:
    """The JSON document at ``path``, or None when it is missing or unreadable (a resume store never trusts it)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _fingerprint_of(doc: Any) -> str | None:
    """The fingerprint a stored run, sidecar or summary carries (``None`` for anything else)."""
    if not isinstance(doc, dict):
        return None
    fp = doc.get("fingerprint", (doc.get("provenance") or {}).get("fingerprint"))
    return fp if isinstance(fp, str) else None


def _run_parameters(run: dict) -> dict[str, Any]:
    """Flat parameters of a run for naming differences: ``seed``, ..., ``<method>:<option>``."""
    params = dict((run.get("provenance") or {}).get("parameters") or {})
    options = params.pop("method_options", None) or {}
    params.update({f"{run.get('method')}:{k}": v for k, v in options.items()})
    return params


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(to_jsonable(value), sort_keys=True)


def _differences(old: Sequence[dict], new: Sequence[dict]) -> str:
    """``"methods genie3 -> correlation; seed 0 -> 1"``: what differs between two lists of runs."""
    getters: dict[str, Callable[[dict], Any]] = {
        "methods": lambda r: r.get("method"), "truths": lambda r: r.get("truth"),
        "datasets": lambda r: r.get("dataset")}
    for key in sorted({k for r in [*old, *new] for k in _run_parameters(r)}):
        getters[key] = lambda r, key=key: _run_parameters(r).get(key)
    out = []
    for name, get in getters.items():
        a, b = (sorted({_text(get(r)) for r in runs if get(r) is not None}) for runs in (old, new))
        if a != b:
            out.append(f"{name} {','.join(a) or '-'} -> {','.join(b) or '-'}")
    return "; ".join(out) or "same parameters, other runs"


def _keep(path: Path, kept: Path) -> None:
    kept.unlink(missing_ok=True)
    try:
        os.link(path, kept)
    except OSError:  # a file system without hard links
        shutil.copy2(path, kept)


@dataclass(frozen=True)
class Store:
    """The output folder ``out``; with ``force`` nothing on disk is reused (and nothing of another run is lost)."""

    out: Path
    force: bool = False

    # -- keeping files of other configurations
    def _load(self, files: Sequence[Path], fp: str) -> Any:
        """The document of ``files[0]`` when it has fingerprint ``fp``, swapping in the files kept for ``fp``."""
        if self.force:
            return None
        doc = read_json(files[0])
        current = _fingerprint_of(doc)
        if current == fp:
            return doc
        kept = [kept_path(p, fp) for p in files]
        if not kept[0].exists():
            return None
        self._set_aside(files, current)
        for k, p in zip(kept, files):
            if k.exists():
                os.replace(k, p)
        logger.info("restored %s of an earlier run with the same parameters", files[-1])
        doc = read_json(files[0])
        return doc if _fingerprint_of(doc) == fp else None

    def _set_aside(self, files: Sequence[Path], current: str | None) -> None:
        """Keep the files of fingerprint ``current`` under their kept names too (unidentifiable files are not kept).

        A hard link (a copy where links are not supported): the plain name keeps its content until the new file is
        renamed onto it, so a failed write loses nothing.
        """
        if current is None:
            return
        for p in files:
            if p.exists():
                _keep(p, kept_path(p, current))

    def _before_write(self, files: Sequence[Path], fp: str) -> None:
        current = _fingerprint_of(read_json(files[0]))
        if current is not None and current != fp:
            self._set_aside(files, current)

    # -- runs
    def run_path(self, method: str, truth: str, celltype: str | None) -> Path:
        return self.out / "runs" / run_file_name(method, truth, celltype)

    def load_run(self, method: str, truth: str, celltype: str | None, fp: str) -> dict | None:
        """The stored run of this grid cell if its fingerprint is ``fp``, with its network (and summary) in place."""
        run = self._load([self.run_path(method, truth, celltype)], fp)
        if run is not None:
            # A run restored from its kept name must find its own network under the name it records.
            prov = run.get("provenance") or {}
            net_path, net_fp = self.out / str(prov.get("network_file")), str(prov.get("network_fingerprint"))
            self._load([net_path.with_suffix(".json"), net_path], net_fp)
            if "enrichment" in run:
                self._load([self.summary_path("enrichment", net_path)], net_fp)
        return run

    def save_run(self, run: dict) -> dict:
        """Write ``run`` and return its JSON form, so that fresh and resumed runs are the very same objects."""
        doc = to_jsonable(run)
        path = self.run_path(run["method"], run["truth"], run.get("celltype"))
        self._before_write([path], run["provenance"]["fingerprint"])
        atomic_write_json(path, doc)
        return doc

    # -- networks
    def network_path(self, method: str, dataset: str, celltype: str | None) -> Path:
        return self.out / "networks" / network_file_name(method, dataset, celltype)

    def load_network(self, path: Path, fp: str) -> tuple[Any, dict] | None:
        """``(GRnnData, sidecar)`` of a saved network whose sidecar fingerprint is ``fp`` and whose file is intact."""
        sidecar = self._load([path.with_suffix(".json"), path], fp)
        if sidecar is None or not path.is_file():
            return None
        if sha256_file(path) != sidecar.get("sha256"):
            logger.warning("network %s changed on disk since it was written; recomputing", path)
            return None
        return grnndata.read_h5ad(path), sidecar

    def save_network(self, net, path: Path, sidecar: dict) -> None:
        """Write the network (GRnnData.write_h5ad is atomic) and then its sidecar with the file's sha256."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self._before_write([path.with_suffix(".json"), path], sidecar["fingerprint"])
        net.write_h5ad(path)
        atomic_write_json(path.with_suffix(".json"), {**sidecar, "sha256": sha256_file(path)})

    # -- per-network summaries (enrichment)
    def summary_path(self, kind: str, network_path: Path) -> Path:
        return self.out / kind / f"{network_path.stem}.json"

    def load_summary(self, path: Path, fp: str) -> Any | None:
        cached = self._load([path], fp)
        return cached["summary"] if cached is not None else None

    def save_summary(self, path: Path, fp: str, summary: Any) -> Any:
        doc = to_jsonable(summary)
        self._before_write([path], fp)
        atomic_write_json(path, {"fingerprint": fp, "summary": doc})
        return doc

    # -- results and plots
    @property
    def plots(self) -> Path:
        return self.out / "plots"

    def relative(self, path: Path) -> str:
        return str(path.relative_to(self.out))

    def write_results(self, runs: Sequence[dict]) -> tuple[Path, Path]:
        """Write ``results.json``/``.csv``, first keeping the previous ones if they hold a run these do not."""
        json_path = self.out / "results.json"
        old = read_json(json_path)
        old = old if isinstance(old, list) else []
        new_fps = {_fingerprint_of(r) for r in runs}
        if any(_fingerprint_of(r) not in new_fps or _fingerprint_of(r) is None for r in old):
            kept = self._results_kept(old)
            for path in (json_path, json_path.with_suffix(".csv")):
                if path.exists():
                    _keep(path, kept.with_suffix(path.suffix))
            logger.warning("%s held %d run(s) of another configuration (%s): kept as %s and %s", json_path,
                           len(old), _differences(old, runs), kept.name, kept.with_suffix(".csv").name)
        written = write_results(runs, self.out)
        same = self._results_kept(runs)  # these very runs, kept by an earlier switch of configuration
        for path in (same, same.with_suffix(".csv")):
            path.unlink(missing_ok=True)
        return written

    def _results_kept(self, runs: Sequence[dict]) -> Path:
        return kept_path(self.out / "results.json", fingerprint(sorted(str(_fingerprint_of(r)) for r in runs)))
