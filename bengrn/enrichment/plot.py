"""Bar plot of an enrichment summary (matplotlib Agg canvas, no pyplot global state; written atomically)."""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from grnndata._files import atomic_path

from .summary import TF_FDR, TF_NES

__all__ = ["plot_summary"]


def _bars(summary: Mapping[str, Any]) -> tuple[list[str], list[float], list[bool]]:
    """(label, NES, called enriched) of the TF set per hub ranking, then of the top cell types of regulator hubs."""
    labels, nes, good = [], [], []
    for kind, entry in summary["hubs"].items():
        tf = entry.get("tf_enrichment") or {}
        if isinstance(tf.get("nes"), (int, float)):
            labels.append(f"TFs | {kind} hubs")
            nes.append(tf["nes"])
            good.append(bool(tf.get("enriched")))
    for rec in (summary["hubs"].get("regulator") or {}).get("top_cell_types", []):
        if isinstance(rec.get("nes"), (int, float)):
            labels.append(f"{rec['term']} | regulator hubs")
            nes.append(rec["nes"])
            good.append(isinstance(rec.get("fdr"), (int, float)) and rec["fdr"] < TF_FDR and rec["nes"] > TF_NES)
    return labels, nes, good


def plot_summary(summary: Mapping[str, Any], path: str | os.PathLike) -> Path:
    """Bar plot (PNG) of a :func:`~bengrn.enrichment.summary.summarize` result: TF-set NES per hub ranking and the
    top cell types.

    Written to a temporary file next to ``path`` and moved into place (never half-written).
    """
    # matplotlib is imported when a plot is drawn, not with bengrn.enrichment
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    path = Path(path)
    if "hubs" not in summary:
        raise ValueError("summary must be the dict returned by bengrn.enrichment.summarize")
    labels, nes, good = _bars(summary)
    fig = Figure(figsize=(7, 1.2 + 0.32 * max(len(labels), 1)))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    y = np.arange(len(labels))[::-1]
    ax.barh(y, nes, color=["#c0392b" if g else "#95a5a6" for g in good])
    ax.set_yticks(y, labels, fontsize=8)
    ax.axvline(TF_NES, color="k", lw=0.8, ls="--")
    ax.set_xlabel(f"NES (red: FDR < {TF_FDR} and NES > {TF_NES})")
    enc = summary.get("encode") or {}
    frac = enc.get("fraction_significant")
    title = "Network enrichment"
    if frac is not None:
        title += f" - ENCODE targets enriched for {100 * frac:.0f}% of {enc['n_tested']} TFs"
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=120)
    return path
