"""grnndata: gene networks stored in AnnData ``varp``.

A :class:`GRnnData` is an :class:`anndata.AnnData` (cells x genes, possibly 0 cells) whose gene x gene
networks live in ``varp``. A file it writes is an ordinary ``.h5ad``: plain ``anndata.read_h5ad`` opens it
with the networks intact, and a plain AnnData holding such ``varp`` entries is wrapped without copying.

Orientation (one convention everywhere)
    ``network[i, j]`` is the score of the edge regulator ``genes[i]`` -> target ``genes[j]``
    (rows = sources/regulators, columns = targets). Methods that produce the other orientation convert
    at their boundary with :func:`from_target_rows` / :meth:`GRnnData.as_target_rows`; user code reads
    :meth:`GRnnData.targets_of` and :meth:`GRnnData.regulators_of` instead of transposing.

Storage
    - Network ``key`` (default ``"GRN"``) is ``varp[key]``: dense ``(genes, genes)``, scipy sparse CSR/CSC,
      or a dense per-head stack ``(genes, genes, heads)`` (anndata >= 0.10 stores 3-D ``varp`` arrays
      natively; gene slicing subsets the first two axes).
    - Provenance (``method``, ``parameters``, ``created`` UTC ISO time, ``orientation``, anything extra) is a
      JSON string at ``uns["grnndata"]["networks"][key]`` so lists, ``None`` and nesting survive .h5ad exactly.
      Read it with :meth:`GRnnData.network_metadata`.

Slicing and concatenation
    ``net[cells]`` keeps every network; ``net[:, genes]`` keeps the induced sub-network in the order asked
    for; both return ``GRnnData`` views, and ``copy()``/``read_h5ad`` return ``GRnnData``.
    :func:`concat` joins cells: genes must be identical (same order), and networks must be equal
    (``networks="same"``, default) or are taken from the first object (``networks="first"``).

Edge lists (:mod:`grnndata.edges`)
    :func:`from_edges` builds a sparse CSR network from a table (``source``, ``target``, optional
    ``weight``; missing weight = 1.0). A zero score means *no edge* (zero-weight rows are dropped and
    ``to_edges`` never returns zeros, so dense and sparse networks give the same list). Duplicated pairs
    are combined with ``duplicates="max"`` (default; also ``"min"``, ``"sum"``, ``"mean"``, ``"first"``,
    ``"last"``, ``"raise"``). Unknown genes are dropped with a warning and listed in the network metadata
    (``metadata["edges"]["unknown_genes"]``), or raise with ``errors="raise"``.
    :meth:`GRnnData.to_edges` applies ``min_score`` (``score >= min_score``) then ``top_k`` best regulators per
    *target*, and returns edges sorted by score.

Views (:mod:`grnndata.views`, :mod:`grnndata.plot`)
    :func:`~grnndata.views.hub_scores` (weighted out/in degree), :func:`~grnndata.views.eigenvector_centrality`,
    :func:`~grnndata.views.neighbourhood` and :func:`~grnndata.plot.plot_neighbourhood` (PNG).

Example
-------
>>> import numpy as np, pandas as pd, anndata, grnndata
>>> edges = pd.DataFrame({"source": ["TP53", "TP53", "MYC"], "target": ["MDM2", "CDKN1A", "TP53"],
...                       "weight": [0.9, 0.7, 0.2]})
>>> net = grnndata.from_edges(edges, genes=["TP53", "MDM2", "CDKN1A", "MYC"])
>>> float(net.network("GRN")[0, 1])       # TP53 -> MDM2 (rows = regulators)
0.9
>>> net.add_network("corr", np.eye(4), metadata={"method": "pearson", "parameters": {"min_cells": 3}})
>>> net.write_h5ad("net.h5ad")            # doctest: +SKIP
>>> anndata.read_h5ad("net.h5ad").varp["GRN"]  # plain anndata sees the same matrix   # doctest: +SKIP
>>> net.to_edges(top_k=1).shape[0]         # best regulator of each target
3
>>> list(net.targets_of("TP53").index)
['MDM2', 'CDKN1A']

Run ``python -m grnndata.demo`` for a round trip through a temporary .h5ad.
"""
from __future__ import annotations

from . import _clash  # noqa: F401  (refuses a grnndata folder shared with another distribution)
from ._checks import MissingColumnsError, NetworkKeyError
from .core import DEFAULT_KEY, GRnnData, from_matrix, from_target_rows
from .io import concat, from_edges, read_h5ad
from .compat import GRNAnnData, from_adata_and_longform, from_anndata  # noqa: F401  (GRnnData 1.3.2 names)
from .plot import plot_neighbourhood  # matplotlib is imported only when a plot is drawn
from .views import eigenvector_centrality, hub_scores, neighbourhood, top_regulators, top_targets

__all__ = [
    "DEFAULT_KEY",
    "GRnnData",
    "MissingColumnsError",
    "NetworkKeyError",
    "concat",
    "eigenvector_centrality",
    "from_edges",
    "from_matrix",
    "from_target_rows",
    "hub_scores",
    "neighbourhood",
    "plot_neighbourhood",
    "read_h5ad",
    "top_regulators",
    "top_targets",
]
