"""Rich tables the CLI prints: the run summary, a comparison of results files, the regression check's diff."""
from __future__ import annotations

import math
from typing import Any, Iterable, Sequence

from rich import box
from rich.table import Table

from bengrn.check import CheckResult
from bengrn.metrics import FLAGS
from bengrn.results import format_value
from grnndata._json import decode_value

__all__ = ["HEADLINE", "FLAG_CODES", "universe_label", "summary_tables", "flag_legend",
           "compare_table", "diff_table"]

# Headline metrics of the printed summary, each with its null z-score (results.csv has every metric): the paper's
# AUPRC, AUROC and the odds ratio at K (the paper's "EPR").
HEADLINE = (("auprc", "auprc"), ("auroc", "auroc"), ("odds_ratio", "OR"))
# Short names of the flags in the table; the legend under it says what they mean.
FLAG_CODES = {"few_truth_edges": "edges", "few_regulators": "regs", "few_expected_hits": "hits",
              "context_mismatch": "context"}
FLAG_TEXT = {**FLAGS, "context_mismatch": "the truth's organism, cell line or cell type differs from the cells'"}

_STATUS_STYLE = {"ok": "green", "improved": "cyan", "regressed": "bold red", "changed": "bold red",
                 "mismatch": "bold red", "missing": "bold red", "run missing": "bold red",
                 "params differ": "bold red"}


def universe_label(run: dict) -> str:
    """The universe a run was scored on, as printed (``truth``, ``tf``, ... ``, held-out regulators``)."""
    universe = run["universe"]
    return f"{universe['name']}, held-out regulators" if universe["heldout"] else universe["name"]


def _z(value) -> str:
    z = decode_value(value)
    return "" if not isinstance(z, (int, float)) else format_value(z) if not math.isfinite(z) else f"{z:+.1f}"


def _flags(metrics: dict) -> str:
    return " ".join(FLAG_CODES.get(f, f) for f in metrics.get("flags") or [])


def _summary_table(runs: list[dict], title: str) -> Table:
    headers = ["method", "n_pos"]
    for _, header in HEADLINE:
        headers += [header, "z"]
    headers += ["flags", "sec"]
    rows = []
    for run in runs:
        met = run.get("metrics", {})
        seconds = run.get("provenance", {}).get("timings", {}).get("inference_s")
        cells = [run["method"], format_value(met.get("n_positives"))]
        for key, _ in HEADLINE:
            cells += [format_value(met.get(key)), _z(met.get(f"{key}_z"))]
        rows.append(cells + [_flags(met), "" if seconds is None else f"{seconds:.1f}"])
    table = Table(title=title, box=box.SIMPLE_HEAD, padding=0, show_edge=False,
                  title_justify="left")
    for i, header in enumerate(headers):
        if header == "flags":  # the one column that wraps (between flags) when 80 columns are short
            table.add_column(header, min_width=max(len(w) for r in rows for w in [header, *r[i].split()]))
        else:  # names and numbers are never cut
            width = max(len(header), *(len(r[i]) for r in rows))
            table.add_column(header, justify="left" if header == "method" else "right", no_wrap=True,
                             min_width=width)
    for cells in rows:
        table.add_row(*cells)
    return table


def summary_tables(runs: Iterable[dict], *, seed: int | None = None) -> list[Table]:
    """One table per (universe, truth, dataset, cell type), so that a table never mixes universes: the headline
    metrics with their null z-scores, one row per method."""
    groups: dict[tuple, list[dict]] = {}
    for run in runs:
        key = (universe_label(run), run["truth"], run.get("dataset"), run.get("celltype"))
        groups.setdefault(key, []).append(run)
    tables = []
    for (label, truth, dataset, celltype), group in groups.items():
        where = dataset if celltype is None else f"{dataset} ({celltype})"
        tables.append(_summary_table(group, f"{truth} on {where} | universe {label}"
                                            + ("" if seed is None else f" | seed {seed}")))
    return tables


def flag_legend(runs: Iterable[dict]) -> list[str]:
    """One line per flag raised in ``runs``: its short name, its key and what it means."""
    raised = dict.fromkeys(f for r in runs for f in r.get("metrics", {}).get("flags") or [])
    return [f"{FLAG_CODES.get(f, f)}: {f} - {FLAG_TEXT.get(f, '')}".rstrip(" -") for f in raised]


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
