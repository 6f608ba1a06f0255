"""benGRN 1.3.2 names: scripts written as the 1.3.2 docs / scPRINT 2.3.8 use them run unchanged (runpy, in a
subprocess), and their numbers equal this suite's own API computed here."""
from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import anndata as ad
import networkx as nx
import numpy as np
import pandas as pd
import pytest

import bengrn.methods
import ground_truths
import scprint_model
from bengrn import align, evaluate
from bengrn.compat import BenGRN, get_GT_db, get_perturb_gt, get_sroy_gt
from ground_truths.ids import symbol_key

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = Path(__file__).parent / "compat_scripts"
KEYS = ("epr", "auprc", "ap", "odd_ratio", "rand_precision", "n_positives", "n_universe")


def _run(script: str, tmp_path: Path) -> dict:
    out = tmp_path / "out.json"
    env = {**os.environ, "COMPAT_OUT": str(out), "PYTHONPATH": str(REPO), "MPLBACKEND": "Agg"}
    code = f"import runpy; runpy.run_path({str(SCRIPTS / script)!r}, run_name='__main__')"
    proc = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "FutureWarning" in proc.stderr  # the old calls say what replaces them
    return json.loads(out.read_text())


def _brute_point(scored: np.ndarray, truth: np.ndarray, rows: np.ndarray | None) -> tuple[float, float]:
    """1.3.2's precision / recall of the non-zero scores, by counting over the universe (no diagonal)."""
    universe = ~np.eye(len(scored), dtype=bool)
    if rows is not None:
        universe &= rows[:, None]
    pred, true = (scored > 0) & universe, truth & universe
    return (pred & true).sum() / pred.sum(), (pred & true).sum() / true.sum()


def _check(got: dict, scored: np.ndarray, truth, rows: np.ndarray | None) -> None:
    # 1.3.2's universe: all ordered pairs of the compared genes, or the regulator rows
    want = evaluate(scored, truth, universe="all") if rows is None else evaluate(scored, truth, universe="tf",
                                                                                  tf_only=rows)
    for key in KEYS:
        ours = {"odd_ratio": "odds_ratio", "rand_precision": "prevalence"}.get(key, key)
        assert got[key] == pytest.approx(want[ours], rel=1e-9), key
    dense = truth.toarray() if hasattr(truth, "toarray") else np.asarray(truth)
    precision, recall = _brute_point(scored, dense.astype(bool), rows)
    assert got["precision"] == pytest.approx(precision) and got["recall"] == pytest.approx(recall)
    assert got["rand_precision"] == pytest.approx(dense[rows].sum() / (rows.sum() * (len(dense) - 1))
                                                  if rows is not None else dense.sum() / (len(dense) ** 2 - len(dense)))


def test_grnndata_readme_script(tmp_path):
    got = _run("grnndata_readme.py", tmp_path)
    np.random.seed(0)
    m = np.random.rand(10, 10)
    np.testing.assert_allclose(got["grn"], m)
    np.testing.assert_allclose(got["sub_targets"], m[:2])
    np.testing.assert_allclose(got["back_grn"], m[:2, :2])
    ref = nx.eigenvector_centrality(nx.from_numpy_array((m > 0).astype(float), create_using=nx.DiGraph))
    assert got["central"] == [str(i) for i in sorted(ref, key=lambda k: -ref[k])[:3]]


def test_bengrn_sroy_notebook_script(tmp_path):
    got = _run("bengrn_sroy_notebook.py", tmp_path)
    adata = ground_truths.load_dataset("chen-hesc")
    edges = ground_truths.load("mccalla-hesc")
    regs = np.flatnonzero(align(edges, list(adata.var_names))[0].getnnz(axis=1) > 0)
    expressed = np.argsort(-np.asarray(adata.X.sum(0)).ravel(), kind="stable")
    sub = adata[:, np.union1d(regs, expressed[~np.isin(expressed, regs)][: 150 - len(regs)])].copy()
    assert got["genes"] == list(sub.var_names)
    net = bengrn.methods.infer("genie3", sub, seed=0, n_trees=5, n_jobs=1, progress=False).network("GRN")
    genes = list(sub.var_names)
    truth, _ = align(edges, genes)
    sources = align(edges, list(adata.var_names))[0].getnnz(axis=1) > 0  # rows with an edge in get_sroy_gt's GRN
    rows = np.asarray(symbol_key(genes).isin(symbol_key(adata.var_names[sources])))
    _check(got["metrics"]["genie3_chen"], np.asarray(net).T, truth, rows)  # the notebook scores the transpose
    collectri = ground_truths.load("collectri")
    keep = np.asarray(symbol_key(genes).isin(symbol_key(pd.concat([collectri["source"], collectri["target"]]))))
    idx = np.flatnonzero(keep)
    _check(got["metrics"]["genie3_chen_collectri"], np.asarray(net)[np.ix_(idx, idx)],
           align(collectri, [genes[i] for i in idx])[0], None)


