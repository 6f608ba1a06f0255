"""Plots of benchmark results (PNG, written atomically), drawn so that a biologist reads them at a glance.

- :func:`pr_figure` / :func:`plot_pr_curves`: the precision-recall curves of every run of one truth, the title naming
  truth, dataset, universe and number of truth edges; one "random" legend entry (the prevalence line, or the
  ``random`` method's curve when it is there); ``log_y`` for the small precisions of sparse truths.
- :func:`compare_figure` / :func:`plot_compare`: one metric, one panel per truth (each with its own y-axis, so a McCalla
  AUPRC of 1e-3 stays visible beside a THP1 AUPRC of 0.2), one bar per method (and results file), the permutation
  null as a grey band (mean +- 2 sd) behind each bar, one colour per method in every plot (:func:`method_colour`).

The ``*_figure`` functions return matplotlib figures (for notebooks and tests); the ``plot_*`` functions save them.
"""
from __future__ import annotations

import logging
import math
import os
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from bengrn.results import decode_metrics, format_value
from grnndata._files import atomic_path, sha256_bytes
from grnndata._json import decode_value

logger = logging.getLogger(__name__)

__all__ = ["downsample_curve", "method_colour", "method_colours", "run_universe", "pr_title", "pr_figure", "plot_pr_curves",
           "compare_figure", "plot_compare", "write_pr_plots"]

#: Colours of the built-in methods (fixed, so that a method keeps its colour in every plot of every run); other
#: names get a colour of :data:`_PALETTE` from a hash of the name. ``random`` is always grey.
METHOD_COLOURS = {
    "scprint": "#1f77b4", "genie3": "#ff7f0e", "genie3-tf": "#d62728", "grnboost2": "#2ca02c",
    "grnboost2-tf": "#98df8a", "correlation": "#9467bd", "spearman": "#c5b0d5", "deepsem": "#8c564b",
    "random": "#7f7f7f", "random (held-out)": "#7f7f7f",
}
_PALETTE = ("#17becf", "#bcbd22", "#e377c2", "#393b79", "#637939", "#bd9e39", "#843c39", "#7b4173", "#e6550d",
            "#3182bd", "#31a354", "#756bb1")
_HATCHES = ("", "//", "..", "xx", "\\\\", "++", "--")
_RANDOM = "#7f7f7f"


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


def method_colour(name: str) -> str:
    """The colour of a method in every plot: fixed for the built-in methods, else chosen by a hash of the name."""
    if name in METHOD_COLOURS:
        return METHOD_COLOURS[name]
    return _PALETTE[_slot(name)]


def _slot(name: str) -> int:
    return int(sha256_bytes(str(name).encode())[:8], 16) % len(_PALETTE)


def method_colours(names: Sequence[str]) -> dict[str, str]:
    """:func:`method_colour` of each name; when two hashed names of one plot share a colour, the later one takes the
    next free colour of the palette (so a plot never shows two methods alike)."""
    out = {n: METHOD_COLOURS[n] for n in names if n in METHOD_COLOURS}
    taken = set(out.values())
    for name in dict.fromkeys(n for n in names if n not in METHOD_COLOURS):
        slot = _slot(name)
        for step in range(len(_PALETTE)):
            colour = _PALETTE[(slot + step) % len(_PALETTE)]
            if colour not in taken:
                break
        out[name] = colour
        taken.add(colour)
    return out


def _float(value) -> float:
    value = decode_value(value)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else math.nan


def run_universe(run: dict) -> str:
    """The universe a run was scored on, as printed (``truth``, ``tf, held-out regulators``, ...; ``?`` if unknown)."""
    universe = run.get("universe") or {}
    name = universe.get("name") or run.get("metrics", {}).get("universe") or "?"
    return f"{name}, held-out regulators" if universe.get("heldout") else str(name)


def _label(run: dict) -> str:
    return run["method"] if run.get("celltype") is None else f"{run['method']} ({run['celltype']})"


