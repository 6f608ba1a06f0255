"""Benchmark outputs: JSON encoding of runs, results.json/results.csv, precision-recall and comparison plots, tables.

JSON encoding of non-finite numbers (JSON has no inf/nan): ``+inf`` is written as the string ``"inf"``, ``-inf`` as
``"-inf"`` and NaN as ``null``. :func:`read_results` turns them back into floats (``null`` -> NaN), so
``odds_ratio == inf`` (no false positive in the top k) survives a round trip. Files are written to a temporary file
in the same directory and ``os.replace``d, so a reader never sees half a file.
"""
from __future__ import annotations

import csv
import io
import json
import logging
import math
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

logger = logging.getLogger(__name__)

__all__ = [
    "to_jsonable",
    "decode_metrics",
    "atomic_write_text",
    "atomic_write_json",
    "write_results",
    "read_results",
    "flatten_run",
    "downsample_curve",
    "plot_pr_curves",
    "plot_compare",
    "summary_table",
    "compare_table",
    "SUMMARY_METRICS",
]

# Metrics shown in the printed summary and the CSV's leading columns (the CSV has every metric).
SUMMARY_METRICS = ("auprc", "auprc_random", "ap", "auroc", "epr", "precision_at_k", "recall_at_k", "odds_ratio")


# --------------------------------------------------------------------------------------------- JSON
def _encode_float(x: float) -> float | str | None:
    if math.isnan(x):
        return None
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def to_jsonable(obj: Any) -> Any:
    """Recursively convert numpy scalars/arrays, paths and sets to JSON types; inf -> "inf"/"-inf", NaN -> null."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, (set, frozenset)):
        return sorted(to_jsonable(v) for v in obj)
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return _encode_float(float(obj))
    if isinstance(obj, Path):
        return str(obj)
    if obj is None or isinstance(obj, str):
        return obj
    return str(obj)


def decode_value(v: Any) -> Any:
    """Inverse of the float encoding: "inf"/"-inf" -> float, None -> NaN; everything else unchanged."""
    if v is None:
        return math.nan
    if isinstance(v, str) and v in ("inf", "-inf", "nan"):
        return float(v)
    return v


def decode_metrics(metrics: dict) -> dict:
    """Metrics dict as read from JSON -> Python numbers (ints stay ints)."""
    return {k: decode_value(v) for k, v in metrics.items()}


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def temp_path(path: Path, suffix: str = ".tmp") -> str:
    """A new empty file next to ``path`` (same file system, so ``os.replace`` is atomic), with normal permissions."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    # mkstemp creates 0600 files; results are meant to be shared like any file the user writes.
    os.chmod(tmp, 0o666 & ~_umask())
    return tmp


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file in the same directory and ``os.replace``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(path)
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_json(path: str | os.PathLike, obj: Any) -> Path:
    """JSON-encode ``obj`` (see :func:`to_jsonable`; strictly valid JSON) and write it atomically."""
    text = json.dumps(to_jsonable(obj), indent=2, allow_nan=False) + "\n"
    return atomic_write_text(path, text)


# --------------------------------------------------------------------------------------------- results files
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
    for k, v in run.get("metrics", {}).items():
        row[k] = decode_value(v)
    # Parameters are prefixed: evaluate() returns metrics named like some of them (n_genes, tf_only, transpose).
    for k in ("seed", "n_cells", "n_genes", "celltype_key", "tf_only", "transpose", "heads"):
        if k in params:
            row[f"param_{k}"] = params[k]
    row["param_method_options"] = json.dumps(params.get("method_options") or {}, sort_keys=True)
    row["inference_s"] = timings.get("inference_s")
    row["evaluation_s"] = timings.get("evaluation_s")
    row["dataset_sha256"] = prov.get("dataset", {}).get("input_sha256")
    row["truth_sha256"] = prov.get("truth", {}).get("aligned_sha256")
    return row


def _csv_text(rows: list[dict]) -> str:
    columns: list[str] = []
    for row in rows:
        for k in row:
            if k not in columns:
                columns.append(k)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in columns})
    return buf.getvalue()


