"""GRnnData 1.3.2's ``grnndata.utils``, mapped onto :mod:`grnndata.views` (each call warns once, naming the new API).

``get_centrality``, ``compute_connectivities`` and ``metrics`` are computed here from the views. ``TF``, ``mTF`` and
``file_dir`` are 1.3.2's own data files (``TF.txt``, ``mTF.txt``, ``celltype.gmt``, shipped unchanged in
``grnndata/data``; provenance in ``grnndata/data/PROVENANCE.md``). ``enrichment`` needs bengrn's GSEA engine, and
grnndata may not import bengrn (dependencies point one way), so it lives in :func:`bengrn.compat.enrichment`;
touching ``grnndata.utils.enrichment`` raises an error that says so.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from anndata import AnnData
from scipy.sparse import csgraph

from ._odeps import has_module, import_optional
from ._legacy import _dense_network, deprecated
from .core import DEFAULT_KEY, GRnnData
from .views import eigenvector_centrality

logger = logging.getLogger(__name__)

__all__ = ["compute_connectivities", "get_centrality", "metrics", "TF", "mTF", "file_dir"]
file_dir = str(Path(__file__).parent / "data")


def _read_list(name: str) -> list[str]:
    return [line.strip() for line in (Path(file_dir) / name).read_text(encoding="utf-8").splitlines() if line.strip()]


TF = _read_list("TF.txt")  # 1.3.2's human TF list (Lambert 2018 based)
mTF = _read_list("mTF.txt")  # noqa: N816 (1.3.2 name): its mouse TF list


def __getattr__(name: str) -> Any:
    if name == "enrichment":
        raise AttributeError(
            "grnndata.utils.enrichment (GRnnData 1.3.2) needs bengrn's GSEA engine, and grnndata does not depend on "
            "bengrn: call bengrn.compat.enrichment(grn, ...) with the same arguments (or bengrn.enrichment.prerank_sets)"
        )
    raise AttributeError(f"module 'grnndata.utils' has no attribute {name!r}")


def _as_grnndata(grn: AnnData) -> GRnnData:
    return grn if isinstance(grn, GRnnData) else GRnnData(grn)


def top_k_mask(matrix: np.ndarray, k: int) -> np.ndarray:
    """Per row, the entries >= the row's k-th largest value (ties at the k-th value all kept, as 1.3.2)."""
    n = matrix.shape[1]
    k = int(min(max(k, 1), n))
    kth = np.partition(matrix, n - k, axis=1)[:, n - k]
    return matrix >= kth[:, None]


def compute_connectivities(grn: AnnData, topK: int = 20) -> AnnData:  # noqa: N803 (1.3.2 name)
    """1.3.2: keep each regulator's ``topK`` strongest targets of ``varp["GRN"]`` as ``varp["connectivities"]``."""
    deprecated("grnndata.utils.compute_connectivities", "grnndata.top_targets / net.to_edges(top_k=...)")
    return _connectivities(grn, topK)


def _connectivities(grn: AnnData, k: int) -> AnnData:
    dense = _dense_network(grn)
    kept = sp.csr_matrix(np.where(top_k_mask(dense, k), dense, 0))
    kept.eliminate_zeros()
    net = _as_grnndata(grn)
    net.add_network("connectivities", kept, metadata={"method": "top-k targets per regulator of 'GRN'",
                                                      "parameters": {"k": int(k)}})
    if net is not grn:
        grn.varp["connectivities"] = kept
    return grn


def get_centrality(grn: AnnData, n_largest_to_consider: int = 20, top_k_to_disp: int = 30) -> list[tuple[str, float]]:
    """1.3.2: eigenvector centrality of the top-``n_largest_to_consider`` graph, stored in ``var["centrality"]``.

    As 1.3.2 (networkx ``eigenvector_centrality`` of the directed, unweighted top-k graph: a gene is central when
    central genes point to it, ``direction="in"``, 100 iterations, tol 1e-6). Returns the ``top_k_to_disp`` (gene, centrality) pairs,
    best first; 1.3.2 also printed them, here they are logged.
    """
    deprecated("grnndata.utils.get_centrality", "grnndata.eigenvector_centrality(net)")
    return centrality(grn, n_largest_to_consider, top_k_to_disp)


def centrality(grn: AnnData, n_largest_to_consider: int = 20, top_k_to_disp: int = 30) -> list[tuple[str, float]]:
    """:func:`get_centrality` without the deprecation warning (used by the 1.3.2 ``enrichment(of="Central")``)."""
    _connectivities(grn, n_largest_to_consider)
    # networkx's eigenvector_centrality (1.3.2) ignores weights by default: the top-k graph's edges count 1 each
    edges = (sp.csr_matrix(grn.varp["connectivities"]) != 0).astype(np.float64)
    cent = eigenvector_centrality(edges, grn.var_names, direction="in", max_iter=100)
    grn.var["centrality"] = cent.to_numpy()
    top = cent.sort_values(ascending=False, kind="stable").head(top_k_to_disp)
    pairs = [(str(g), float(v)) for g, v in top.items()]
    logger.info("top central genes: %s", pairs)
    return pairs


def _undirected_degrees(matrix: Any) -> np.ndarray:
    """Degree of every gene in the undirected graph of the non-zero entries (self-loop counts 2, as networkx)."""
    a = sp.csr_matrix(matrix) != 0
    u = (a + a.T).tocsr()
    return np.asarray(u.sum(axis=1)).ravel() + a.diagonal().astype(np.int64)


def metrics(grn: AnnData) -> dict[str, Any]:
    """1.3.2: connectivity and scale-freeness of ``varp["GRN"]`` seen as an undirected graph.

    ``is_connected`` (one connected component), ``n_components``; ``scale_freeness`` = ``[R, p]`` of the
    power-law vs exponential likelihood-ratio test on the degree sequence (``powerlaw.Fit(...).distribution_compare(
    "power_law", "exponential", normalized_ratio=True)``, as 1.3.2) when the optional ``powerlaw`` package is
    installed, otherwise the key is absent (logged). No plots are drawn.
    """
    deprecated("grnndata.utils.metrics", "grnndata.hub_scores(net) and scipy.sparse.csgraph on net.network()")
    matrix = _as_grnndata(grn).network(DEFAULT_KEY)
    if getattr(matrix, "ndim", 2) != 2:
        _dense_network(grn)  # raises the per-head-stack error
    n_comp, _ = csgraph.connected_components(sp.csr_matrix(matrix) != 0, directed=False)
    out: dict[str, Any] = {"is_connected": bool(n_comp == 1), "n_components": int(n_comp)}
    if has_module("powerlaw"):
        powerlaw = import_optional("powerlaw", "grnndata.utils.metrics scale-freeness")
        degrees = np.sort(_undirected_degrees(matrix))[::-1]
        fit = powerlaw.Fit(degrees[degrees > 0], verbose=False)
        r, p = fit.distribution_compare("power_law", "exponential", normalized_ratio=True)
        out["scale_freeness"] = [float(r), float(p)]
    else:
        logger.warning("scale_freeness needs the optional 'powerlaw' package (pip install powerlaw); omitted")
    return out