def _counts(values: Sequence[float]) -> str:
    """``1,514`` or ``1,514-1,678`` for the truth edges of several runs."""
    vals = sorted({int(v) for v in values if math.isfinite(v)})
    if not vals:
        return "?"
    return f"{vals[0]:,}" if len(vals) == 1 else f"{vals[0]:,}-{vals[-1]:,}"


def pr_title(runs: Sequence[dict]) -> str:
    """``<truth> on <dataset> (<cell type>)`` / ``universe <u> (R regulators x T targets) | N truth edges``."""
    first = runs[0]
    dataset = first.get("dataset") or "the networks' genes"
    where = dataset if first.get("celltype") is None else f"{dataset} ({first['celltype']})"
    universes = ", ".join(dict.fromkeys(run_universe(r) for r in runs))
    mets = [decode_metrics(r.get("metrics", {})) for r in runs]
    size = ""
    if len({(m.get("n_regulators"), m.get("n_targets")) for m in mets}) == 1 and mets[0].get("n_targets") is not None:
        size = f" ({int(mets[0]['n_regulators']):,} regulators x {int(mets[0]['n_targets']):,} targets)"
    edges = _counts([_float(m.get("n_positives")) for m in mets])
    return f"{first['truth']} on {where}\nuniverse {universes}{size} | {edges} truth edges"


def _z_text(m: dict, metric: str) -> str:
    z = _float(m.get(f"{metric}_z"))
    return "" if math.isnan(z) else f", z {z:+.1f}" if math.isfinite(z) else f", z {format_value(z)}"


def pr_figure(runs: Sequence[dict], *, title: str | None = None, log_y: bool = False):
    """The precision-recall curves of ``runs`` (one truth) with the random predictor; returns the figure.

    Each legend entry gives the run's AUPRC (and its null z-score when the run has a null). The random predictor's
    expected precision is the prevalence (a horizontal line); a ``random`` method's curve, when present, is drawn in
    the same grey and is then the one "random" entry of the legend. Methods keep their colours
    (:func:`method_colours`).
    """
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    prevalences: set[float] = set()
    lowest, highest = math.inf, 0.0
    has_random = any(r["method"].startswith("random") for r in runs if r.get("pr_curve"))
    colours = method_colours([r["method"] for r in runs])
    for run in runs:
        curve = run.get("pr_curve")
        m = decode_metrics(run.get("metrics", {}))
        prev = _float(m.get("prevalence", m.get("auprc_random")))
        if math.isfinite(prev) and prev > 0:
            prevalences.add(round(prev, 12))
        if not curve:
            continue
        recall = np.asarray(curve["recall"], dtype=float)
        precision = np.asarray(curve["precision"], dtype=float)
        # Points at recall 0 (thresholds above the first true edge) carry no precision information.
        keep = recall > 0
        if keep.any() and (precision[keep] > 0).any():
            lowest = min(lowest, float(precision[keep][precision[keep] > 0].min()))
            highest = max(highest, float(precision[keep].max()))
        random_run = run["method"].startswith("random")
        ax.plot(recall[keep], precision[keep], lw=1.0 if random_run else 1.5,
                color=_RANDOM if random_run else colours[run["method"]], ls="--" if random_run else "-",
                label=f"{_label(run)}: AUPRC {format_value(m.get('auprc'))}{_z_text(m, 'auprc')}")
    for i, prev in enumerate(sorted(prevalences)):
        # One legend entry says "random": the random method's curve if drawn, else this line.
        text = f"prevalence {prev:.3g} (chance level)" if has_random else \
            f"random (precision = prevalence {prev:.3g})"
        ax.axhline(prev, color=_RANDOM, ls=":", lw=1.2, label=None if i else text)
        lowest, highest = min(lowest, prev), max(highest, prev)
    ax.set_xlabel("recall (fraction of truth edges recovered)")
    ax.set_ylabel("precision (fraction of predicted edges in the truth)" + (", log scale" if log_y else ""))
    ax.set_xlim(0, 1)
    if log_y:
        ax.set_yscale("log")
        ax.set_ylim(lowest / 2 if math.isfinite(lowest) else 1e-4, 1.05)
    else:
        # Real precisions are often a few percent: zoom on them rather than draw a flat line at the bottom of [0, 1].
        ax.set_ylim(0, min(1.02, max(1.15 * highest, 3 * min(prevalences, default=0.0), 0.05)))
    ax.set_title(title or (pr_title(runs) if runs else "precision-recall"), fontsize=10)
    ax.grid(alpha=0.3, which="major")
    ax.legend(fontsize="small", loc="best", framealpha=0.9)
    return fig


