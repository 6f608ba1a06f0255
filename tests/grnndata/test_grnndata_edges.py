"""Edge lists <-> networks, checked against brute-force pandas / Python references."""
from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import grnndata

N = 40
GENES = [f"g{i:02d}" for i in range(N)]


def _edge_table(seed: int, n_edges: int = 600, unknown: bool = True) -> pd.DataFrame:
    """Random edges with many duplicates, some zero weights and (optionally) unknown genes."""
    rng = np.random.default_rng(seed)
    pool = GENES + (["XX1", "XX2", "XX3"] if unknown else [])
    df = pd.DataFrame(
        {
            "source": rng.choice(pool, n_edges),
            "target": rng.choice(pool, n_edges),
            "weight": rng.normal(size=n_edges),
        }
    )
    df.loc[rng.choice(n_edges, 20, replace=False), "weight"] = 0.0
    return df


def _reference_dense(df: pd.DataFrame, rule: str, genes=GENES) -> np.ndarray:
    """Brute force: filter known genes, pandas groupby-aggregate, fill a dense matrix edge by edge."""
    known = df[df["source"].isin(genes) & df["target"].isin(genes)]
    agg = known.groupby(["source", "target"], sort=False)["weight"].agg(rule)
    pos = {g: i for i, g in enumerate(genes)}
    dense = np.zeros((len(genes), len(genes)))
    for (s, t), w in agg.items():
        dense[pos[s], pos[t]] = w
    return dense


@pytest.mark.parametrize("rule", ["max", "min", "sum", "mean", "first", "last"])
def test_from_edges_matches_pandas_groupby(rule, caplog):
    df = _edge_table(seed=7)
    with caplog.at_level(logging.WARNING, logger="grnndata"):
        net = grnndata.from_edges(df, GENES, duplicates=rule)
    m = net.network()
    assert sp.issparse(m) and m.format == "csr" and m.has_sorted_indices
    ref = _reference_dense(df, rule)
    np.testing.assert_allclose(m.toarray(), ref, rtol=1e-12, atol=1e-12)
    # zero scores are not edges: nothing stored for them
    assert m.nnz == np.count_nonzero(ref)
    assert np.all(m.data != 0)
    # unknown genes: reported in the log and in the metadata
    unknown_mask = ~(df["source"].isin(GENES) & df["target"].isin(GENES))
    stats = net.network_metadata()["edges"]
    assert stats["n_unknown_edges"] == int(unknown_mask.sum()) > 0
    assert stats["unknown_genes"] == ["XX1", "XX2", "XX3"]
    assert stats["n_edges_in"] == len(df)
    assert stats["n_edges"] == m.nnz
    assert f"{int(unknown_mask.sum())} of {len(df)} edges" in caplog.text and "XX1" in caplog.text
    assert net.network_metadata()["method"] == "from_edges"


def test_first_and_last_follow_row_order():
    df = pd.DataFrame({"source": ["g00", "g00", "g00"], "target": ["g01"] * 3, "weight": [0.2, 0.9, 0.5]})
    get = lambda rule: grnndata.from_edges(df, GENES, duplicates=rule).network()[0, 1]  # noqa: E731
    assert get("first") == 0.2 and get("last") == 0.5 and get("max") == 0.9 and get("min") == 0.2
    assert get("sum") == pytest.approx(1.6) and get("mean") == pytest.approx(1.6 / 3)
    with pytest.raises(ValueError, match="2 duplicated .*g00->g01"):
        grnndata.from_edges(df, GENES, duplicates="raise")
    with pytest.raises(ValueError, match="duplicates must be one of"):
        grnndata.from_edges(df, GENES, duplicates="median")


def test_unknown_genes_raise_or_ignore(caplog):
    df = _edge_table(seed=3)
    with pytest.raises(ValueError, match=r"edges use 3 gene\(s\) not in the 40 genes.*'XX1'"):
        grnndata.from_edges(df, GENES, errors="raise")
    with caplog.at_level(logging.WARNING, logger="grnndata"):
        net = grnndata.from_edges(df, GENES, errors="ignore")
    assert caplog.text == ""
    assert net.network_metadata()["edges"]["unknown_genes"] == ["XX1", "XX2", "XX3"]


def test_weight_column_optional_and_custom_names():
    df = pd.DataFrame({"tf": ["g01", "g02", "g01"], "gene": ["g03", "g03", "g03"]})
    net = grnndata.from_edges(df, GENES, source="tf", target="gene", key="prior")
    m = net.network("prior")
    assert m[1, 3] == 1.0 and m[2, 3] == 1.0 and m.nnz == 2  # duplicate g01->g03 counted once (max)
    net2 = grnndata.from_edges(df.assign(weight=5.0), GENES, source="tf", target="gene", weight=None)
    assert net2.network()[1, 3] == 1.0
    with pytest.raises(KeyError, match=r"missing column\(s\) \['score'\]; it has \['tf', 'gene'\]"):
        grnndata.from_edges(df, GENES, source="tf", target="gene", weight="score")
    with pytest.raises(KeyError, match=r"\['source', 'target'\]"):
        grnndata.from_edges(df, GENES)
    with pytest.raises(ValueError, match="NaN/inf"):
        grnndata.from_edges(pd.DataFrame({"source": ["g01"], "target": ["g02"], "weight": [np.nan]}), GENES)
    with pytest.raises(TypeError, match="numeric"):
        grnndata.from_edges(pd.DataFrame({"source": ["g01"], "target": ["g02"], "weight": ["high"]}), GENES)
    with pytest.raises(TypeError, match="DataFrame"):
        grnndata.from_edges([("g01", "g02")], GENES)
    with pytest.raises(ValueError, match="unique"):
        grnndata.from_edges(df, ["g01", "g01"], source="tf", target="gene")


