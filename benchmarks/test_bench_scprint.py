"""scPRINT-like model speed: training throughput (cells/s), one 1,024-cell x 2,000-gene attention network with the
toy checkpoint, and the same job at the size of the smallest published scPRINT (small-v1: d_model 128, 4 layers x 2
heads, 43,000-gene vocabulary, 8 cell tokens) with random weights (the real weights are not available offline).

Run: python -m pytest benchmarks/test_bench_scprint.py --benchmark-only -s
(single round each; the numbers go to docs/scprint.md).
"""
import os
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

torch = pytest.importorskip("torch")
anndata = pytest.importorskip("anndata")

from scprint_model import checkpoint as ckpt  # noqa: E402
from scprint_model.data import read_counts  # noqa: E402
from scprint_model.model import ModelConfig  # noqa: E402
from scprint_model.network import infer_network  # noqa: E402
from scprint_model.published_model import PublishedConfig, PublishedScPrint  # noqa: E402
from scprint_model.train import build_model, fit  # noqa: E402


SHARED_DATA = Path(os.environ.get("GRN_SHARED_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"))


@pytest.fixture(scope="module")
def cells_1024():
    """1,024 real immune cells (celltypist sample resampled with replacement) x the 2,000 most-detected vocab genes."""
    if not (SHARED_DATA / "README.md").exists():
        pytest.skip(f"real data not found at {SHARED_DATA}; set GRN_SHARED_DATA")
    ck = ckpt.load_default()
    x, genes = read_counts(SHARED_DATA / "expression/celltypist_sample/sample_cell_by_gene.csv.gz")
    keep = ~pd.Index(genes).duplicated()
    x, genes = x[:, np.flatnonzero(keep)], pd.Index(genes)[keep]
    in_vocab = pd.Index(ck.vocab).get_indexer(genes) >= 0
    det = np.asarray((x > 0).sum(axis=0)).ravel() * in_vocab
    cols = np.sort(np.argsort(-det)[:2000])
    rows = np.random.default_rng(0).choice(x.shape[0], 1024, replace=True)
    ad = anndata.AnnData(sp.csr_matrix(x[rows][:, cols]))
    ad.var_names = genes[cols]
    return ck, ad


@pytest.mark.parametrize("variant", ["mean-qk", "mean-softmax"])
def test_bench_network_1024_cells_2000_genes(benchmark, cells_1024, variant):
    ck, ad = cells_1024
    net = benchmark.pedantic(infer_network, args=(ad,), kwargs=dict(checkpoint=ck, variant=variant, progress=False),
                             rounds=1, iterations=1)
    assert net.network("heads").shape == (2000, 2000, ck.model.n_heads_total)


def test_bench_training_throughput(benchmark):
    """Default architecture (12,000-gene vocabulary, d_model 64, 4 layers, 4 heads, context 256, batch 16)."""
    rng = np.random.default_rng(0)
    n_genes = 12_000
    x = sp.random(300, n_genes, density=0.08, format="csr", random_state=0, dtype=np.float32)
    x.data = rng.poisson(2.0, x.nnz).astype(np.float32) + 1
    vocab = [f"G{i}" for i in range(n_genes)]
    model = build_model(vocab, ModelConfig(n_genes=n_genes), seed=0)
    steps, batch = 10, 16
    t0 = time.perf_counter()
    benchmark.pedantic(fit, args=(model, x, np.asarray(x.sum(1)).ravel(), vocab),
                       kwargs=dict(steps=steps, batch_size=batch, context=256, progress=False), rounds=1, iterations=1)
    cells_per_s = steps * batch / (time.perf_counter() - t0)
    benchmark.extra_info["cells_per_s"] = round(cells_per_s, 2)
    print(f"\ntraining throughput: {cells_per_s:.1f} cells/s")


@pytest.fixture(scope="module")
def small_v1_random(cells_1024):
    """Random weights in the small-v1 architecture; vocabulary = the 2,000 genes + 41,000 placeholders."""
    _, ad = cells_1024
    config = PublishedConfig(n_genes=43_000, d_model=128, n_layers=4, n_heads=2, d_ff=512, n_class_tokens=7)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = PublishedScPrint(config)
        model.pos_encoder.table.normal_(0, 0.5)
        model.cell_tokens.data.normal_(0, 0.5)
    vocab = list(ad.var_names) + [f"PLACEHOLDER{i}" for i in range(config.n_genes - ad.n_vars)]
    ck = ckpt.Checkpoint(model=model.eval(), vocab=vocab, kind="scprint-v1", label="random weights, small-v1 shape")
    return ck, ad[:1000].copy()


@pytest.mark.parametrize("selection", ["chunks", "random-expr"])
def test_bench_published_small_v1_1000_cells_2000_genes(benchmark, small_v1_random, selection):
    """All 2,000 genes + 8 cell tokens per forward pass (context 3,000, GNInfer's max_len); mean-qk."""
    ck, ad = small_v1_random
    net = benchmark.pedantic(infer_network, args=(ad,), kwargs=dict(checkpoint=ck, selection=selection,
                                                                   device="cpu", batch_size=32),
                             rounds=1, iterations=1)
    benchmark.extra_info["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    benchmark.extra_info["load_average"] = os.getloadavg()[0]
    assert net.network("heads").shape == (2000, 2000, 8)