def plot_pr_curves(runs: Sequence[dict], path: str | os.PathLike, *, title: str | None = None,
                   log_y: bool = False) -> Path:
    """Save :func:`pr_figure` as a PNG at ``path``."""
    return _save(pr_figure(runs, title=title, log_y=log_y), Path(path))


# --------------------------------------------------------------------------------------------- compare
def _facet(run: dict) -> tuple[str, str | None]:
    return run["truth"], run.get("celltype")


def _facet_title(truth: str, celltype: str | None, universe: str, runs: list[dict]) -> str:
    edges = _counts([_float(r["metrics"].get("n_positives")) for r in runs])
    head = truth if celltype is None else f"{truth} / {celltype}"
    return f"{head}\nuniverse {universe} | {edges} truth edges"


def _bar_value(ax, x: float, above: float, value: float, top: float) -> None:
    """The value written above the bar and its null band (``above``: the higher of the two)."""
    text = format_value(value) if not math.isnan(value) else "n/a"
    ax.text(x, above + 0.01 * top, text, ha="center", va="bottom", fontsize=7, rotation=90 if len(text) > 5 else 0)


def _bars(items: list[tuple[str, dict]], metric: str, width: float) -> tuple[list[str], list[tuple]]:
    """The methods of one panel and its bars ``(x, value, null mean, null sd, method, source)``: the sources that
    have a method share its slot, centred on it."""
    methods = list(dict.fromkeys(r["method"] for _, r in items))
    bars = []
    for i, method in enumerate(methods):
        mine = [(source, run) for source, run in items if run["method"] == method]
        for j, (source, run) in enumerate(mine):
            m = decode_metrics(run["metrics"])
            bars.append((i + (j - (len(mine) - 1) / 2) * width, _float(m.get(metric)),
                         _float(m.get(f"{metric}_null_mean")), _float(m.get(f"{metric}_null_sd")), method, source))
    return methods, bars


