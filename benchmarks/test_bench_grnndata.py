"""grnndata speed: vectorised edge list -> CSR (20,000 genes, 2,000,000 edges) vs a naive per-edge loop,
and slicing the network to 5,000 genes vs raw scipy fancy indexing.

Run: ``/work/venv/bin/python -m pytest benchmarks/test_bench_grnndata.py --benchmark-only -s``.
The per-edge throughput ratio (vectorised / naive) is printed and stored in ``extra_info``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import grnndata

N_GENES = 20_000
N_EDGES = 2_000_000
N_EDGES_NAIVE = 50_000
N_SLICE = 5_000
SEED = 0

_results: dict[str, float] = {}


@pytest.fixture(scope="module")
def genes() -> list[str]:
    return [f"GENE{i:05d}" for i in range(N_GENES)]


def _edges(genes: list[str], n_edges: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    names = np.asarray(genes, dtype=object)
    return pd.DataFrame(
        {
            "source": names[rng.integers(0, len(genes), n_edges)],
            "target": names[rng.integers(0, len(genes), n_edges)],
            "weight": rng.random(n_edges),
        }
    )


@pytest.fixture(scope="module")
def big_edges(genes) -> pd.DataFrame:
    return _edges(genes, N_EDGES, SEED)


@pytest.fixture(scope="module")
def small_edges(genes) -> pd.DataFrame:
    return _edges(genes, N_EDGES_NAIVE, SEED + 1)


def _naive_from_edges(edges: pd.DataFrame, genes: list[str]) -> sp.csr_matrix:
    """What a per-edge Python loop looks like: dict lookups and a dict of keys, max on duplicates."""
    pos = {g: i for i, g in enumerate(genes)}
    best: dict[tuple[int, int], float] = {}
    for s, t, w in zip(edges["source"], edges["target"], edges["weight"]):
        i, j = pos.get(s), pos.get(t)
        if i is None or j is None or w == 0:
            continue
        key = (i, j)
        if key not in best or w > best[key]:
            best[key] = w
    rows, cols = zip(*best) if best else ((), ())
    return sp.csr_matrix((list(best.values()), (rows, cols)), shape=(len(genes), len(genes)))


def test_from_edges_vectorised_2m(benchmark, big_edges, genes):
    net = benchmark.pedantic(grnndata.from_edges, args=(big_edges, genes), rounds=3, iterations=1)
    assert net.network().shape == (N_GENES, N_GENES)
    _results["vectorised_s"] = benchmark.stats.stats.mean
    benchmark.extra_info["edges_per_s"] = N_EDGES / benchmark.stats.stats.mean


def test_from_edges_naive_loop_50k(benchmark, small_edges, genes):
    m = benchmark.pedantic(_naive_from_edges, args=(small_edges, genes), rounds=3, iterations=1)
    # same result as the vectorised path on the same table
    ref = grnndata.from_edges(small_edges, genes).network()
    assert (m != ref).nnz == 0
    _results["naive_s"] = benchmark.stats.stats.mean
    benchmark.extra_info["edges_per_s"] = N_EDGES_NAIVE / benchmark.stats.stats.mean
    if "vectorised_s" in _results:
        fast = N_EDGES / _results["vectorised_s"]
        slow = N_EDGES_NAIVE / _results["naive_s"]
        benchmark.extra_info["throughput_ratio_vectorised_over_naive"] = fast / slow
        print(
            f"\nper-edge throughput: vectorised {fast:,.0f} edges/s ({N_EDGES:,} edges), "
            f"naive loop {slow:,.0f} edges/s ({N_EDGES_NAIVE:,} edges), ratio {fast / slow:.1f}x"
        )


@pytest.fixture(scope="module")
def big_net(big_edges, genes) -> grnndata.GRnnData:
    return grnndata.from_edges(big_edges, genes)


@pytest.fixture(scope="module")
def slice_idx() -> np.ndarray:
    return np.sort(np.random.default_rng(SEED + 2).choice(N_GENES, N_SLICE, replace=False))


def test_slice_grnndata_to_5k_genes(benchmark, big_net, slice_idx):
    sub = benchmark.pedantic(lambda: big_net[:, slice_idx].network(), rounds=5, iterations=1)
    assert sub.shape == (N_SLICE, N_SLICE)
    _results["slice_s"] = benchmark.stats.stats.mean


def test_slice_raw_scipy_to_5k_genes(benchmark, big_net, slice_idx):
    m = big_net.network()
    sub = benchmark.pedantic(lambda: m[slice_idx][:, slice_idx], rounds=5, iterations=1)
    assert (sub != big_net[:, slice_idx].network()).nnz == 0
    if "slice_s" in _results:
        ratio = _results["slice_s"] / benchmark.stats.stats.mean
        benchmark.extra_info["grnndata_over_scipy_slice_time"] = ratio
        print(f"\nslice to {N_SLICE:,} genes: grnndata view / raw scipy time ratio {ratio:.2f}")


def test_to_edges_top10_per_target_2m(benchmark, big_net):
    edges = benchmark.pedantic(lambda: big_net.to_edges(top_k=10), rounds=3, iterations=1)
    assert edges.groupby("target").size().max() <= 10
    benchmark.extra_info["edges_in"] = int(big_net.network().nnz)
    benchmark.extra_info["edges_out"] = len(edges)
