"""Results files: ``results.json`` (the runs) and ``results.csv`` (one flat row per run), and reading them back.

JSON has no inf/nan: ``+inf`` is written as the string ``"inf"``, ``-inf`` as ``"-inf"`` and NaN as ``null``
(:func:`grnndata._json.to_jsonable`); :func:`read_results` turns them back into floats, so ``odds_ratio == inf`` (no
false positive in the top k) survives a round trip. Files are written atomically (a reader never sees half a file).
"""
from __future__ import annotations

import csv
import io
import json
import math
import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from bengrn.errors import BenchmarkError
from grnndata._files import atomic_path, atomic_write_json
from grnndata._json import decode_value

__all__ = ["decode_metrics", "flatten_run", "write_results", "read_results", "format_value"]

# Parameters copied into the CSV (prefixed: evaluate() returns metrics named like some of them).
_CSV_PARAMETERS = ("seed", "n_cells", "n_genes", "celltype_key", "tf_only", "transpose", "heads")


def decode_metrics(metrics: dict) -> dict:
    """Metrics dict as read from JSON -> Python numbers (ints stay ints, ``"inf"`` -> inf, null -> NaN)."""
    return {k: decode_value(v) for k, v in metrics.items()}


def flatten_run(run: dict) -> dict:
    """One flat CSV row: identity, every metric, then the main parameters, timings and checksums."""
    prov = run.get("provenance", {})
    params = prov.get("parameters", {})
    timings = prov.get("timings", {})
    row: dict[str, Any] = {
        "method": run["method"],
        "truth": run["truth"],
        "dataset": run["dataset"],
        "celltype": run.get("celltype"),
    }
    universe = run.get("universe") or {}
    for k in ("heldout", "n_truth_edges_removed"):
        if k in universe:
            row[f"universe_{k}"] = universe[k]
    for k, v in run.get("metrics", {}).items():
        row[k] = ";".join(v) if isinstance(v, list) else decode_value(v)
    for k in _CSV_PARAMETERS:
        if k in params:
            row[f"param_{k}"] = params[k]
    row["param_method_options"] = json.dumps(params.get("method_options") or {}, sort_keys=True)
    row["inference_s"] = timings.get("inference_s")
    row["evaluation_s"] = timings.get("evaluation_s")
    row["dataset_sha256"] = prov.get("dataset", {}).get("input_sha256")
    row["truth_sha256"] = prov.get("truth", {}).get("aligned_sha256")
    return row


def _csv_text(rows: list[dict]) -> str:
    columns = list(dict.fromkeys(k for row in rows for k in row))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in columns})
    return buf.getvalue()


def write_results(runs: Sequence[dict], out: str | os.PathLike) -> tuple[Path, Path]:
    """Write ``out/results.json`` (list of runs, without their stored PR curves) and ``out/results.csv``.

    Both are written in full before either replaces its predecessor: a failed write (a full disk) leaves the previous
    pair as it was, and a kill leaves every file whole.
    """
    out = Path(out)
    slim = [{k: v for k, v in run.items() if k != "pr_curve"} for run in runs]
    json_path, csv_path = out / "results.json", out / "results.csv"
    with atomic_path(csv_path) as csv_tmp:  # renamed last, once the JSON is in place
        csv_tmp.write_bytes(_csv_text([flatten_run(r) for r in slim]).encode("utf-8"))
        atomic_write_json(json_path, slim)
    return json_path, csv_path


def read_results(path: str | os.PathLike) -> list[dict]:
    """Read a ``results.json`` (or a directory holding one, or a baseline file) into runs with decoded metrics."""
    path = Path(path)
    if path.is_dir():
        path = path / "results.json"
    if not path.exists():
        raise BenchmarkError(f"results file {path} not found; run `bengrn run --out DIR` first")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise BenchmarkError(f"{path} is not valid JSON ({exc})") from exc
    runs = data.get("runs") if isinstance(data, dict) else data
    if not isinstance(runs, list) or not all(isinstance(r, dict) and "metrics" in r for r in runs):
        raise BenchmarkError(f"{path} is not a bengrn results file (expected a list of runs with 'metrics')")
    out = []
    for i, run in enumerate(runs):
        if not isinstance(run["metrics"], dict):
            raise BenchmarkError(f"{path}: 'metrics' of run {i} is a {type(run['metrics']).__name__}; expected an "
                                 "object mapping metric names to values")
        for key in ("method", "truth"):
            if key not in run:
                raise BenchmarkError(f"{path}: a run has no {key!r} field")
        run = dict(run)
        run.setdefault("dataset", None)
        run.setdefault("celltype", None)
        run["metrics"] = decode_metrics(run["metrics"])
        out.append(run)
    return out


def format_value(v: Any) -> str:
    """Short human formatting of a metric value (four significant digits)."""
    v = decode_value(v)
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        v = float(v)
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        # Four significant digits: real AUPRCs are ~1e-3, where a fixed 4 decimals would hide the differences.
        return "0" if v == 0 else f"{v:.4g}"
    return "" if v is None else str(v)
