"""Plots of benchmark results: precision-recall curves per truth and grouped bars of one metric (PNG, atomic)."""
from __future__ import annotations

import logging
import math
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from bengrn.results import decode_metrics, format_value
from grnndata._files import atomic_path
from grnndata._json import decode_value

logger = logging.getLogger(__name__)

__all__ = ["downsample_curve", "plot_pr_curves", "plot_compare", "write_pr_plots"]


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


def _pyplot():
    # matplotlib costs ~0.4 s to import: loaded only when a plot is drawn.
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> Path:
    plt = _pyplot()
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png", dpi=120, bbox_inches="tight")
    finally:
        plt.close(fig)
    return path


def _label(run: dict) -> str:
    return run["method"] if run.get("celltype") is None else f"{run['method']} ({run['celltype']})"


def plot_pr_curves(runs: Sequence[dict], path: str | os.PathLike, *, title: str | None = None) -> Path:
    """One PNG with the precision-recall curve of every run (same truth) and the random line (prevalence)."""
    plt = _pyplot()
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
        ax.plot(recall[keep], precision[keep], lw=1.4,
                label=f"{_label(run)} (AUPRC {format_value(m.get('auprc'))})")
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
    return _save(fig, Path(path))


def _group(run: dict) -> str:
    return run["truth"] if run.get("celltype") is None else f"{run['truth']} / {run['celltype']}"


def plot_compare(runs_by_source: dict[str, Sequence[dict]], metric: str, path: str | os.PathLike) -> Path:
    """Grouped bar plot of ``metric``: one group per truth (and cell type), one bar per method (and source)."""
    plt = _pyplot()
    multi = len(runs_by_source) > 1
    groups: list[str] = []
    series: dict[str, dict[str, float]] = {}
    for source, runs in runs_by_source.items():
        for run in runs:
            g = _group(run)
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
    return _save(fig, Path(path))


def write_pr_plots(runs: Sequence[dict], plots_dir: Path, file_name) -> list[Path]:
    """One PR plot per (truth, cell type) of ``runs`` into ``plots_dir``; ``file_name(truth, celltype)`` names it.

    A failing plot is logged and skipped: a plot must not lose a finished benchmark.
    """
    paths = []
    for truth, celltype in dict.fromkeys((r["truth"], r.get("celltype")) for r in runs):
        sel = [r for r in runs if r["truth"] == truth and r.get("celltype") == celltype and r.get("pr_curve")]
        if not sel:
            continue
        name = file_name(truth, celltype)
        first = sel[0]  # the runs of one plot share their truth, dataset and universe
        title = (f"{truth} on {first['dataset']}" + ("" if celltype is None else f" ({celltype})")
                 + f"\nuniverse {first['universe']['name']}, {first['metrics']['n_positives']} truth edges")
        try:
            paths.append(plot_pr_curves(sel, plots_dir / name, title=title))
        except Exception as exc:  # a plot must not lose a finished benchmark
            logger.warning("precision-recall plot %s failed: %s", name, exc)
    return paths
