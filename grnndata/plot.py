"""Plot of a seeded neighbourhood (matplotlib Agg canvas, networkx layout; no pyplot global state)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._files import atomic_path
from .core import DEFAULT_KEY, GRnnData
from .views import Neighbourhood, neighbourhood

if TYPE_CHECKING:  # matplotlib is imported when a plot is drawn, not with grnndata
    from matplotlib.figure import Figure

POSITIVE, NEGATIVE, SEED, NEIGHBOUR = "tab:red", "tab:blue", "tab:orange", "lightgrey"


def neighbourhood_title(hood: Neighbourhood, key: str = DEFAULT_KEY) -> str:
    """``"SEED: n neighbours, m edges (key)"``, plus which cut-off a tie decided (by gene order)."""
    title = f"{hood.seed}: {len(hood.nodes) - 1} neighbours, {len(hood.edges)} edges ({key})"
    tied = [what for what, flag in (("neighbours", hood.tied_neighbours), ("edges", hood.tied_edges)) if flag]
    if tied:
        title += f"\nties at the cut-off: {' and '.join(tied)} kept by gene order"
    return title


def neighbourhood_figure(
    hood: Neighbourhood, *, key: str = DEFAULT_KEY, layout_seed: int = 0, title: str | None = None
) -> Figure:
    """Draw a :class:`~grnndata.views.Neighbourhood` on a new matplotlib Figure (Agg canvas) and return it.

    Arrows point regulator -> target; width is proportional to ``|score|``; red = positive, blue = negative; the seed
    is drawn larger in orange. The legend names the colours; the title (:func:`neighbourhood_title` unless ``title``
    is given) counts neighbours and edges and says when a tie at a cut-off decided which were kept.
    """
    import networkx as nx
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    graph = nx.DiGraph()
    graph.add_nodes_from(hood.nodes)
    graph.add_weighted_edges_from(hood.edges.itertuples(index=False, name=None))
    pos = nx.spring_layout(graph, seed=layout_seed)

    fig = Figure(figsize=(6, 6))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    weights = hood.edges["weight"].to_numpy(dtype=np.float64)
    widths = 0.5 + 3.0 * np.abs(weights) / (np.abs(weights).max() if weights.size else 1.0)
    colors = np.where(weights > 0, POSITIVE, NEGATIVE).tolist()  # zero scores are never edges
    edgelist = list(zip(hood.edges["source"], hood.edges["target"]))
    nx.draw_networkx_edges(graph, pos, edgelist=edgelist, width=widths, edge_color=colors, ax=ax,
                           arrows=True, arrowsize=12, node_size=600, connectionstyle="arc3,rad=0.08")
    node_colors = [SEED if n == hood.seed else NEIGHBOUR for n in graph.nodes]
    node_sizes = [900 if n == hood.seed else 500 for n in graph.nodes]
    nx.draw_networkx_nodes(graph, pos, node_color=node_colors, node_size=node_sizes, ax=ax)
    nx.draw_networkx_labels(graph, pos, font_size=8, ax=ax)
    handles = [
        Line2D([], [], color=POSITIVE, lw=2, label="positive score"),
        Line2D([], [], color=NEGATIVE, lw=2, label="negative score"),
        Line2D([], [], ls="", marker="o", ms=10, color=SEED, label="seed gene"),
        Line2D([], [], ls="", marker="o", ms=8, color=NEIGHBOUR, label="neighbour"),
    ]
    # below the axes, so that it never hides a node
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=4, fontsize=8,
              title="width ~ |score|", title_fontsize=8, frameon=False)
    ax.set_title(title or neighbourhood_title(hood, key), fontsize=10)
    ax.set_axis_off()
    return fig


def plot_neighbourhood(
    network: GRnnData | Any,
    seed: str,
    path: os.PathLike[str] | str,
    genes: Any = None,
    *,
    key: str = DEFAULT_KEY,
    n_neighbours: int = 10,
    n_edges: int = 30,
    absolute: bool = True,
    layout_seed: int = 0,
    title: str | None = None,
    dpi: int = 120,
) -> Neighbourhood:
    """Draw :func:`~grnndata.views.neighbourhood` of ``seed`` to a PNG at ``path`` and return it.

    The drawing is :func:`neighbourhood_figure`. The file is written to a temporary name and renamed.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"directory {path.parent} does not exist; create it first")
    hood = neighbourhood(
        network, seed, genes, key=key, n_neighbours=n_neighbours, n_edges=n_edges, absolute=absolute
    )
    fig = neighbourhood_figure(hood, key=key, layout_seed=layout_seed, title=title)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi, bbox_inches="tight")
    return hood
