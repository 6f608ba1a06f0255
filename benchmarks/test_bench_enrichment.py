"""Per-TF ENCODE target enrichment for 100 TFs: numpy engine (bengrn.enrichment.tf_targets) vs one gseapy prerank
call per TF (what benGRN 1.3.2 did), side by side in one run. Run: pytest benchmarks/test_bench_enrichment.py."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bengrn import enrichment as E

N_GENES, N_TFS, N_TARGETS, PERMS = 8595, 100, 500, 1000  # Chen hESC size, median ENCODE set ~ 500


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(0)
    genes = [f"G{i}" for i in range(N_GENES)]
    net = rng.random((N_GENES, N_GENES), dtype=np.float32)
    targets = {genes[t]: [genes[j] for j in rng.choice(N_GENES, N_TARGETS, replace=False)] for t in range(N_TFS)}
    return net, genes, targets


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_bench_tf_targets_numpy(benchmark, problem, n_jobs):
    net, genes, targets = problem
    table = benchmark.pedantic(E.tf_targets, args=(net, genes, targets),
                               kwargs={"permutations": PERMS, "seed": 0, "n_jobs": n_jobs}, rounds=1, iterations=1)
    assert len(table) == N_TFS


def _gseapy_per_tf(net, genes, targets, n_tfs):
    import gseapy

    out = []
    for t in range(n_tfs):
        keep = np.arange(len(genes)) != t
        rnk = pd.Series(net[t, keep].astype(np.float64), index=np.asarray(genes)[keep])
        with E._quiet():
            res = gseapy.prerank(rnk=rnk, gene_sets={"s": targets[genes[t]]}, permutation_num=PERMS, min_size=1,
                                 max_size=len(genes), outdir=None, no_plot=True, threads=1, seed=0)
        out.append(float(res.res2d["NES"].iloc[0]))
    return out


def test_bench_tf_targets_gseapy_loop(benchmark, problem):
    # 20 TFs only (x5 for 100): one gseapy call per TF is the slow reference
    net, genes, targets = problem
    nes = benchmark.pedantic(_gseapy_per_tf, args=(net, genes, targets, 20), rounds=1, iterations=1)
    assert len(nes) == 20
