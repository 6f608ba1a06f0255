"""Speed and memory of bengrn.metrics.evaluate, measured side by side with np.sort and scikit-learn.

Run: python -m pytest benchmarks/test_bench_metrics.py --benchmark-only
Targets: 5,000 x 5,000 dense float32 evaluated exactly in <= 1.5x one np.sort of its 25M scores; its permutation null
(100 permutations over the same ranking) costing about one np.sort more; a 20,000 x 20,000 float32 network evaluated
within 2x its own size (1.6 GB) of extra memory (tracemalloc peak).
"""
from __future__ import annotations

import gc
import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp

from bengrn.metrics import evaluate

N_GENES = 5_000
N_BIG = 20_000
_TIMES: dict[str, float] = {}


def _truth(n: int, n_edges: int, seed: int) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, n, n_edges)
    cols = rng.integers(0, n, n_edges)
    t = sp.csr_matrix((np.ones(n_edges, dtype=bool), (rows, cols)), shape=(n, n))
    t.sum_duplicates()
    return t


_CASES: dict[str, tuple] = {}


def _dense(kind: str):
    """5,000 x 5,000 float32; 'continuous' = all scores distinct, 'tied' = rounded to 3 decimals (heavy ties)."""
    if kind not in _CASES:
        _CASES.clear()  # keep one 100 MB case alive at a time
        rng = np.random.default_rng(0)
        truth = _truth(N_GENES, 50_000, 1)  # ~0.2% prevalence, like OmniPath on a few thousand genes
        # Informative but noisy scores: positives get a small boost.
        net = rng.random((N_GENES, N_GENES), dtype=np.float32)
        net[truth.nonzero()] += np.float32(0.3)
        if kind == "tied":
            net = np.round(net, 3).astype(np.float32)
        _CASES[kind] = (net, truth)
    return _CASES[kind]


def _record(benchmark, name):
    _TIMES[name] = benchmark.stats.stats.median


@pytest.mark.parametrize("kind", ["continuous", "tied"])
def test_np_sort_and_evaluate_5k(benchmark, kind):
    """np.sort of the 25M scores and evaluate on the same input, alternated round by round (fair under load)."""
    import time

    net, truth = _dense(kind)
    sort_times = []

    def both():
        t0 = time.perf_counter()
        np.sort(net, axis=None)
        sort_times.append(time.perf_counter() - t0)
        return evaluate(net, truth, universe="all")

    # The benchmarked time is sort + evaluate; the ratio uses the per-round split.
    res = benchmark.pedantic(both, rounds=5, iterations=1, warmup_rounds=1)
    total = np.array(benchmark.stats.stats.data)
    srt = np.array(sort_times[-total.size :])
    ev = total - srt
    _TIMES[f"np.sort {kind}"] = float(np.median(srt))
    _TIMES[f"evaluate {kind}"] = float(np.median(ev))
    benchmark.extra_info["median_np_sort_s"] = float(np.median(srt))
    benchmark.extra_info["median_evaluate_s"] = float(np.median(ev))
    benchmark.extra_info["ratio_evaluate_to_np_sort"] = float(np.median(ev / srt))
    _TIMES[f"ratio {kind}"] = float(np.median(ev / srt))
    benchmark.extra_info["ap"] = res["ap"]


@pytest.mark.parametrize("kind", ["continuous", "tied"])
def test_null_100_permutations_5k(benchmark, kind):
    """The null's extra cost, evaluate(n_null=100) minus evaluate(n_null=0), beside np.sort, alternated per round."""
    import time

    net, truth = _dense(kind)
    split = {"sort": [], "plain": []}

    def run():
        t0 = time.perf_counter()
        np.sort(net, axis=None)
        t1 = time.perf_counter()
        evaluate(net, truth, universe="all")
        split["sort"].append(t1 - t0)
        split["plain"].append(time.perf_counter() - t1)
        return evaluate(net, truth, universe="all", n_null=100, seed=0)

    res = benchmark.pedantic(run, rounds=3, iterations=1, warmup_rounds=1)
    total = np.array(benchmark.stats.stats.data)
    srt, plain = (np.array(split[k][-total.size :]) for k in ("sort", "plain"))
    null_cost = total - srt - 2 * plain  # the n_null=100 call minus its own evaluation
    ratio = float(np.median(null_cost / srt))
    benchmark.extra_info.update(median_null_cost_s=float(np.median(null_cost)), ratio_null_to_np_sort=ratio)
    _TIMES[f"null ratio {kind}"] = ratio
    _TIMES[f"null 100 {kind}"] = float(np.median(null_cost))
    assert res["auprc_z"] > 5  # the planted signal stands far above its null