def write_results(runs: Sequence[dict], out: str | os.PathLike) -> tuple[Path, Path]:
    """Write ``out/results.json`` (list of runs, without their stored PR curves) and ``out/results.csv``."""
    out = Path(out)
    slim = [{k: v for k, v in run.items() if k != "pr_curve"} for run in runs]
    json_path = atomic_write_json(out / "results.json", slim)
    csv_path = atomic_write_text(out / "results.csv", _csv_text([flatten_run(r) for r in slim]))
    return json_path, csv_path


def read_results(path: str | os.PathLike) -> list[dict]:
    """Read a ``results.json`` (or a directory holding one, or a baseline file) into runs with decoded metrics."""
    path = Path(path)
    if path.is_dir():
        path = path / "results.json"
    if not path.exists():
        raise FileNotFoundError(f"results file {path} not found; run `bengrn run --out DIR` first")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON ({exc})") from exc
    runs = data.get("runs") if isinstance(data, dict) else data
    if not isinstance(runs, list) or not all(isinstance(r, dict) and "metrics" in r for r in runs):
        raise ValueError(f"{path} is not a bengrn results file (expected a list of runs with 'metrics')")
    out = []
    for run in runs:
        for key in ("method", "truth"):
            if key not in run:
                raise ValueError(f"{path}: a run has no {key!r} field")
        run = dict(run)
        run.setdefault("dataset", None)
        run.setdefault("celltype", None)
        run["metrics"] = decode_metrics(run["metrics"])
        out.append(run)
    return out


