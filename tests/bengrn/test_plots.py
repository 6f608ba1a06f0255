"""Every plot is rendered and read back as matplotlib objects: titles, axes, legend entries, bar heights, null bands
and colours, on runs scored by ``bengrn.metrics.evaluate`` from the shared toy data."""
from __future__ import annotations

import math

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from bengrn import align, evaluate  # noqa: E402
from bengrn.plots import (  # noqa: E402
    METHOD_COLOURS, compare_figure, downsample_curve, method_colour, method_colours, plot_compare, plot_pr_curves,
    pr_figure, write_pr_plots,
)
from bengrn.protocols import universe_summary  # noqa: E402
from bengrn.store import pr_plot_name  # noqa: E402
from grnndata.toy import toy  # noqa: E402

TOY = toy(n_cells=200, n_genes=60, n_regulators=8, n_edges=120, seed=3)


def _run(method: str, network, truth_name: str = "toy", *, dataset: str = "toy-cells", n_null: int = 30) -> dict:
    genes = list(TOY.network.var_names)
    matrix, stats = align(TOY.truth, genes)
    metrics, (precision, recall, _) = evaluate(network, matrix, genes=genes, universe="truth",
                                               regulators=stats["regulators"], targets=stats["targets"],
                                               n_null=n_null, seed=0, return_curve=True)
    return {"method": method, "truth": truth_name, "dataset": dataset, "celltype": None,
            "universe": universe_summary(metrics, matrix.nnz), "metrics": metrics,
            "pr_curve": downsample_curve(precision, recall)}


@pytest.fixture(scope="module")
def runs():
    planted = np.abs(TOY.network.network("GRN").toarray())
    rng = np.random.default_rng(0)
    noisy = planted + rng.random(planted.shape) * 0.8
    return [_run("planted", planted), _run("noisy-copy", noisy), _run("random", rng.random(planted.shape))]


