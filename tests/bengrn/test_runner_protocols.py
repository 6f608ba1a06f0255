"""Runner scoring protocols: --tf-only/--transpose reach bengrn.metrics.evaluate, and the held-out head selection."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

pytest.importorskip("ground_truths")


def test_tf_only_and_transpose_are_passed_to_evaluate(shared_data, tmp_path, monkeypatch):
    import ground_truths
    import grnndata
    from bengrn.alignment import align
    from bengrn.metrics import evaluate
    from bengrn.runner import RunConfig, run_benchmark

    monkeypatch.setenv("GROUND_TRUTHS_LOCAL", str(shared_data))
    monkeypatch.setenv("GROUND_TRUTHS_CACHE", str(tmp_path / "cache"))
    config = RunConfig(methods=["random"], truths=["omnipath"], out=tmp_path / "o", n_genes=300, n_cells=100,
                       seed=3, tf_only=True, transpose=True, n_null=0, progress=False)
    (run,) = run_benchmark(config)
    net = grnndata.read_h5ad(tmp_path / "o" / run["provenance"]["network_file"])
    genes = list(net.genes)
    truth, _ = align(ground_truths.load("omnipath"), genes)
    tfs = ground_truths.tf_list("human")
    direct = evaluate(net.network("GRN"), truth, genes=genes, tf_only=tfs, transpose=True)
    assert run["metrics"] == direct  # exact (pytest.approx cannot hold the flags list)
    n_tf = len({g.upper() for g in genes} & {t.upper() for t in tfs})
    assert run["metrics"]["n_regulators"] == n_tf < 300
    # The random network is not symmetric: without the flag the numbers differ, so the flag did reach evaluate.
    assert evaluate(net.network("GRN"), truth, genes=genes, tf_only=tfs)["auroc"] != run["metrics"]["auroc"]


def test_held_out_head_selection_scores_only_held_out_regulators():
    pytest.importorskip("sklearn")
    import grnndata
    from bengrn.metrics import evaluate
    from bengrn.protocols import score_selected_heads

    rng = np.random.default_rng(0)
    g, n_heads = 60, 6
    genes = [f"G{i}" for i in range(g)]
    truth = np.zeros((g, g), dtype=bool)
    regs = rng.choice(g, size=12, replace=False)
    for r in regs:
        truth[r, rng.choice(g, size=8, replace=False)] = True
    np.fill_diagonal(truth, False)
    stack = rng.random((g, g, n_heads))
    stack[:, :, 1] += 2.0 * truth  # heads 1 and 4 carry the signal
    stack[:, :, 4] += 1.5 * truth
    net = grnndata.GRnnData.from_matrix(stack.mean(axis=2), genes)
    net.add_network("heads", stack)

    # Universe "tf" with every gene a TF: the held-out rows x all genes, as evaluate(tf_only=held) below.
    metrics, curve, seconds, info = score_selected_heads(net, sp.csr_matrix(truth), genes=genes, universe="tf",
                                                         tf_mask=np.ones(g, dtype=bool), seed=0)
    assert curve is None and seconds >= 0
    assert {1, 4} <= set(info["selected"])
    held = np.zeros(g, dtype=bool)
    held[info["heldout_regulators"]] = True
    assert held.any() and not set(info["heldout_regulators"]) & set(info["train_regulators"])
    # Reported metrics = evaluate() of the mean of the selected heads, over the held-out regulators' rows only.
    direct = evaluate(stack[:, :, info["selected"]].mean(axis=2), truth, genes=genes, tf_only=held)
    assert metrics == direct  # exact (pytest.approx cannot hold the flags list)
    assert metrics["n_regulators"] == held.sum()
    assert metrics["auprc"] > info["heldout_other"]["random"]["auprc"]