def test_evaluate_dense_5k_tf_only_transposed(benchmark):
    net, truth = _dense("tied")
    mask = np.zeros(N_GENES, dtype=bool)
    mask[::3] = True
    benchmark.pedantic(
        evaluate, args=(net, truth), kwargs={"tf_only": mask, "transpose": True}, rounds=3, iterations=1
    )
    _record(benchmark, "evaluate tf_only+transpose")


def test_sklearn_average_precision_5k(benchmark):
    from sklearn.metrics import average_precision_score

    net, truth = _dense("tied")
    off = ~np.eye(N_GENES, dtype=bool)
    y = truth.toarray()[off]
    s = net[off]
    ap = benchmark.pedantic(average_precision_score, args=(y, s), rounds=1, iterations=1)
    _record(benchmark, "sklearn AP")
    assert ap == pytest.approx(evaluate(net, truth, universe="all")["ap"], rel=1e-9)  # same universe, same number


def test_evaluate_sparse_20k(benchmark):
    """Sparse 20,000 x 20,000 network with 4M stored entries, versus np.sort of those 4M scores."""
    rng = np.random.default_rng(2)
    n, e = N_BIG, 4_000_000
    net = sp.csr_matrix(
        (rng.random(e, dtype=np.float32), (rng.integers(0, n, e), rng.integers(0, n, e))), shape=(n, n)
    )
    truth = _truth(n, 200_000, 3)
    import time

    t0 = time.perf_counter()
    np.sort(net.data)
    sort_t = time.perf_counter() - t0
    benchmark.pedantic(evaluate, args=(net, truth), kwargs={"universe": "all"}, rounds=3, iterations=1)
    _record(benchmark, "evaluate sparse")
    benchmark.extra_info["ratio_to_np_sort_of_stored"] = benchmark.stats.stats.median / sort_t


def test_evaluate_memory_20k(benchmark):
    """Peak extra memory (tracemalloc; numpy reports its buffers) while evaluating a 1.6 GB float32 network."""
    rng = np.random.default_rng(4)
    net = rng.random((N_BIG, N_BIG), dtype=np.float32)
    truth = _truth(N_BIG, 400_000, 5)
    peaks = []

    def run():
        gc.collect()
        tracemalloc.start()
        try:
            evaluate(net, truth, universe="all")
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()

    benchmark.pedantic(run, rounds=1, iterations=1)
    ratio = peaks[0] / net.nbytes
    benchmark.extra_info["peak_extra_bytes"] = peaks[0]
    benchmark.extra_info["peak_over_network_size"] = ratio
    _TIMES["memory_ratio"] = ratio
    del net


def test_report(benchmark, capsys):
    """Print the side-by-side ratios. Uses the benchmark fixture (on a no-op) only so --benchmark-only runs it."""
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    if not _TIMES:
        pytest.skip("benchmarks did not run")
    with capsys.disabled():
        medians = ", ".join(f"{k}={v:.4f}" for k, v in _TIMES.items() if "ratio" not in k)
        print(f"\n[bench metrics] medians (s): {medians}")
        for kind in ("continuous", "tied"):
            if f"ratio {kind}" in _TIMES:
                ratio = _TIMES[f"ratio {kind}"]
                print(f"[bench metrics] evaluate / np.sort, 5k dense {kind}: {ratio:.3f} (target <= 1.5)")
            if f"null ratio {kind}" in _TIMES:
                ratio = _TIMES[f"null ratio {kind}"]
                print(f"[bench metrics] null (100 permutations) / np.sort, 5k dense {kind}: {ratio:.3f} (target ~1)")
        if "sklearn AP" in _TIMES and "evaluate tied" in _TIMES:
            print(f"[bench metrics] sklearn AP / evaluate (tied): {_TIMES['sklearn AP'] / _TIMES['evaluate tied']:.1f}")
        if "memory_ratio" in _TIMES:
            ratio = _TIMES["memory_ratio"]
            print(f"[bench metrics] peak extra memory / network size (20k float32): {ratio:.3f} (target <= 2)")
