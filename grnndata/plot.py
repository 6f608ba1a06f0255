"""PNG plot of a seeded neighbourhood (matplotlib Agg canvas, networkx layout; no pyplot global state)."""
from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from .core import DEFAULT_KEY, GRnnData
from .views import Neighbourhood, neighbourhood


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

    Arrows point regulator -> target; width is proportional to ``|score|``; red = positive, blue = negative;
    the seed is drawn larger in orange. The file is written to a temporary name and renamed.
    """
    import networkx as nx
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"directory {path.parent} does not exist; create it first")
    hood = neighbourhood(
        network, seed, genes, key=key, n_neighbours=n_neighbours, n_edges=n_edges, absolute=absolute
    )
    graph = nx.DiGraph()
    graph.add_nodes_from(hood.nodes)
    graph.add_weighted_edges_from(hood.edges.itertuples(index=False, name=None))
    pos = nx.spring_layout(graph, seed=layout_seed)

    fig = Figure(figsize=(6, 6))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    weights = hood.edges["weight"].to_numpy(dtype=np.float64)
    widths = 0.5 + 3.0 * np.abs(weights) / (np.abs(weights).max() if weights.size else 1.0)
    colors = ["tab:red" if w > 0 else "tab:blue" for w in weights]
    edgelist = list(zip(hood.edges["source"], hood.edges["target"]))
    nx.draw_networkx_edges(graph, pos, edgelist=edgelist, width=widths, edge_color=colors, ax=ax,
                           arrows=True, arrowsize=12, node_size=600, connectionstyle="arc3,rad=0.08")
    node_colors = ["tab:orange" if n == seed else "lightgrey" for n in graph.nodes]
    node_sizes = [900 if n == seed else 500 for n in graph.nodes]
    nx.draw_networkx_nodes(graph, pos, node_color=node_colors, node_size=node_sizes, ax=ax)
    nx.draw_networkx_labels(graph, pos, font_size=8, ax=ax)
    ax.set_title(title or f"{seed}: {len(hood.nodes) - 1} neighbours, {len(hood.edges)} edges ({key})")
    ax.set_axis_off()
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        fig.savefig(tmp, format="png", dpi=dpi, bbox_inches="tight")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return hood