def test_scprint_grn_task_script(tmp_path):
    got = _run("scprint_grn_task.py", tmp_path)
    assert {0, 1} <= set(got["heads"])  # the planted heads are kept
    adata = ground_truths.load_dataset("chen-hesc")
    edges = ground_truths.load("mccalla-hesc")
    genes = list(adata.var_names[np.asarray(got["genes"])])
    truth, _ = align(edges, genes)
    rows = np.asarray(symbol_key(genes).isin(symbol_key(adata.var_names[align(edges, list(adata.var_names))[0]
                                                                         .getnnz(axis=1) > 0])))
    rng = np.random.default_rng(0)
    stack = rng.random((200, 200, 4))
    stack[:, :, :2] += 2.0 * truth.toarray().T[:, :, None]
    _check(got["metrics"]["mean_chen_full"], stack.mean(-1).T, truth, rows)
    _check(got["metrics"]["self_chen_full"], stack[:, :, got["heads"]].mean(-1).T, truth, rows)
    # train_classifier = select_heads on the truth's genes (regulator split, seed 0), metrics of the kept heads
    chen = symbol_key(adata.var_names)  # get_sroy_gt's network holds the truth edges between Chen genes
    edges = edges[np.asarray(symbol_key(edges["source"]).isin(chen) & symbol_key(edges["target"]).isin(chen))]
    keep = np.flatnonzero(np.asarray(symbol_key(genes).isin(symbol_key(pd.concat([edges["source"], edges["target"]])))))
    regs = np.transpose(stack, (1, 0, 2))[np.ix_(keep, keep)]
    selection = scprint_model.select_heads(regs, align(edges, [genes[i] for i in keep])[0], seed=0,
                                           train_fraction=0.5, evaluate=evaluate)
    held = selection.metrics["selected"]
    assert got["heads"] == selection.selected
    assert got["metrics"]["self_classifier"] == pytest.approx(
        {"used_heads": len(selection.selected), "precision": held["precision_at_k"], "random_precision": held["prevalence"],
         "recall": held["recall_at_k"]})


def test_each_call_warns_once_and_names_the_new_api():
    net = ad.AnnData(np.ones((2, 3)), var=pd.DataFrame(index=["SOX2", "POU5F1", "NANOG"]))
    net.varp["GRN"] = np.eye(3)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        BenGRN(net, doplot=False)
    assert [str(w.message) for w in rec if w.category is FutureWarning] == [
        "bengrn.BenGRN(grn) is the 1.3.2 API and will be removed; use bengrn.evaluate(net, truth) with "
        "bengrn.align(ground_truths.load(name), genes)"]


def test_get_gt_db_is_ground_truths_load_with_1_3_2_columns():
    with pytest.warns(FutureWarning, match=r"ground_truths.load\(name\)"):
        table = get_GT_db("omnipath")
    ref = ground_truths.load("omnipath")
    pd.testing.assert_frame_equal(table[ref.columns], ref)
    assert (table["type"] == ref["evidence"]).all() and table.attrs["checksum"] == ref.attrs["checksum"]
    with pytest.warns(FutureWarning):
        dorothea = get_GT_db("dorothea", organism="mouse")
    assert dorothea.attrs["organism"] == "mouse" and (dorothea["weight"] == dorothea["sign"]).all()
    with pytest.raises(ValueError, match="human only"), pytest.warns(FutureWarning):
        get_GT_db("collectri", organism="mouse")


def test_get_sroy_gt_is_the_mccalla_truth_over_its_dataset():
    with pytest.warns(FutureWarning):
        grn = get_sroy_gt(get="chen", species="human", gt="ko")
    adata = ground_truths.load_dataset("chen-hesc")
    truth, _ = align(ground_truths.load("mccalla-hesc", variant="kd"), list(adata.var_names))
    assert grn.shape == adata.shape and (grn.varp["GRN"] != truth).nnz == 0
    assert (grn.obs["organism_ontology_term_id"] == "NCBITaxon:9606").all()
    with pytest.raises(ValueError, match=r"choose one of \['chen', 'liu'\]"), pytest.warns(FutureWarning):
        get_sroy_gt(get="mine")


def test_get_perturb_gt_orientation(tmp_path, monkeypatch):
    """gwps upstream layout (rows = responding genes, one column per perturbation): the GRN has perturbed rows."""
    mirror = tmp_path / "mirror" / "truths" / "gwps"
    mirror.mkdir(parents=True)
    table = pd.DataFrame({"1_P1_TP53": [0.01, 0.5, 0.001], "2_P1_MYC": [0.2, 0.04, 0.9]},
                         index=pd.Index(["MDM2", "TP53", "CDKN1A"]))
    with gzip.open(mirror / "gwps_pvalues.csv.gz", "wt") as handle:
        table.to_csv(handle)
    monkeypatch.setenv("GROUND_TRUTHS_LOCAL", str(tmp_path / "mirror"))
    monkeypatch.setenv("GROUND_TRUTHS_CACHE", str(tmp_path / "cache"))
    assert ground_truths.matched_dataset("gwps") == "k562-controls"  # the real cells; a stand-in below
    cells = ad.AnnData(np.ones((3, 4), dtype=np.float32), var=pd.DataFrame(index=["CDKN1A", "MDM2", "MYC", "TP53"]))
    monkeypatch.setattr(ground_truths, "matched_dataset", lambda name: "k562" if name == "gwps" else None)
    monkeypatch.setattr(ground_truths, "load_dataset", lambda name: cells.copy())
    with pytest.warns(FutureWarning):
        grn = get_perturb_gt()
    dense = pd.DataFrame(grn.varp["GRN"].toarray(), index=grn.var_names, columns=grn.var_names)
    want = {("TP53", "MDM2"), ("TP53", "CDKN1A"), ("MYC", "TP53")}  # p < 0.05, perturbed -> responding
    assert {(r, c) for r in dense.index for c in dense.columns if dense.loc[r, c]} == want
    with pytest.raises(TypeError, match="filename_bh"), pytest.warns(FutureWarning):
        get_perturb_gt(filename_bh="/tmp/x.csv.gz")