# --------------------------------------------------------------------------------------------- curves and plots
def downsample_curve(precision: np.ndarray, recall: np.ndarray, max_points: int = 300) -> dict:
    """Keep at most ``max_points`` points of a PR curve, spread evenly in recall and in log(recall).

    Log spacing keeps the high-precision start of the curve (the few top-ranked edges) that even spacing would
    reduce to a single point.
    """
    precision = np.asarray(precision, dtype=float)
    recall = np.asarray(recall, dtype=float)
    n = precision.size
    if n <= max_points:
        return {"precision": precision.tolist(), "recall": recall.tolist()}
    order = np.argsort(recall, kind="stable")
    r_sorted = recall[order]
    positive = r_sorted[r_sorted > 0]
    half = max_points // 2
    levels = np.linspace(0.0, 1.0, half)
    if positive.size:
        levels = np.concatenate([levels, np.geomspace(positive[0], 1.0, max_points - half)])
    idx = np.searchsorted(r_sorted, levels, side="left").clip(0, n - 1)
    keep = np.unique(np.concatenate([order[idx], [int(np.argmin(recall)), int(np.argmax(recall))]]))
    keep = keep[np.argsort(recall[keep], kind="stable")]
    return {"precision": precision[keep].tolist(), "recall": recall[keep].tolist()}


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _savefig(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(path)
    try:
        fig.savefig(tmp, format="png", dpi=120, bbox_inches="tight")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _label(run: dict) -> str:
    return run["method"] if run.get("celltype") is None else f"{run['method']} ({run['celltype']})"


def plot_pr_curves(runs: Sequence[dict], path: str | os.PathLike, *, title: str | None = None) -> Path:
    """One PNG with the precision-recall curve of every run (same truth) and the random line (prevalence)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    prevalences = set()
    for run in runs:
        curve = run.get("pr_curve")
        m = decode_metrics(run.get("metrics", {}))
        if not curve:
            continue
        recall = np.asarray(curve["recall"], dtype=float)
        precision = np.asarray(curve["precision"], dtype=float)
        # Points at recall 0 (thresholds above the first true edge) carry no precision information.
        keep = recall > 0
        ax.plot(recall[keep], precision[keep], lw=1.4, label=f"{_label(run)} (AUPRC {fmt(m.get('auprc'))})")
        prev = m.get("prevalence", m.get("auprc_random"))
        if prev is not None and not (isinstance(prev, float) and math.isnan(prev)):
            prevalences.add(round(float(prev), 12))
    for i, prev in enumerate(sorted(prevalences)):
        ax.axhline(prev, color="grey", ls="--", lw=1, label="random (prevalence %.4g)" % prev if i == 0 else None)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_xlim(0, 1)
    ax.set_ylim(bottom=0)
    ax.set_title(title or "precision-recall")
    ax.legend(fontsize="small", loc="upper right")
    try:
        return _savefig(fig, Path(path))
    finally:
        plt.close(fig)


def _run_group(run: dict) -> str:
    return run["truth"] if run.get("celltype") is None else f"{run['truth']} / {run['celltype']}"


def plot_compare(
    runs_by_source: dict[str, Sequence[dict]], metric: str, path: str | os.PathLike
) -> Path:
    """Grouped bar plot of ``metric``: one group per truth (and cell type), one bar per method (and source)."""
    plt = _plt()
    multi = len(runs_by_source) > 1
    groups: list[str] = []
    series: dict[str, dict[str, float]] = {}
    for source, runs in runs_by_source.items():
        for run in runs:
            g = _run_group(run)
            if g not in groups:
                groups.append(g)
            name = f"{run['method']} [{source}]" if multi else run["method"]
            value = decode_value(run["metrics"].get(metric))
            series.setdefault(name, {})[g] = float(value) if isinstance(value, (int, float)) else math.nan
    fig, ax = plt.subplots(figsize=(max(6.4, 1.2 * len(groups) * max(1, len(series)) / 3), 4.8))
    width = 0.8 / max(1, len(series))
    x = np.arange(len(groups))
    for i, (name, values) in enumerate(series.items()):
        heights = [values.get(g, math.nan) for g in groups]
        # inf (e.g. odds_ratio) cannot be drawn: show it as a missing bar; the table has the value.
        heights = [h if math.isfinite(h) else 0.0 for h in heights]
        ax.bar(x + (i - (len(series) - 1) / 2) * width, heights, width, label=name)
    ax.set_xticks(x)
    ax.set_xticklabels(groups, rotation=20, ha="right")
    ax.set_ylabel(metric)
    ax.set_title(f"{metric} by truth")
    ax.legend(fontsize="small")
    try:
        return _savefig(fig, Path(path))
    finally:
        plt.close(fig)


# --------------------------------------------------------------------------------------------- tables
def fmt(v: Any) -> str:
    """Short human formatting of a metric value."""
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


def summary_table(runs: Iterable[dict], *, title: str = "bengrn results"):
    """A rich Table of the main metrics, one row per run."""
    from rich.table import Table

    runs = list(runs)
    has_ct = any(r.get("celltype") is not None for r in runs)
    table = Table(title=title)
    for col in ("method", "truth", "dataset") + (("celltype",) if has_ct else ()):
        table.add_column(col)
    for m in SUMMARY_METRICS:
        table.add_column(m, justify="right")
    table.add_column("infer s", justify="right")
    for run in runs:
        met = run.get("metrics", {})
        t = run.get("provenance", {}).get("timings", {}).get("inference_s")
        cells = [run["method"], run["truth"], str(run.get("dataset"))]
        if has_ct:
            cells.append(str(run.get("celltype")))
        cells += [fmt(met.get(m)) for m in SUMMARY_METRICS]
        cells.append("" if t is None else f"{t:.1f}")
        table.add_row(*cells)
    return table


def compare_table(runs_by_source: dict[str, Sequence[dict]], metric: str):
    """A rich Table of ``metric``: rows = (truth, cell type, method), one column per results source."""
    from rich.table import Table

    table = Table(title=f"{metric}")
    table.add_column("truth")
    table.add_column("celltype")
    table.add_column("method")
    for source in runs_by_source:
        table.add_column(source, justify="right")
    rows: dict[tuple, dict[str, Any]] = {}
    for source, runs in runs_by_source.items():
        for run in runs:
            key = (run["truth"], str(run.get("celltype") or ""), run["method"])
            rows.setdefault(key, {})[source] = run["metrics"].get(metric)
    for key in sorted(rows):
        table.add_row(*key, *[fmt(rows[key].get(s)) if s in rows[key] else "-" for s in runs_by_source])
    return table
