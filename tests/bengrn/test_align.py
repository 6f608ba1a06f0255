"""bengrn.align: hand-checked examples, a pure-Python reference on random tables, and real OmniPath data."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from bengrn.alignment import align


def reference_align(edges: pd.DataFrame, genes) -> tuple[set, dict]:
    """Set-based reference of the documented rule: upper-case both sides, keep edges with both ends in genes."""
    pos = {g.upper(): i for i, g in enumerate(genes)}
    aligned = set()
    distinct = set()
    for s, t in zip(edges["source"], edges["target"]):
        if not isinstance(s, str) or not isinstance(t, str):
            continue
        distinct.add((s.upper(), t.upper()))
        if s.upper() in pos and t.upper() in pos:
            aligned.add((pos[s.upper()], pos[t.upper()]))
    return aligned, {"n_truth_edges_unique": len(distinct)}


def test_hand_example():
    genes = ["SOX2", "Pou5f1", "NANOG", "GATA6", "MYC"]
    edges = pd.DataFrame(
        {
            "source": ["sox2", "SOX2", "POU5F1", "NANOG", "NANOG", "FOO", "GATA6", None, "MYC"],
            "target": ["NANOG", "nanog", "SOX2", "NANOG", "BAR", "MYC", "myc", "SOX2", "GATA6"],
        }
    )
    edges.attrs.update(name="toy", directed=True)
    truth, stats = align(edges, genes)
    assert isinstance(truth, sp.csr_matrix) and truth.dtype == bool and truth.shape == (5, 5)
    expected = {(0, 2), (1, 0), (2, 2), (3, 4), (4, 3)}
    got = set(zip(*truth.nonzero()))
    assert got == expected
    assert stats["n_truth_edges"] == 9
    assert stats["n_truth_edges_unique"] == 7  # SOX2->NANOG twice; None row dropped
    assert stats["n_edges_aligned"] == 5
    assert stats["n_duplicates_collapsed"] == 1
    assert stats["n_self_loops"] == 1
    assert stats["n_truth_genes"] == 7  # SOX2 NANOG POU5F1 FOO GATA6 MYC BAR
    assert stats["n_genes_in_common"] == 5
    assert stats["n_regulators_in_common"] == 5  # SOX2 POU5F1 NANOG GATA6 MYC
    assert stats["n_targets_in_common"] == 4  # NANOG SOX2 MYC GATA6
    assert stats["fraction_covered"] == pytest.approx(5 / 7)
    assert stats["directed"] is True and stats["name"] == "toy"


def test_undirected_truth_not_expanded_again():
    edges = pd.DataFrame({"source": ["A", "B"], "target": ["B", "A"]})
    edges.attrs["directed"] = False
    truth, stats = align(edges, ["A", "B", "C"])
    assert set(zip(*truth.nonzero())) == {(0, 1), (1, 0)}
    assert stats["directed"] is False and stats["n_edges_aligned"] == 2
    one_way = pd.DataFrame({"source": ["A"], "target": ["B"]})
    one_way.attrs["directed"] = False
    truth, _ = align(one_way, ["A", "B"])
    assert truth.nnz == 1


@pytest.mark.parametrize("seed", range(3))
def test_random_tables_match_reference(seed):
    rng = np.random.default_rng(seed)
    vocab = np.array([f"gene{i}" for i in range(60)] + [f"Gene{i}" for i in range(60, 70)], dtype=object)
    m = 400
    edges = pd.DataFrame({"source": rng.choice(vocab, m), "target": rng.choice(vocab, m)})
    flip = rng.random(m) < 0.3
    edges.loc[flip, "source"] = edges.loc[flip, "source"].str.upper()
    genes = list(rng.choice(vocab[:65], 40, replace=False))
    truth, stats = align(edges, genes)
    ref, ref_stats = reference_align(edges, genes)
    assert set(zip(*truth.nonzero())) == ref
    assert stats["n_edges_aligned"] == len(ref)
    assert stats["n_truth_edges_unique"] == ref_stats["n_truth_edges_unique"]
    assert truth.has_canonical_format


def test_errors():
    genes = ["A", "B", "C"]
    with pytest.raises(KeyError, match="target"):
        align(pd.DataFrame({"source": ["A"], "tgt": ["B"]}), genes)
    with pytest.raises(KeyError, match="source"):
        align(pd.DataFrame({"from": ["A"], "target": ["B"]}), genes)
    with pytest.raises(TypeError):
        align([("A", "B")], genes)
    mouse = pd.DataFrame({"source": ["Xist1", "Kdm5d"], "target": ["Tsix2", "Uty"]})
    with pytest.raises(ValueError) as err:
        align(mouse, genes)
    msg = str(err.value)
    assert "3 genes" in msg and "4 genes" in msg and "Xist1" in msg and "'A'" in msg
    with pytest.raises(ValueError, match="but no edge"):
        align(pd.DataFrame({"source": ["A"], "target": ["Z"]}), genes)
    with pytest.raises(ValueError, match="case"):
        align(pd.DataFrame({"source": ["A"], "target": ["B"]}), ["A", "B", "b"])
    # Renamed columns are accepted
    truth, _ = align(pd.DataFrame({"tf": ["A"], "gene": ["b"]}), genes, source="tf", target="gene")
    assert set(zip(*truth.nonzero())) == {(0, 1)}


def test_omnipath_real_data(shared_data):
    path = shared_data / "truths" / "omnipath" / "omnipath.parquet"
    edges = pd.read_parquet(path, columns=["source", "target"])
    all_genes = pd.unique(np.concatenate([edges["source"].to_numpy(), edges["target"].to_numpy()]))
    genes = list(np.random.default_rng(0).choice(all_genes, 2000, replace=False))
    truth, stats = align(edges, genes)
    ref, ref_stats = reference_align(edges, genes)
    assert set(zip(*truth.nonzero())) == ref
    assert stats["n_truth_edges"] == len(edges)
    assert stats["n_truth_edges_unique"] == ref_stats["n_truth_edges_unique"]
    assert 0 < stats["fraction_covered"] < 1


def test_omnipath_align_then_evaluate_matches_sklearn(shared_data):
    """End to end on real data: aligned OmniPath truth, a random network, metrics equal to scikit-learn's."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    from bengrn.metrics import evaluate

    edges = pd.read_parquet(shared_data / "truths" / "omnipath" / "omnipath.parquet", columns=["source", "target"])
    rng = np.random.default_rng(1)
    all_genes = pd.unique(np.concatenate([edges["source"].to_numpy(), edges["target"].to_numpy()]))
    genes = list(rng.choice(all_genes, 600, replace=False))
    truth, stats = align(edges, genes)
    net = np.round(rng.random((600, 600)), 2)  # heavy ties
    res = evaluate(net, truth, universe="all", transpose=True)
    off = ~np.eye(600, dtype=bool)
    y, s = truth.toarray()[off], net.T[off]
    assert res["n_positives"] == stats["n_edges_aligned"] - stats["n_self_loops"] == y.sum()
    assert res["ap"] == pytest.approx(average_precision_score(y, s), rel=1e-10)
    assert res["auroc"] == pytest.approx(roc_auc_score(y, s), rel=1e-10)


def test_package_level_align_is_the_function_after_submodule_import():
    import bengrn
    import bengrn.alignment

    assert bengrn.align is bengrn.alignment.align

    truth, stats = bengrn.align(pd.DataFrame({"source": ["a"], "target": ["B"]}), ["A", "B"])
    assert set(zip(*truth.nonzero())) == {(0, 1)} and stats["n_edges_aligned"] == 1