def test_empty_edge_table_gives_empty_network():
    net = grnndata.from_edges(pd.DataFrame({"source": [], "target": [], "weight": []}), GENES)
    assert net.network().nnz == 0 and net.network().shape == (N, N)
    assert net.to_edges().empty


def _reference_edges(dense: np.ndarray, top_k, min_score, absolute) -> pd.DataFrame:
    """Brute force over every (i, j) pair, then pandas filtering and per-target top-k."""
    rows = [
        (GENES[i], GENES[j], dense[i, j])
        for i in range(dense.shape[0])
        for j in range(dense.shape[1])
        if dense[i, j] != 0
    ]
    df = pd.DataFrame(rows, columns=["source", "target", "weight"])
    df["score"] = df["weight"].abs() if absolute else df["weight"]
    if min_score is not None:
        df = df[df["score"] >= min_score]
    df = df.sort_values("score", ascending=False)
    if top_k is not None:
        df = df.groupby("target", sort=False).head(top_k)
    return df


@pytest.mark.parametrize("storage", ["dense", "sparse"])
@pytest.mark.parametrize(
    "top_k,min_score,absolute",
    [(None, None, False), (3, None, False), (None, 0.5, False), (2, 0.1, False), (2, 0.5, True), (1, None, True)],
)
def test_to_edges_matches_brute_force(storage, top_k, min_score, absolute):
    rng = np.random.default_rng(11)
    dense = rng.normal(size=(N, N)) * (rng.random((N, N)) < 0.25)
    net = grnndata.from_matrix(sp.csr_matrix(dense) if storage == "sparse" else dense, GENES)
    got = net.to_edges(top_k=top_k, min_score=min_score, absolute=absolute)
    ref = _reference_edges(dense, top_k, min_score, absolute)
    assert list(got.columns) == ["source", "target", "weight"]
    assert len(got) == len(ref)
    assert set(got.itertuples(index=False, name=None)) == set(ref[["source", "target", "weight"]].itertuples(index=False, name=None))
    score = got["weight"].abs() if absolute else got["weight"]
    assert score.is_monotonic_decreasing
    if top_k is not None:
        assert got.groupby("target").size().max() <= top_k


def test_to_edges_ties_follow_regulator_order_and_zero_is_no_edge():
    m = np.zeros((4, 4))
    m[[3, 1, 2], 0] = 0.5  # three tied regulators of gene 0
    m[0, 1] = 0.0
    net = grnndata.from_matrix(m, ["a", "b", "c", "d"])
    e = net.to_edges(top_k=2)
    assert list(e["source"]) == ["b", "c"] and list(e["target"]) == ["a", "a"]
    s = sp.coo_matrix((np.r_[0.5, 0.5, 0.5, 0.0], ([1, 2, 3, 0], [0, 0, 0, 1])), shape=(4, 4)).tocsr()
    assert s.nnz == 4 and 0.0 in s.data  # one explicit stored zero
    assert len(grnndata.from_matrix(s, ["a", "b", "c", "d"]).to_edges()) == 3
    with pytest.raises(ValueError, match="top_k must be a positive integer"):
        net.to_edges(top_k=0)


def test_edge_list_round_trip_and_stack_heads():
    df = _edge_table(seed=5, unknown=False)
    net = grnndata.from_edges(df, GENES, duplicates="sum")
    back = net.to_edges()
    again = grnndata.from_edges(back, GENES, duplicates="raise")  # no duplicates after a round trip
    np.testing.assert_array_equal(again.network().toarray(), net.network().toarray())
    ref = _reference_dense(df, "sum")
    assert len(back) == np.count_nonzero(ref)

    stack = np.random.default_rng(0).random((N, N, 3))
    sn = grnndata.from_matrix(stack, GENES, key="heads")
    with pytest.raises(ValueError, match="head=<index>"):
        sn.to_edges("heads")
    e = sn.to_edges("heads", head=2, top_k=1)
    ref_src = np.argmax(stack[:, :, 2], axis=0)
    assert dict(zip(e["target"], e["source"])) == {GENES[j]: GENES[ref_src[j]] for j in range(N)}
    with pytest.raises(ValueError, match="only valid for a per-head stack"):
        net.to_edges(head=0)