def compare_figure(runs_by_source: dict[str, Sequence[dict]], metric: str):
    """Bars of ``metric``: one panel per (truth, cell type, universe), one bar per method and results file (hatched
    per file when several); a panel never mixes universes.

    Behind each bar, a grey band spans the run's permutation null, mean +- 2 sd (keys ``{metric}_null_mean`` and
    ``{metric}_null_sd``), with a black tick at the null mean: a bar that ends inside its band is at chance. Infinite
    values (an odds ratio without a false positive) are drawn as empty bars labelled ``inf``. Returns the figure.
    """
    plt = _pyplot()
    from matplotlib.patches import Patch  # with pyplot: only when a plot is drawn

    sources = list(runs_by_source)
    colours = method_colours([r["method"] for runs in runs_by_source.values() for r in runs])
    facets: dict[tuple, list[tuple[str, dict]]] = {}
    for source, runs in runs_by_source.items():
        for run in runs:
            facets.setdefault((*_facet(run), run_universe(run)), []).append((source, run))
    truths = list(dict.fromkeys(k[0] for k in facets))
    facets = dict(sorted(facets.items(), key=lambda kv: truths.index(kv[0][0])))  # a truth's universes side by side
    n = max(1, len(facets))
    ncols = min(3, n)
    nrows = math.ceil(n / ncols)
    widest = max((len(items) for items in facets.values()), default=1)
    fig, axes = plt.subplots(nrows, ncols, squeeze=False,
                             figsize=(ncols * max(3.6, 0.45 * widest + 1.8), 3.6 * nrows + 0.6))
    width = 0.8 / max(1, len(sources))
    any_null = False
    for ax, ((truth, celltype, universe), items) in zip(axes.ravel(), facets.items()):
        methods, bars = _bars(items, metric, width)
        finite = [v for b in bars for v in (b[1], b[2] + 2 * b[3]) if math.isfinite(v)]
        top = max(finite, default=1.0) or 1.0  # room above for the labels
        for x, value, mean, sd, method, source in bars:
            height = value if math.isfinite(value) else 0.0
            band_top = mean + 2 * sd if math.isfinite(mean) and math.isfinite(sd) else 0.0
            if math.isfinite(mean) and math.isfinite(sd):
                any_null = True
                low = max(0.0, mean - 2 * sd)
                ax.bar(x, mean + 2 * sd - low, width * 0.95, bottom=low, color="#bbbbbb", alpha=0.6, zorder=1)
                ax.hlines(mean, x - width * 0.47, x + width * 0.47, color="black", lw=1, zorder=3)
            hatch = _HATCHES[sources.index(source) % len(_HATCHES)] if len(sources) > 1 else ""
            ax.bar(x, height, width * 0.55, color=colours[method], hatch=hatch,
                   edgecolor="white" if hatch else None, zorder=2)
            _bar_value(ax, x, max(height, band_top), value, top)
        ax.set_xticks(range(len(methods)))
        ax.set_xticklabels(methods, rotation=30 if len(methods) > 2 else 0, ha="right" if len(methods) > 2 else
                           "center", fontsize=8)
        ax.set_xlim(-0.6, len(methods) - 0.4)
        ax.set_ylim(0, top * 1.35)
        ax.set_ylabel(metric)
        ax.set_title(_facet_title(truth, celltype, universe, [r for _, r in items]), fontsize=9)
        ax.grid(axis="y", alpha=0.3)
    for ax in axes.ravel()[len(facets):]:
        ax.set_visible(False)
    handles = []
    if any_null:
        handles.append(Patch(color="#bbbbbb", alpha=0.6, label="null: mean +- 2 sd (label permutations)"))
    if len(sources) > 1:
        handles += [Patch(facecolor="white", edgecolor="black", hatch=_HATCHES[i % len(_HATCHES)], label=s)
                    for i, s in enumerate(sources)]
    if handles:
        fig.legend(handles=handles, loc="lower center", ncol=min(4, len(handles)), fontsize="small",
                   bbox_to_anchor=(0.5, 0.0), frameon=False)
    fig.suptitle(f"{metric} per truth (each panel has its own scale)", fontsize=11)
    fig.tight_layout(rect=(0, 0.06 if handles else 0, 1, 0.97))
    return fig


def plot_compare(runs_by_source: dict[str, Sequence[dict]], metric: str, path: str | os.PathLike) -> Path:
    """Save :func:`compare_figure` as a PNG at ``path``."""
    return _save(compare_figure(runs_by_source, metric), Path(path))


def write_pr_plots(runs: Sequence[dict], plots_dir: Path | None, file_name: Callable[[str, str | None], str], *,
                   log_y: bool = False) -> list[Path]:
    """One PR plot per (truth, cell type) of ``runs`` into ``plots_dir``; ``file_name(truth, celltype)`` names it.

    ``plots_dir=None`` writes nothing (a benchmark kept in memory). A failing plot is logged and skipped: a plot
    must not lose a finished benchmark.
    """
    if plots_dir is None:
        return []
    paths = []
    for truth, celltype in dict.fromkeys(_facet(r) for r in runs):
        sel = [r for r in runs if _facet(r) == (truth, celltype) and r.get("pr_curve")]
        if not sel:
            continue
        name = file_name(truth, celltype)
        try:
            paths.append(plot_pr_curves(sel, plots_dir / name, log_y=log_y))
        except Exception as exc:  # a plot must not lose a finished benchmark
            logger.warning("precision-recall plot %s failed: %s", name, exc)
    return paths
