"""Rich tables the CLI prints: the run summary, a comparison of results files, the regression check's diff."""
from __future__ import annotations

from typing import Any, Iterable, Sequence

from rich.table import Table

from bengrn.check import CheckResult
from bengrn.results import format_value

__all__ = ["SUMMARY_METRICS", "summary_table", "compare_table", "diff_table"]

# Metrics shown in the printed summary (results.csv has every metric).
SUMMARY_METRICS = ("auprc", "auprc_random", "ap", "auroc", "epr", "precision_at_k", "recall_at_k", "odds_ratio")

_STATUS_STYLE = {"ok": "green", "improved": "cyan", "regressed": "bold red", "changed": "bold red",
                 "mismatch": "bold red", "missing": "bold red", "run missing": "bold red",
                 "params differ": "bold red"}


def summary_table(runs: Iterable[dict], *, title: str = "bengrn results") -> Table:
    """The main metrics, one row per run."""
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
        cells += [format_value(met.get(m)) for m in SUMMARY_METRICS]
        cells.append("" if t is None else f"{t:.1f}")
        table.add_row(*cells)
    return table


def compare_table(runs_by_source: dict[str, Sequence[dict]], metric: str) -> Table:
    """``metric`` per (truth, cell type, method) row, one column per results source."""
    table = Table(title=f"{metric}")
    for col in ("truth", "celltype", "method"):
        table.add_column(col)
    for source in runs_by_source:
        table.add_column(source, justify="right")
    rows: dict[tuple, dict[str, Any]] = {}
    for source, runs in runs_by_source.items():
        for run in runs:
            key = (run["truth"], str(run.get("celltype") or ""), run["method"])
            rows.setdefault(key, {})[source] = run["metrics"].get(metric)
    for key in sorted(rows):
        table.add_row(*key, *[format_value(rows[key].get(s)) if s in rows[key] else "-" for s in runs_by_source])
    return table


def diff_table(result: CheckResult, *, show_all: bool = False) -> Table:
    """(run, metric, baseline, now, delta, tolerance, status); only non-ok rows unless ``show_all``."""
    table = Table(title="bengrn check")
    for col, just in (("run", "left"), ("metric", "left"), ("baseline", "right"), ("now", "right"),
                      ("delta", "right"), ("tolerance", "left"), ("status", "left")):
        table.add_column(col, justify=just)
    for row in result.rows:
        if not show_all and row.status == "ok":
            continue
        delta = "" if row.delta is None else (f"{row.delta:+.3e}" if row.delta else "0")
        style = _STATUS_STYLE.get(row.status, "")
        table.add_row(row.run, row.metric, format_value(row.baseline), format_value(row.now), delta, row.tolerance,
                      f"[{style}]{row.status}[/]" if style else row.status)
    return table
