"""The GSEA engine of bengrn.enrichment (numpy) beside gseapy, side by side in one run.

- Per-TF ENCODE target enrichment for 100 TFs: ``tf_targets`` vs one gseapy prerank call per TF (what benGRN 1.3.2
  did; 20 TFs, x5 for 100).
- Prerank of one hub ranking against the TF list and the 231 shipped cell-type marker sets (what ``summarize`` does
  three times per network): ``prerank_sets`` vs one ``gseapy.prerank`` call with the same sets.

Run: pytest benchmarks/test_bench_enrichment.py.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import ground_truths
from bengrn import enrichment as E
from ground_truths.genesets import cell_type_markers

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
        res = gseapy.prerank(rnk=rnk, gene_sets={"s": targets[genes[t]]}, permutation_num=PERMS, min_size=1,
                             max_size=len(genes), outdir=None, no_plot=True, threads=1, seed=0)
        out.append(float(res.res2d["NES"].iloc[0]))
    return out


def test_bench_tf_targets_gseapy_loop(benchmark, problem):
    # 20 TFs only (x5 for 100): one gseapy call per TF is the slow reference
    net, genes, targets = problem
    nes = benchmark.pedantic(_gseapy_per_tf, args=(net, genes, targets, 20), rounds=1, iterations=1)
    assert len(nes) == 20


@pytest.fixture(scope="module")
def hub_ranking():
    """A hub-score ranking over the shipped TF and marker symbols padded to N_GENES, and the summary's sets."""
    sets = {"TFs": ground_truths.tf_list("human"), **cell_type_markers()}
    symbols = sorted({g.upper() for members in sets.values() for g in members})
    genes = symbols + [f"PAD{i}" for i in range(N_GENES - len(symbols))]
    ranking = pd.Series(np.random.default_rng(1).random(len(genes)), index=genes).sort_values(ascending=False)
    return ranking, sets


def test_bench_prerank_numpy(benchmark, hub_ranking):
    ranking, sets = hub_ranking
    table = benchmark.pedantic(E.prerank_sets, args=(ranking, sets), kwargs={"permutations": PERMS, "seed": 0},
                               rounds=1, iterations=1)
    assert len(table) > 200


def test_bench_prerank_gseapy(benchmark, hub_ranking):
    import gseapy

    ranking, sets = hub_ranking
    upper = {k: sorted({g.upper() for g in v}) for k, v in sets.items()}
    res = benchmark.pedantic(gseapy.prerank, kwargs={
        "rnk": ranking, "gene_sets": upper, "permutation_num": PERMS, "min_size": 3, "max_size": 4000,
        "outdir": None, "no_plot": True, "threads": 1, "seed": 0}, rounds=1, iterations=1)
    assert len(res.res2d) > 200