def _legend(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_pr_figure_title_axes_and_one_random_entry(runs):
    fig = pr_figure(runs)
    ax = fig.axes[0]
    n_pos = runs[0]["metrics"]["n_positives"]
    n_reg, n_tgt = runs[0]["metrics"]["n_regulators"], runs[0]["metrics"]["n_targets"]
    assert ax.get_title() == (f"toy on toy-cells\nuniverse truth ({n_reg:,} regulators x {n_tgt:,} targets) | "
                              f"{n_pos:,} truth edges")
    assert ax.get_xlabel().startswith("recall") and ax.get_ylabel().startswith("precision")
    assert ax.get_yscale() == "linear" and ax.get_xlim() == (0.0, 1.0)
    legend = _legend(ax)
    assert sum("random" in t for t in legend) == 1
    assert legend[0] == f"planted: AUPRC {runs[0]['metrics']['auprc']:.4g}, z {runs[0]['metrics']['auprc_z']:+.1f}"
    # the prevalence line is drawn at the prevalence, and the random curve in grey
    prevalence = runs[0]["metrics"]["prevalence"]
    assert any(np.allclose(line.get_ydata(), prevalence) for line in ax.get_lines())
    colours = {line.get_label().split(":")[0]: line.get_color() for line in ax.get_lines()}
    assert colours["random"] == METHOD_COLOURS["random"]
    matplotlib.pyplot.close(fig)


def test_pr_figure_log_y_and_a_random_line_without_random_method(runs):
    fig = pr_figure(runs[:2], log_y=True)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and "log scale" in ax.get_ylabel()
    low, high = ax.get_ylim()
    assert low <= runs[0]["metrics"]["prevalence"] / 2 + 1e-12 and high == pytest.approx(1.05)
    legend = _legend(ax)
    assert [t for t in legend if "random" in t] == [
        f"random (precision = prevalence {runs[0]['metrics']['prevalence']:.3g})"]
    matplotlib.pyplot.close(fig)


def _bars(ax):
    """(x centre, height, bottom, colour) of every bar of an axis."""
    return [(p.get_x() + p.get_width() / 2, p.get_height(), p.get_y(), p.get_facecolor()) for p in ax.patches]


def test_compare_figure_facets_per_truth_with_own_scales_null_band_and_stable_colours(runs):
    thp1 = [dict(r, truth="thp1-like", metrics={**r["metrics"], "auprc": r["metrics"]["auprc"] * 100,
                                                "auprc_null_mean": r["metrics"]["auprc_null_mean"] * 100,
                                                "auprc_null_sd": r["metrics"]["auprc_null_sd"] * 100})
            for r in runs[:2]]
    fig = compare_figure({"a": runs + thp1}, "auprc")
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert len(axes) == 2
    assert axes[0].get_title().startswith("toy\nuniverse truth | ")
    assert axes[1].get_title().startswith("thp1-like\nuniverse truth | ")
    # each truth keeps its own y scale: 100x larger values, 100x larger axis
    assert axes[1].get_ylim()[1] == pytest.approx(100 * axes[0].get_ylim()[1])
    assert [t.get_text() for t in axes[0].get_xticklabels()] == ["planted", "noisy-copy", "random"]
    m = runs[0]["metrics"]
    bars = _bars(axes[0])
    # the band: bottom mean - 2 sd, height 4 sd; the bar: the metric
    band = [b for b in bars if b[2] > 0 and b[0] == pytest.approx(0.0)]
    assert band and band[0][2] == pytest.approx(max(0.0, m["auprc_null_mean"] - 2 * m["auprc_null_sd"]))
    assert band[0][1] + band[0][2] == pytest.approx(m["auprc_null_mean"] + 2 * m["auprc_null_sd"])
    heights = sorted(round(b[1], 12) for b in bars if b[2] == 0)
    assert round(m["auprc"], 12) in heights
    # the same method has the same colour in both panels
    planted = [b[3] for ax in axes for b in _bars(ax) if b[2] == 0 and b[0] == pytest.approx(0.0)]
    assert len(planted) == 2 and planted[0] == planted[1]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["null: mean +- 2 sd (label permutations)"]
    matplotlib.pyplot.close(fig)


def test_compare_figure_several_sources_hatched_and_infinite_values(runs):
    inf_run = dict(runs[0], metrics={**runs[0]["metrics"], "odds_ratio": math.inf})
    fig = compare_figure({"first": [inf_run], "second": runs[:1]}, "odds_ratio")
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert "inf" in texts
    drawn = [b for b in _bars(ax) if b[2] == 0]
    assert min(b[1] for b in drawn) == 0.0  # the infinite bar is empty
    assert [t.get_text() for t in fig.legends[0].get_texts()][-2:] == ["first", "second"]
    matplotlib.pyplot.close(fig)


def test_colours_are_fixed_for_builtins_stable_for_others_and_distinct_in_one_plot():
    assert method_colour("genie3") == METHOD_COLOURS["genie3"]
    assert method_colour("my-network") == method_colour("my-network")
    # find two names whose hashes collide: one plot still gives them two colours
    first = method_colour("net-0")
    other = next(f"net-{i}" for i in range(1, 500) if method_colour(f"net-{i}") == first)
    colours = method_colours(["net-0", other, "genie3"])
    assert colours["net-0"] == first and colours[other] != first and len(set(colours.values())) == 3


def test_plots_are_written_atomically_as_png(runs, tmp_path):
    paths = write_pr_plots(runs, tmp_path / "plots", pr_plot_name, log_y=True)
    assert paths == [tmp_path / "plots" / "pr__toy.png"]
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert write_pr_plots(runs, None, pr_plot_name) == []
    assert plot_pr_curves(runs, tmp_path / "x.png").is_file()
    assert plot_compare({"a": runs}, "auprc", tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["c.png", "plots", "pr__toy.png", "x.png"]
