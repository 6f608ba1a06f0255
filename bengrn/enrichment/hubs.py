"""Hub genes of a network: out-going strength (regulator), in-coming strength (target), eigenvector centrality.

Computed by grnndata's one implementation (:func:`grnndata.views.hub_scores`,
:func:`grnndata.views.centrality_vector`) with the options of the scPRINT paper's analysis: edge strength
``|score|``, self-loops ignored, centrality of the symmetrised graph ``|A| + |A|^T`` per connected component.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from grnndata.views import centrality_vector, hub_scores

from ._input import network_and_genes

__all__ = ["hubs", "hub_centrality", "HUB_KINDS", "HUB_CENTRALITY"]

HUB_KINDS = ("regulator", "target", "centrality")
#: Options of :func:`grnndata.views.centrality_vector` for hub centrality. The directed graph is symmetrised because
#: regulatory networks are close to acyclic (a DAG has only zero eigenvalues, so directed eigenvector centrality is
#: undefined); disconnected graphs are handled per component.
HUB_CENTRALITY = {"direction": "undirected", "absolute": True, "per_component": True, "tol": 1e-10}


def hub_centrality(network: Any, *, self_loops: bool = False) -> np.ndarray:
    """Eigenvector centrality of the undirected weighted graph ``W = |A| + |A|^T`` (a dense or sparse matrix).

    On a connected graph it equals ``networkx.eigenvector_centrality_numpy(networkx.Graph(W), weight="weight")``
    (unit L2 norm). Disconnected graphs: each connected component gets its own leading eigenvector (unit norm within
    the component) scaled by ``lambda_component / lambda_max``; isolated genes and an all-zero network get 0.
    ``self_loops=True`` counts a self-loop once (as networkx). This is :func:`grnndata.views.centrality_vector`
    with :data:`HUB_CENTRALITY`.
    """
    return centrality_vector(network, self_loops=self_loops, **HUB_CENTRALITY)


def hubs(
    network: Any, genes: Sequence[str] | None = None, *, centrality: bool = True, self_loops: bool = False
) -> pd.DataFrame:
    """Hub scores of every gene.

    Parameters
    ----------
    network
        genes x genes scores (dense, scipy sparse or a GRnnData), rows = regulators.
    genes
        Gene symbols of the rows/columns.
    centrality
        Also compute eigenvector centrality (see :func:`hub_centrality`).
    self_loops
        Keep the diagonal (default: ignored).

    Returns
    -------
    DataFrame indexed by gene (input order) with columns ``regulator`` (sum of |out-going| edges, row sums),
    ``target`` (sum of |in-coming| edges, column sums) and ``centrality``. Rank with
    ``df[col].sort_values(ascending=False)``.
    """
    mat, genes = network_and_genes(network, genes)
    degrees = hub_scores(mat, genes, absolute=True, self_loops=self_loops)
    df = pd.DataFrame({"regulator": degrees["out_degree"], "target": degrees["in_degree"]}, index=genes)
    if centrality:
        df["centrality"] = hub_centrality(mat, self_loops=self_loops)
    df.index.name = "gene"
    return df
